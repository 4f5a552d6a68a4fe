"""Every notebook follows CONTRIBUTING.md, and the generated parts are in sync."""

import re
import subprocess

import pytest

from course_utils.course_map import (
    COURSE_MAP,
    NAV_TAG,
    render_navigation,
    solution_problems,
    sync,
)
from notebook_rules import (
    NOTEBOOKS,
    ROOT,
    is_compared,
    markdown_lines,
    read,
    relative_links,
    tags,
)

ids = [p.name for p in NOTEBOOKS]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"
    assert NOTEBOOKS[0].name == "00_start_here.ipynb"


def test_notebook_names_come_from_the_course_map():
    fixed = {nb.file for nb in COURSE_MAP}
    strays = [p.name for p in NOTEBOOKS if p.name not in fixed]
    assert not strays, f"notebooks not in course_utils.course_map.COURSE_MAP: {strays}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_one_h1_then_overview(path):
    nb = read(path)
    h1 = [ln for ln in markdown_lines(nb) if re.match(r"^# \S", ln)]
    assert len(h1) == 1, f"{path.name}: expected one H1 title, found {h1}"
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), (
        f"{path.name}: the first cell must be the H1 title")
    overview = "\n".join(c.source for c in nb.cells[:3] if c.cell_type == "markdown")
    assert "What you will learn" in overview, f"{path.name}: no 'What you will learn' objectives"
    objectives = re.findall(r"^\s*[-*] ", overview.split("What you will learn", 1)[1], re.M)
    assert len(objectives) >= 3, f"{path.name}: fewer than 3 objectives"
    time = re.search(r"\*\*Time:\*\* (\d+) min teaching \+ (\d+) min exercises", overview)
    assert time, f"{path.name}: no '**Time:** N min teaching + M min exercises'"
    (entry,) = [nb for nb in COURSE_MAP if nb.file == path.name]
    assert (int(time[1]), int(time[2])) == (entry.teach_min, entry.exercise_min), (
        f"{path.name}: the overview's time differs from COURSE_MAP's "
        f"({entry.teach_min} + {entry.exercise_min} min)")
    assert "**Prerequisites:**" in overview, f"{path.name}: no '**Prerequisites:**'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_time_and_prerequisites_are_paragraphs_of_their_own(path):
    """Markdown joins lines that no blank line separates: without one, JupyterLab shows
    '**Time:** ...' and '**Prerequisites:** ...' on one line (or the time inside the
    last objective's bullet)."""
    overview = "\n".join(c.source for c in read(path).cells[:3] if c.cell_type == "markdown")
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", overview)]
    for label in ("**Time:**", "**Prerequisites:**"):
        assert any(p.startswith(label) for p in paragraphs), (
            f"{path.name}: {label} must start a paragraph of its own (a blank line before it)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_setup_cell_key_points_and_navigation(path):
    nb = read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and "setup_notebook(" in code[0].source, (
        f"{path.name}: the first code cell must be the setup cell calling setup_notebook()")
    lines = markdown_lines(nb)
    assert any(re.match(r"^## Key points", ln) for ln in lines), f"{path.name}: no '## Key points'"
    last = nb.cells[-1]
    assert NAV_TAG in tags(last), f"{path.name}: the last cell must be the navigation cell"
    assert last.source == render_navigation(path.name), (
        f"{path.name}: navigation is stale; run `python3 course.py nav`")
    for target in relative_links(nb):
        assert (path.parent / target).resolve().exists(), f"{path.name}: broken link {target}"


@pytest.mark.parametrize("path", NOTEBOOKS[1:], ids=ids[1:])
def test_exercises_have_collapsed_solutions(path):
    nb = read(path)
    solutions = [c for c in nb.cells if "solution" in tags(c)]
    assert len(solutions) >= 2, f"{path.name}: needs two or more cells tagged 'solution'"
    for cell in solutions:
        assert cell.cell_type == "code", f"{path.name}: a solution must be a runnable code cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_solutions_stay_hidden_until_asked_for(path):
    """A collapsed cell still shows its output in JupyterLab, so solutions are committed
    without outputs, collapsed, and tagged nbval-ignore-output (nbval runs them, their own
    asserts are the check). `python3 course.py nav` makes them so."""
    nb = read(path)
    problems = [f"solution cell {i + 1} (In [{nb.cells[i].execution_count}]) {what}"
                for i, what in solution_problems(nb)]
    assert not problems, f"{path.name[:2]}: {'; '.join(problems)}; run `python3 course.py nav`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_nbval_markers_are_spelled_exactly(path):
    known = {"NBVAL_IGNORE_OUTPUT", "NBVAL_CHECK_OUTPUT", "NBVAL_RAISES_EXCEPTION", "NBVAL_SKIP"}
    for cell in read(path).cells:
        for line in cell.source.splitlines() if cell.cell_type == "code" else []:
            text = line.strip().lstrip("#").strip()
            if line.strip().startswith("#") and text.startswith("NBVAL_"):
                assert text in known, (
                    f"{path.name}: {line.strip()!r} is not a marker nbval knows; it must be "
                    "alone on its line (nbval compares the whole comment)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_committed_outputs_come_from_restart_and_run_all(path):
    nb = read(path)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", (
        f"{path.name}: kernelspec must be 'python3'")
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..n: Restart & Run All, then save")
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error" or "raises-exception" in tags(cell), (
                f"{path.name}: an error output in a cell not tagged 'raises-exception'")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_committed_outputs_are_not_derived_from_the_real_datasets(path):
    """The real datasets' terms keep them out of the repository, figures included: outputs
    are committed from a run on the generated stand-ins (CONTRIBUTING.md)."""
    for cell in read(path).cells:
        for out in cell.get("outputs", []):
            text = str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
            assert "real photos from" not in text and "real ratings from" not in text, (
                f"{path.name}: outputs come from the real data; re-run it offline "
                "(see CONTRIBUTING.md)")


def test_nbval_compares_at_least_40_percent_of_the_cells_with_output():
    with_output = compared = 0
    per_notebook = {}
    for path in NOTEBOOKS:
        cells = [c for c in read(path).cells if c.cell_type == "code" and c.outputs]
        n_cmp = sum(is_compared(c) for c in cells)
        per_notebook[path.name] = f"{n_cmp}/{len(cells)}"
        with_output += len(cells)
        compared += n_cmp
    assert with_output, "no code cell has a stored output"
    assert compared / with_output >= 0.40, (
        f"nbval compares {compared}/{with_output} cells with output; per notebook: {per_notebook}")


def test_readme_map_and_navigation_are_generated_from_the_course_map():
    stale = sync(write=False, root=ROOT)
    assert not stale, f"out of date: {[p.name for p in stale]}; run `python3 course.py nav`"


def test_nothing_points_outside_the_repository():
    """The repository is self-contained: no tracked text file refers to a design document
    or a folder that only exists beside it. One exception: CI's own script (.ci/run) points
    the course at local copies of the real datasets when the CI machine has them beside the
    clone, as a learner's FLOWERS17_DIR would; without them it runs on the stand-ins."""
    outside = ("COURSE" + ".md", ".." + "/shared")  # spelled apart so this file passes
    exempt = {".ci/run"}
    try:
        files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                               check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    found = []
    for name in filter(None, files):
        if name in exempt:
            continue
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # deleted in the working tree, or not text
        for number, line in enumerate(text.splitlines(), 1):
            found += [f"{name}:{number}: {ref}" for ref in outside if ref in line]
    assert not found, f"references to files outside the repository: {found}"


def test_nav_hides_a_solution_that_shows_its_output(tmp_path):
    """`python3 course.py nav` (sync(write=True)) strips a solution's output and tags it,
    keeping its execution count; until then, sync(write=False) reports it as stale."""
    import nbformat

    from course_utils.course_map import README_END, README_START

    (tmp_path / "README.md").write_text(f"{README_START}\n{README_END}\n", encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    path = tmp_path / "notebooks" / COURSE_MAP[0].file
    solution = nbformat.v4.new_code_cell(
        "print(42)", execution_count=1, metadata={"tags": ["solution"]},
        outputs=[nbformat.v4.new_output("stream", name="stdout", text="42\n")])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), solution])
    nbformat.write(nb, path)
    sync(write=True, root=tmp_path)
    (cell,) = [c for c in read(path).cells if "solution" in tags(c)]
    assert cell.outputs == [] and cell.execution_count == 1
    assert "nbval-ignore-output" in tags(cell) and cell.metadata.jupyter.source_hidden is True
    assert sync(write=False, root=tmp_path) == []
    nb = read(path)
    nb.cells[1].outputs = solution.outputs
    nbformat.write(nb, path)
    assert path in sync(write=False, root=tmp_path)

"""`python3 course.py learner-copies`: valid notebooks named apart from the solutions, no
solutions, no outputs, a cell to answer in under every exercise, links that resolve, and a
copy still runs up to its first exercise."""

import re

import nbformat
import pytest
from nbclient import NotebookClient

from course_utils.learner import ANSWER_SOURCE, SOLUTION_TAG, copy_name, write_learner_copies
from notebook_rules import NOTEBOOKS, ROOT, tags

RUN_UP_TO_EXERCISES = "00_start_here_exercises.ipynb"  # the quickest, and it has solutions


def _original(copy_path):
    name = copy_path.name.replace("_exercises.ipynb", ".ipynb")
    return nbformat.read(ROOT / "notebooks" / name, as_version=4)


def _is_answer(cell):
    return cell.cell_type == "code" and cell.source == ANSWER_SOURCE


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    dest = tmp_path_factory.mktemp("learner")
    return write_learner_copies(dest)


def test_one_copy_per_notebook_named_apart_from_it(copies, tmp_path_factory):
    assert [p.name for p in copies] == [copy_name(p.name) for p in NOTEBOOKS]
    assert all(p.name.endswith("_exercises.ipynb") for p in copies)
    assert not {p.name for p in copies} & {p.name for p in NOTEBOOKS}
    assert all(ROOT not in p.parents for p in copies)


def test_copies_are_valid_and_have_no_solutions_and_no_outputs(copies):
    for path in copies:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        original = _original(path)
        code = [ANSWER_SOURCE if SOLUTION_TAG in tags(c) else c.source
                for c in original.cells if c.cell_type == "code"]
        assert [c.source for c in nb.cells if c.cell_type == "code"] == code, path.name
        assert len({c.id for c in nb.cells}) == len(nb.cells), f"{path.name}: duplicate ids"
        for cell in nb.cells:
            assert SOLUTION_TAG not in tags(cell), f"{path.name}: a solution is left"
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, (
                    f"{path.name}: outputs are left in {cell.source[:40]!r}")


def test_an_answer_cell_follows_every_exercise(copies):
    """Every exercise (the Markdown cell a solution followed, and every "**Exercise N.**")
    is followed by an empty code cell to answer in, where the solution was."""
    for path in copies:
        original, nb = _original(path), nbformat.read(path, as_version=4)
        assert len(nb.cells) == len(original.cells), path.name
        n_solutions = 0
        for i, (was, cell) in enumerate(zip(original.cells, nb.cells, strict=True)):
            if SOLUTION_TAG in tags(was):
                n_solutions += 1
                assert _is_answer(cell), f"{path.name}: no answer cell at cell {i}"
                assert any(c.cell_type == "markdown" for c in nb.cells[:i]), f"{path.name}: {i}"
            elif cell.cell_type == "markdown" and re.search(r"\*\*Exercise \d+", cell.source):
                # the answer cell comes before the next Markdown cell (an exercise may give
                # a code cell to run first, as 03's does)
                following = []
                for later in nb.cells[i + 1:]:
                    if later.cell_type == "markdown":
                        break
                    following.append(later)
                assert any(_is_answer(c) for c in following), (
                    f"{path.name}: exercise without an answer cell: {cell.source[:60]!r}")
        assert sum(_is_answer(c) for c in nb.cells) == n_solutions > 0, path.name


def test_links_between_copies_resolve(copies):
    for path in copies:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for target in re.findall(r"\]\(([^)\s#]+\.ipynb)(?:#[^)]*)?\)", cell.source):
                assert (path.parent / target).is_file(), f"{path.name}: broken link {target}"


def test_links_leaving_notebooks_resolve_from_the_default_folder(tmp_path):
    """Copies written to notebooks/learner/ (here in a copy of notebooks/) keep their links
    to files outside notebooks/: each resolves to a file of the repository."""
    source = tmp_path / "notebooks"
    source.mkdir()
    for nb in NOTEBOOKS:
        (source / nb.name).write_bytes(nb.read_bytes())
    copies = write_learner_copies(source=source)
    assert {p.parent for p in copies} == {source / "learner"}
    for path in copies:
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"\]\((\.\./[^)\s#]+)", text):
            where = (path.parent / target).resolve().relative_to(tmp_path.resolve())
            assert (ROOT / where).exists(), f"{path.name}: {target}"


def test_existing_copies_are_kept_when_asked(tmp_path):
    (first, *_) = write_learner_copies(tmp_path)
    first.write_text("answers", encoding="utf-8")
    write_learner_copies(tmp_path, overwrite=False)
    assert first.read_text(encoding="utf-8") == "answers"
    write_learner_copies(tmp_path)
    assert first.read_text(encoding="utf-8") != "answers"


def test_a_copy_runs_up_to_its_first_exercise(copies):
    (path,) = [p for p in copies if p.name == RUN_UP_TO_EXERCISES]
    nb = nbformat.read(path, as_version=4)
    first = next(i for i, c in enumerate(nb.cells)
                 if c.cell_type == "markdown" and re.search(r"^## Exercises", c.source, re.M))
    nb.cells = nb.cells[:first]
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on a cell not tagged raises-exception
    ran = [c for c in nb.cells if c.cell_type == "code"]
    assert ran and all(c.execution_count for c in ran)


def test_the_course_command_writes_the_copies(tmp_path, capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))  # course.py lives at the top of the repository
    from course import COMMANDS
    from course_utils.learner import main

    assert "learner-copies" in COMMANDS  # python3 course.py learner-copies [DEST]
    assert main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == [copy_name(p.name)
                                                              for p in NOTEBOOKS]
    assert "learner copies" in capsys.readouterr().out
    assert main(["--keep-existing", str(tmp_path)]) == 0
    assert f"{len(NOTEBOOKS)} kept as they were" in capsys.readouterr().out

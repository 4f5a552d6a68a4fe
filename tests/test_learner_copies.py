"""`python3 course.py learner-copies`: valid notebooks, no solutions, no outputs, and a copy
still runs up to its first exercise."""

import re

import nbformat
import pytest
from nbclient import NotebookClient

from course_utils.learner import SOLUTION_TAG, write_learner_copies
from notebook_rules import NOTEBOOKS, ROOT, tags

RUN_UP_TO_EXERCISES = "00_start_here.ipynb"  # the quickest notebook, and it has solutions


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    dest = tmp_path_factory.mktemp("learner")
    return write_learner_copies(dest)


def test_one_copy_per_notebook_outside_the_repository(copies, tmp_path_factory):
    assert [p.name for p in copies] == [p.name for p in NOTEBOOKS]
    assert all(ROOT not in p.parents for p in copies)


def test_copies_are_valid_and_have_no_solutions_and_no_outputs(copies):
    for path in copies:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        original = nbformat.read(ROOT / "notebooks" / path.name, as_version=4)
        kept = [c for c in original.cells if SOLUTION_TAG not in tags(c)]
        assert [c.source for c in nb.cells] == [c.source for c in kept], path.name
        for cell in nb.cells:
            assert SOLUTION_TAG not in tags(cell), f"{path.name}: a solution is left"
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, (
                    f"{path.name}: outputs are left in {cell.source[:40]!r}")


def test_notebooks_with_solutions_lose_them(copies):
    for path in copies:
        original = nbformat.read(ROOT / "notebooks" / path.name, as_version=4)
        n_solutions = sum(SOLUTION_TAG in tags(c) for c in original.cells)
        nb = nbformat.read(path, as_version=4)
        assert len(nb.cells) == len(original.cells) - n_solutions


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
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
    assert "learner copies" in capsys.readouterr().out

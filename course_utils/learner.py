"""Learner copies of the notebooks: no solutions, no outputs, a cell to answer each exercise
in (an instructor tool, described in notebooks/INSTRUCTORS.md; ``python3 course.py
learner-copies`` writes them, ``python3 course.py lab --learner`` opens them).

The work is done by nbconvert's own machinery: an exporter whose preprocessors put an
empty code cell (``ANSWER_SOURCE``) where each cell tagged ``solution`` was, and
``ClearOutputPreprocessor`` empties outputs and execution counts. Everything else
(exercises, checks, tags, navigation) is kept. Each copy is named ``NN_name_exercises.ipynb``
so that it cannot be taken for the notebook with the solutions; links between notebooks
are renamed to match, and links leaving ``notebooks/`` get one ``../`` per level.
"""

import re
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOLUTION_TAG = "solution"
SUFFIX = "_exercises"  # 03_debugging_generators.ipynb -> 03_debugging_generators_exercises.ipynb
ANSWER_SOURCE = "# your answer here"
_NOTEBOOK_LINK = re.compile(r"\]\((\d\d_[A-Za-z0-9_]+)\.ipynb([#)])")
_LEAVING_LINK = re.compile(r"\]\(\.\./")


def copy_name(name):
    """The learner copy's file name of a course notebook's (INSTRUCTORS.md)."""
    return f"{Path(name).stem}{SUFFIX}.ipynb"


def learner_exporter(depth=1):
    """The nbconvert exporter that turns a notebook into its learner copy (INSTRUCTORS.md).

    ``depth``: how many folders below ``notebooks/`` the copies are written, so that links
    leaving ``notebooks/`` (such as ``../datasets/README.md``) still resolve from there.
    """
    import nbformat
    from nbconvert.exporters import NotebookExporter
    from nbconvert.preprocessors import ClearOutputPreprocessor, Preprocessor

    class RelinkPreprocessor(Preprocessor):
        """Point links to course notebooks at their learner copies, and prefix links that
        leave notebooks/ with one ``../`` per level."""

        def preprocess_cell(self, cell, resources, index):
            if cell.cell_type == "markdown":
                source = _NOTEBOOK_LINK.sub(rf"](\1{SUFFIX}.ipynb\2", cell.source)
                if depth:
                    source = _LEAVING_LINK.sub("](" + "../" * (depth + 1), source)
                cell.source = source
            return cell, resources

    class AnswerCellPreprocessor(Preprocessor):
        """Replace every cell tagged ``solution`` by an empty code cell to answer in."""

        def preprocess(self, nb, resources):
            cells = []
            for cell in nb.cells:
                if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
                    answer = nbformat.v4.new_code_cell(ANSWER_SOURCE)
                    if "id" in cell:
                        answer.id = f"{cell.id}-answer"[-64:]
                    else:
                        answer.pop("id", None)
                    cell = answer
                cells.append(cell)
            nb.cells = cells
            return nb, resources

    exporter = NotebookExporter()
    exporter.register_preprocessor(RelinkPreprocessor(enabled=True), enabled=True)
    exporter.register_preprocessor(AnswerCellPreprocessor(enabled=True), enabled=True)
    exporter.register_preprocessor(ClearOutputPreprocessor(enabled=True), enabled=True)
    return exporter


def write_learner_copies(dest=None, source=None, overwrite=True):
    """Write the learner copy (``NN_name_exercises.ipynb``) of every course notebook
    (``NN_*.ipynb`` in ``source``, by default ``notebooks/``) to ``dest`` (by default
    ``notebooks/learner/``): an empty code cell (``# your answer here``) in place of each
    cell tagged ``solution``, and no outputs. With ``overwrite=False`` an existing copy is
    kept (it may hold a learner's answers). Returns the paths of all the copies
    (INSTRUCTORS.md)."""
    import nbformat

    source = Path(source) if source else NOTEBOOKS
    dest = Path(dest) if dest else source / "learner"
    notebooks = sorted(source.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no course notebooks (NN_*.ipynb) in {source}")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        depth = len(dest.resolve().relative_to(source.resolve()).parts)
    except ValueError:
        depth = 0  # elsewhere: links that leave notebooks/ cannot be kept anyway
    exporter = learner_exporter(depth)
    copies = []
    for path in notebooks:
        out = dest / copy_name(path.name)
        if overwrite or not out.exists():
            nb = nbformat.read(path, as_version=4)
            copy, _ = exporter.from_notebook_node(nb)
            out.write_text(copy, encoding="utf-8")
        copies.append(out)
    return copies


def main(argv=None):
    """``python -m course_utils.learner [--keep-existing] [DEST]``: write the learner
    copies (``--keep-existing``: only the missing ones), say where."""
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    keep = "--keep-existing" in argv
    argv = [a for a in argv if a != "--keep-existing"]
    dest = Path(argv[0]) if argv else NOTEBOOKS / "learner"
    existing = {p for p in dest.glob(f"*{SUFFIX}.ipynb")} if keep else set()
    copies = write_learner_copies(dest, overwrite=not keep)
    kept = [p for p in copies if p in existing]
    print(f"[course] {len(copies) - len(kept)} learner copies written to {dest}"
          + (f", {len(kept)} kept as they were (your answers are in them)" if kept else "")
          + ": no solutions, no outputs, a '# your answer here' cell under each exercise")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

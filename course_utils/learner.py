"""Learner copies of the notebooks: no solutions, no outputs (an instructor tool, described
in notebooks/INSTRUCTORS.md; ``python3 course.py learner-copies`` runs it).

The work is done by nbconvert's own preprocessors: ``TagRemovePreprocessor`` drops every
cell tagged ``solution`` and ``ClearOutputPreprocessor`` empties outputs and execution
counts. Everything else (exercises, checks, tags, navigation) is kept.
"""

from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOLUTION_TAG = "solution"


def learner_exporter(depth=1):
    """The nbconvert exporter that turns a notebook into its learner copy (INSTRUCTORS.md).

    ``depth``: how many folders below ``notebooks/`` the copies are written, so that links
    leaving ``notebooks/`` (such as ``../datasets/README.md``) still resolve from there.
    """
    import re

    from nbconvert.exporters import NotebookExporter
    from nbconvert.preprocessors import (
        ClearOutputPreprocessor,
        Preprocessor,
        TagRemovePreprocessor,
    )

    class RelinkPreprocessor(Preprocessor):
        """Prefix Markdown links that leave notebooks/ with one ``../`` per level."""

        def preprocess_cell(self, cell, resources, index):
            if cell.cell_type == "markdown" and depth:
                cell.source = re.sub(r"\]\(\.\./", "](" + "../" * (depth + 1), cell.source)
            return cell, resources

    exporter = NotebookExporter()
    exporter.register_preprocessor(RelinkPreprocessor(enabled=True), enabled=True)
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True), enabled=True)
    exporter.register_preprocessor(ClearOutputPreprocessor(enabled=True), enabled=True)
    return exporter


def write_learner_copies(dest=None, source=None):
    """Write a copy of every course notebook (``NN_*.ipynb`` in ``source``, by default
    ``notebooks/``) to ``dest`` (by default ``notebooks/learner/``) without the cells tagged
    ``solution`` and without outputs; return the paths written (INSTRUCTORS.md)."""
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
    written = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        copy, _ = exporter.from_notebook_node(nb)
        out = dest / path.name
        out.write_text(copy, encoding="utf-8")
        written.append(out)
    return written


def main(argv=None):
    """``python -m course_utils.learner [DEST]``: write the learner copies, say where."""
    import sys

    argv = sys.argv[1:] if argv is None else argv
    written = write_learner_copies(argv[0] if argv else None)
    print(f"[course] wrote {len(written)} learner copies (no solutions, no outputs) "
          f"to {written[0].parent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

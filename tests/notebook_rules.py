"""Shared reading of the course's notebooks for the structure tests."""

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IGNORE_MARKERS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "PYTEST_VALIDATE_IGNORE_OUTPUT")
IGNORE_TAGS = ("nbval-ignore-output", "nbval-skip")


def read(path):
    return nbformat.read(path, as_version=4)


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def markdown_lines(nb):
    """Markdown lines outside fenced code blocks."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        fenced = False
        for line in cell.source.splitlines():
            if line.strip().startswith("```"):
                fenced = not fenced
            elif not fenced:
                out.append(line)
    return out


def is_compared(cell):
    """True when nbval compares this code cell's outputs."""
    first_lines = [ln.strip().lstrip("#").strip() for ln in cell.source.splitlines()
                   if ln.strip().startswith("#")]
    if any(m in first_lines for m in IGNORE_MARKERS):
        return False
    return not any(t in tags(cell) for t in IGNORE_TAGS)


def relative_links(nb):
    """Targets of Markdown links that point into the repository (not URLs or anchors)."""
    targets = []
    for line in markdown_lines(nb):
        for target in re.findall(r"\]\(([^)\s]+)\)", line):
            if not re.match(r"^[a-z]+://|^#|^mailto:", target):
                targets.append(target.split("#")[0])
    return targets

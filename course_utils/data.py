"""Where the course keeps its data, and where each dataset will come from
(introduced in 00_start_here).

Environment variables (all optional):

- ``COURSE_DATA_DIR``: where prepared and downloaded data go (default: the repository's
  ``datasets/`` folder, or ``~/.keras-data-course`` for a non-editable install);
- ``COURSE_OFFLINE=1``: never touch the network (the test command sets it);
- ``FLOWERS17_DIR`` / ``MOVIELENS_DIR``: a local copy of a real dataset.
"""

import os
from pathlib import Path

_REPO_DATASETS = Path(__file__).resolve().parent.parent / "datasets"


def data_home():
    """The folder the course writes prepared and downloaded data to (00_start_here)."""
    env = os.environ.get("COURSE_DATA_DIR")
    if env:
        home = Path(env).expanduser()
    elif _REPO_DATASETS.is_dir():
        home = _REPO_DATASETS
    else:
        home = Path.home() / ".keras-data-course"
    home.mkdir(parents=True, exist_ok=True)
    return home


def is_offline():
    """True when ``COURSE_OFFLINE`` forbids downloads (00_start_here)."""
    return os.environ.get("COURSE_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def dataset_status():
    """Where each dataset will come from, as ``(name, description, fix_or_None)`` rows
    (00_start_here; printed by ``doctor()``)."""
    rows = []
    for name, var in (("Flowers-17", "FLOWERS17_DIR"), ("MovieLens 100K", "MOVIELENS_DIR")):
        folder = os.environ.get(var)
        if folder and Path(folder).is_dir():
            rows.append((name, f"real, local copy in {var}={folder}", None))
        elif folder:
            rows.append((name, f"{var}={folder} does not exist",
                         f"point {var} at the unpacked folder, or unset it"))
        elif is_offline():
            rows.append((name, "generated stand-in (COURSE_OFFLINE is set)", None))
        else:
            rows.append((name, "real, downloaded on first use (else a generated stand-in)", None))
    return rows


def prepare_datasets():
    """Prepare every dataset the course uses, from the best source available (00_start_here)."""
    from .flowers17 import prepare_flowers17
    from .movielens import prepare_movielens

    return prepare_flowers17(), prepare_movielens()

"""``python -m course_utils doctor`` prints the environment check; ``prepare`` prepares data."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no C++ start-up lines in the terminal
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    from . import doctor, prepare_datasets

    command = sys.argv[1] if len(sys.argv) > 1 else "doctor"
    if command == "doctor":
        sys.exit(1 if doctor() else 0)
    elif command == "prepare":
        prepare_datasets()
    else:
        sys.exit(f"unknown command {command!r}; use 'doctor' or 'prepare'")

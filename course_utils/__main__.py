"""``python -m course_utils doctor`` prints the environment check; ``prepare`` prepares data."""

import sys

from . import doctor, prepare_datasets

if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "doctor"
    if command == "doctor":
        sys.exit(1 if doctor() else 0)
    elif command == "prepare":
        prepare_datasets()
    else:
        sys.exit(f"unknown command {command!r}; use 'doctor' or 'prepare'")

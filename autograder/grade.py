"""Grade the course with nbgrader: .venv/bin/python autograder/grade.py <step> [options].

Steps: prepare, release, collect, autograde, feedback, export, report, similarity, all
(`--help` lists the options; autograder/README.md explains the flow).
Started by another Python (e.g. `python3 autograder/grade.py`), it runs itself
again with the course venv's Python, where nbgrader is installed.
"""
import os
import sys
from pathlib import Path

AUTOGRADER = Path(__file__).resolve().parent
VENV_PYTHON = AUTOGRADER.parent / ".venv" / "bin" / "python"

try:
    import nbgrader  # noqa: F401 - only: is this the course venv?
except ImportError:
    if VENV_PYTHON.exists() and Path(sys.executable) != VENV_PYTHON:
        os.execv(VENV_PYTHON, [str(VENV_PYTHON), __file__, *sys.argv[1:]])
    sys.exit(f"grade.py: nbgrader is not installed for {sys.executable}; fix: run `make setup`, "
             f"then .venv/bin/python autograder/grade.py")

sys.path.insert(0, str(AUTOGRADER))  # mml_grading and mml_judge

from mml_grading.cli import main  # noqa: E402

if __name__ == "__main__":
    main()

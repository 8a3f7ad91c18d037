"""Grade the course with nbgrader: python autograder/grade.py <step> [options].

Steps: prepare, release, collect, autograde, feedback, export, all
(`--help` lists the options; autograder/README.md explains the flow).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # mml_grading and mml_judge

from mml_grading.cli import main  # noqa: E402

if __name__ == "__main__":
    main()

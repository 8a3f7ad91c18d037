"""nbgrader configuration of the course (instructor and grading side).

Use it from the repository root:  nbgrader <command> --config autograder/nbgrader_config.py
"""
from pathlib import Path

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

ROOT = Path(__file__).resolve().parent.parent

c.CourseDirectory.course_id = "mml-rnn-captioning"
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.source_directory = "source_assignments"
c.CourseDirectory.release_directory = "release"

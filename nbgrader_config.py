"""The course's nbgrader configuration, for everything started at the repository root.

nbgrader reads nbgrader_config.py from the folder it is started in, and so does
the formgrader of `jupyter lab` started here: this file loads
autograder/nbgrader_config.py, so `.venv/bin/nbgrader <command>`, the
formgrader and `python autograder/grade.py` all see one course id, one
gradebook (autograder/gradebook.db) and one exchange.
"""
c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
load_subconfig("autograder/nbgrader_config.py")  # noqa: F821 - relative to this file's folder

"""Copy one worker's autograde results into the course gradebook.

A worker autogrades one submission against its own copy of the gradebook, so
workers never write the same SQLite file. Afterwards the results are copied
here one submission at a time, in student order, so the course gradebook ends
the same whatever order the workers finished in.
"""
import warnings

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning


def merge_submission(worker_db_url, course_db_url, course_id, assignment, student):
    """Copy student's submission of assignment; False when the worker recorded none."""
    with warnings.catch_warnings():
        # nbgrader's add_submission trips SQLAlchemy 2's autoflush warnings; harmless.
        warnings.simplefilter("ignore", SAWarning)
        return _merge(worker_db_url, course_db_url, course_id, assignment, student)


def _merge(worker_db_url, course_db_url, course_id, assignment, student):
    with Gradebook(worker_db_url, course_id) as src, Gradebook(course_db_url, course_id) as dst:
        try:
            submission = src.find_submission(assignment, student)
        except MissingEntry:
            return False
        dst.update_or_create_student(student)
        dst.update_or_create_submission(assignment, student, timestamp=submission.timestamp)
        for notebook in submission.notebooks:
            target = dst.find_submission_notebook(notebook.name, assignment, student)
            target.flagged = notebook.flagged
            target.late_submission_penalty = notebook.late_submission_penalty
            for grade in notebook.grades:
                copy = dst.find_grade(grade.name, notebook.name, assignment, student)
                copy.auto_score = grade.auto_score
                copy.needs_manual_grade = grade.needs_manual_grade
            for comment in notebook.comments:
                copy = dst.find_comment(comment.name, notebook.name, assignment, student)
                copy.auto_comment = comment.auto_comment
        dst.db.commit()
    return True

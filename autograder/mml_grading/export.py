"""The course CSV: one row per student and assignment, extra credit apart.

Columns: assignment, student_id, timestamp, score, max_score, extra_credit,
extra_credit_max, needs_manual_grade. score / max_score count the required
notebooks; the notebooks named in extra_credit_notebooks (the optional LSTM
notebook) go to extra_credit / extra_credit_max instead. A student with no
submission gets a row of zeros. Rows are sorted, numbers printed the same way
every time, so the same gradebook always gives the same bytes.

Run by `nbgrader export` (ExportApp.plugin_class in autograder/nbgrader_config.py).
"""
import csv

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import List

COLUMNS = ["assignment", "student_id", "timestamp", "score", "max_score",
           "extra_credit", "extra_credit_max", "needs_manual_grade"]


def _number(x):
    return f"{float(x or 0):.2f}"


class CourseCsvExport(ExportPlugin):
    """CSV of scores with extra-credit notebooks reported apart."""

    extra_credit_notebooks = List(
        [], help="Notebook names (without .ipynb) whose points are extra credit.").tag(config=True)

    def rows(self, gradebook):
        assignments = sorted(a.name for a in gradebook.assignments
                             if not self.assignment or a.name in self.assignment)
        students = sorted(s.id for s in gradebook.students if not self.student or s.id in self.student)
        for name in assignments:
            assignment = gradebook.find_assignment(name)
            for student in students:
                row = dict.fromkeys(COLUMNS, 0)
                row.update(assignment=name, student_id=student, timestamp="", needs_manual_grade=False)
                try:
                    submission = gradebook.find_submission(name, student)
                except MissingEntry:
                    submission = None
                else:
                    row["timestamp"] = submission.timestamp.isoformat() if submission.timestamp else ""
                    row["needs_manual_grade"] = bool(submission.needs_manual_grade)
                for notebook in assignment.notebooks:
                    extra = notebook.name in self.extra_credit_notebooks
                    row["extra_credit_max" if extra else "max_score"] += notebook.max_score
                    if submission is not None:
                        scored = gradebook.find_submission_notebook(notebook.name, name, student)
                        row["extra_credit" if extra else "score"] += scored.score
                for key in ("score", "max_score", "extra_credit", "extra_credit_max"):
                    row[key] = _number(row[key])
                yield row

    def export(self, gradebook):
        dest = self.to or "grades.csv"
        self.log.info("Exporting grades to %s", dest)
        with open(dest, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(self.rows(gradebook))

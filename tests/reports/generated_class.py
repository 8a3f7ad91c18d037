"""A generated class, graded, for the report tests.

The class (autograder/fixtures/classroom.py): every fixture kind and named
mistake several times, two honest students in their own styles, a near-copy
of each, one copy of the reference, and one submission the judge could not
judge. Real grading (`grade.py autograde`: nbgrader with the judge inside)
runs for REAL_GRADED; the other students are recorded the way real grading
records them, to keep the test short: their submissions in the gradebook
through nbgrader's Gradebook API, each test cell scored from its checks'
verdicts, and the verdicts saved with the same writer the judge preprocessor
uses (report.save_verdicts). The verdict that names each planted mistake comes
from the real judge.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

from fixtures.classroom import (HOSTILE, MISTAKES, class_plan, judge_named_mistakes,  # noqa: F401
                                make_student, record_graded)

ASSIGNMENT = "rnn_captioning"
COPIES = 2
REAL_GRADED = ["bptt-no-carry-1", "key-copy"]
JUDGE_FAILS = "judge-fails"          # a reference submission whose judging failed (no dataset)
ARTIFACTS = Path(os.environ.get("REPORTS_ARTIFACTS_DIR", "/tmp/artifacts/reports"))


def run(cmd, timeout=1800):
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, cmd[:4]))} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout + done.stderr


class GeneratedClass:
    def __init__(self, base):
        from mml_grading.settings import GradingSettings

        # the release the students started from, as it was (the repository's may be rebuilt meanwhile)
        shutil.copytree(ROOT / "release", base / "release", ignore=shutil.ignore_patterns("__pycache__"))
        self.settings = GradingSettings(course_root=base / "course", release_dir=base / "release", workers=2)
        self.settings.grading_dir.mkdir(parents=True)
        self.plan = dict(class_plan(COPIES) + [(JUDGE_FAILS, "reference")])
        for student, kind in self.plan.items():
            make_student(kind, self.settings.student_dir("submitted", student, ASSIGNMENT),
                         self.settings.release_dir / ASSIGNMENT)

    def grade(self, *args):
        return run([sys.executable, str(ROOT / "autograder" / "grade.py"), *args,
                    "--course-root", str(self.settings.course_root), "--release-dir", str(self.settings.release_dir),
                    "--workers", "2", "--cell-timeout", "60"])

    def record_synthetic(self, students):
        """Gradebook entries and saved verdicts for students, as real grading writes them."""
        named = judge_named_mistakes({kind: self.settings.student_dir("submitted", student, ASSIGNMENT)
                                      for student, kind in reversed(self.plan.items()) if kind in MISTAKES})
        record_graded(self.settings, ASSIGNMENT, {s: self.plan[s] for s in students}, named,
                      judge_failed={JUDGE_FAILS})

"""autograder/README.md's TA flow, taken from the README text itself and run
as written in fresh shells (`env -i`, nothing activated) at the root of a
copy of the course: real nbgrader, a real exchange inside the copy, a student
who fetches and submits with the student-side configuration, then collect,
autograde (the judge decides), feedback, and the CSV export."""
import csv
import os
import pwd
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
AFTER_SUBMISSION = "# 学生提交之后 / after the students submitted"

pytestmark = pytest.mark.xdist_group(name="classroom_nbgrader")


def ta_flow():
    """The TA flow block of autograder/README.md: (instructor part, TA part)."""
    text = (ROOT / "autograder" / "README.md").read_text(encoding="utf-8")
    block = re.search(r"助教流程 / the TA flow:\n\n```bash\n(.*?)```", text, flags=re.S).group(1)
    before, after = block.split(AFTER_SUBMISSION)
    return before, after


def shell(script, cwd, env, timeout=1800):
    """Run a README block the way a pasted block runs: bash, stop at the first failure."""
    done = subprocess.run(["env", "-i", *(f"{k}={v}" for k, v in env.items()), "bash", "-e", "-c", script],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-6000:]}"
    return done.stdout + done.stderr


def test_the_readme_ta_flow_as_written(course_copy, fresh_home):
    course = course_copy
    instructor, ta_part = ta_flow()
    assert ".venv/bin/nbgrader autograde rnn_captioning" in ta_part
    _, teacher = fresh_home("teacher")
    shell(instructor, course, teacher)
    exchange = course / "autograder" / "exchange" / "mml-rnn-captioning"
    assert (exchange / "outbound" / "rnn_captioning" / "RNN_Captioning.ipynb").is_file()

    # A student with the administrator's student-side configuration fetches, solves the
    # RNN layers (the reference file; the model is left undone) and submits.
    home, student = fresh_home("alice")
    (home / ".jupyter").mkdir()
    shutil.copy(ROOT / "autograder" / "student_nbgrader_config.py", home / ".jupyter" / "nbgrader_config.py")
    shutil.copy(ROOT / "autograder" / "mml_grading" / "submit.py", home / ".jupyter" / "mml_submit.py")
    student["MML_EXCHANGE_ROOT"] = str(course / "autograder" / "exchange")
    nbgrader = BIN / "nbgrader"  # on the hub nbgrader is on the student's PATH
    shell(f"{nbgrader} fetch_assignment rnn_captioning", home, student)
    shutil.copy(ROOT / "mml" / "rnn_layers.py", home / "rnn_captioning" / "mml" / "rnn_layers.py")
    shell(f"{nbgrader} submit rnn_captioning", home, student)

    out = shell(ta_part, course, teacher)
    login = pwd.getpwuid(os.getuid()).pw_name  # nbgrader names a submission after the login
    assert f"Collecting submission: {login} rnn_captioning" in out
    assert not (course / "gradebook.db").exists()
    with open(course / "autograder" / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["assignment"], r["student_id"]) for r in rows] == [("rnn_captioning", login)]
    row = rows[0]
    # The layer checks pass (their cells' points), every model and training check fails.
    rnn_points, lstm_points = layer_points("RNN_Captioning.ipynb"), layer_points("LSTM_Captioning.ipynb")
    assert (rnn_points, lstm_points) == (40.0, 30.0)
    assert (float(row["score"]), float(row["max_score"])) == (rnn_points, 100.0)
    assert (float(row["extra_credit"]), float(row["extra_credit_max"])) == (lstm_points, 65.0)
    feedback = course / "autograder" / "feedback" / login / "rnn_captioning" / "RNN_Captioning.html"
    assert feedback.is_file()
    # The feedback reaches the student.
    shell(f"{nbgrader} fetch_feedback rnn_captioning", home, student)
    assert list((home / "rnn_captioning" / "feedback").glob("*/RNN_Captioning.html"))


def layer_points(notebook):
    """Points of a source notebook's test cells that judge only rnn_layers.py functions."""
    import nbformat
    from mml_judge import table
    layer_cells = {check.grade_id for check in table.CHECKS
                   if check.function.__module__.rsplit(".", 1)[-1] in ("checks_rnn", "checks_lstm")}
    nb = nbformat.read(ROOT / "source_assignments" / "rnn_captioning" / notebook, as_version=4)
    return float(sum(cell.metadata["nbgrader"]["points"] for cell in nb.cells
                     if cell.metadata.get("nbgrader", {}).get("grade_id") in layer_cells))

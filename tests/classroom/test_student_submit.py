"""A student who runs the notebooks can submit: the release is fetched from a
real (temporary) exchange with the student-side configuration, both
notebooks are executed in the student's folder, and `nbgrader submit`
accepts the folder, which holds no dataset and stays far under nbgrader's
100 MB limit. The data are read from the course-wide folder outside it."""
import os
import pwd
import shutil
import subprocess
from pathlib import Path

import pytest

from mml import datasets

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
NBGRADER_LIMIT = 100_000_000  # bytes: nbgrader's ExchangeSubmit default

pytestmark = pytest.mark.xdist_group(name="classroom_nbgrader")


def run(cmd, cwd, env, timeout=600):
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{cmd}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def folder_bytes(folder):
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def test_run_notebooks_then_submit(tmp_path):
    exchange, home, shared = tmp_path / "exchange", tmp_path / "home" / "alice", tmp_path / "srv-mml-data"
    home.mkdir(parents=True)
    shared.mkdir()
    # The course-wide data folder the administrator built (here: the one built for the tests).
    (shared / datasets.EMBEDDED_NAME).symlink_to(datasets.ensure_embedded(verbose=False))
    base = {"PATH": f"{BIN}:/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1",
            "MML_EXCHANGE_ROOT": str(exchange)}

    # Instructor: a gradebook that knows the assignment, then release to the exchange.
    teacher = dict(base, HOME=str(tmp_path / "teacher"))
    course = ["--JupyterApp.config_file=autograder/nbgrader_config",
              f"--CourseDirectory.db_url=sqlite:///{tmp_path / 'gradebook.db'}"]
    run([BIN / "nbgrader", "db", "assignment", "add", "rnn_captioning", *course], ROOT, teacher)
    run([BIN / "nbgrader", "release_assignment", "rnn_captioning", *course], ROOT, teacher)

    # Student: the administrator's student-side configuration, nothing else.
    (home / ".jupyter").mkdir()
    shutil.copy(ROOT / "autograder" / "student_nbgrader_config.py", home / ".jupyter" / "nbgrader_config.py")
    shutil.copy(ROOT / "autograder" / "mml_grading" / "submit.py", home / ".jupyter" / "mml_submit.py")
    student = dict(base, HOME=str(home), MML_DATA_ROOT=str(shared))
    run([BIN / "nbgrader", "fetch_assignment", "rnn_captioning"], home, student)
    assignment = home / "rnn_captioning"
    before = folder_bytes(assignment)
    for notebook in ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb"):
        # The release's functions are still stubs: their cells fail, every other cell runs.
        run([BIN / "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace", "--allow-errors",
             "--ExecutePreprocessor.timeout=600", notebook], assignment, student, timeout=900)
    executed = (assignment / "RNN_Captioning.ipynb").read_text(encoding="utf-8")
    assert f"Loaded embedded offline dataset from {shared / datasets.EMBEDDED_NAME}" in executed

    # Nothing of the dataset is in the folder, nor in the student's home.
    assert not [p for p in assignment.rglob("*") if p.suffix in (".h5", ".png") or "captioning" in p.name
                and p.is_dir()]
    assert not (home / ".cache" / "mml").exists()
    size = folder_bytes(assignment)
    assert size - before < 5_000_000, f"running the notebooks added {size - before} bytes"
    assert size < NBGRADER_LIMIT / 10

    # Validate works for the student: the release has no hidden tests, so no judge is needed;
    # the unfinished functions are what it reports.
    done = subprocess.run([BIN / "nbgrader", "validate", "RNN_Captioning.ipynb"], cwd=assignment, env=student,
                          capture_output=True, text=True, timeout=900)
    report = done.stdout + done.stderr
    assert "NotImplementedError" in report and "mml_judge" not in report, report[-3000:]

    out = run([BIN / "nbgrader", "submit", "rnn_captioning"], home, student)
    assert "Submitted as: mml-rnn-captioning rnn_captioning" in out
    inbound = list((exchange / "mml-rnn-captioning" / "inbound").iterdir())
    login = pwd.getpwuid(os.getuid()).pw_name  # nbgrader names a submission after the login
    assert [p.name.split("+")[:2] for p in inbound] == [[login, "rnn_captioning"]]
    assert (inbound[0] / "LSTM_Captioning.ipynb").read_bytes() == \
        (assignment / "LSTM_Captioning.ipynb").read_bytes()

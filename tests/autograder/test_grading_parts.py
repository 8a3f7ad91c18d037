"""The small parts of grading, each on real inputs: the feedback preprocessors,
the CSV export, the limits runner, the nbgrader config."""
import csv
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests

ROOT = Path(__file__).resolve().parents[2]

from mml_grading.export import CourseCsvExport
from mml_grading.feedback import AddVerdicts, ScrubTestTracebacks
from mml_grading.limits import run_limited

HIDDEN = ClearHiddenTests()


def grade_cell(grade_id, source, outputs, score, points):
    cell = new_code_cell(source, outputs=outputs)
    cell.metadata.nbgrader = {"grade": True, "solution": False, "locked": True, "grade_id": grade_id,
                              "points": points, "score": score, "schema_version": 3, "task": False}
    return cell


def test_feedback_shows_name_points_verdict_but_no_hidden_source():
    secret = 'check("rnn_backward")  # secret-token'
    source = "\n".join(["assert True", f"### {HIDDEN.begin_test_delimeter}",
                        "from mml_judge import check", secret, f"### {HIDDEN.end_test_delimeter}"])
    error = new_output("error", ename="AssertionError", evalue="[rnn_backward] 未通过 / failed",
                       traceback=["----> 4 " + secret, "AssertionError: [rnn_backward] ..."])
    nb = new_notebook(cells=[grade_cell("test-rnn-backward", source, [error], 0.0, 10.0),
                             grade_cell("test-rnn-forward", "assert True", [], 5.0, 5.0)])
    resources = {}
    for pre in (ScrubTestTracebacks(), ClearHiddenTests(), AddVerdicts()):
        nb, resources = pre.preprocess(nb, resources)
    failed, passed = nb.cells
    assert "secret-token" not in str(failed) and "mml_judge" not in str(failed)
    assert failed.outputs[0]["traceback"] == ["AssertionError: [rnn_backward] 未通过 / failed"]
    verdict = failed.outputs[-1]["text"]
    assert "测试 test-rnn-backward：得分 0 / 10，未通过 / failed" in verdict
    assert "Test test-rnn-backward: 0 / 10 points, failed" in verdict
    assert "Test test-rnn-forward: 5 / 5 points, passed" in passed.outputs[-1]["text"]


def make_gradebook(tmp_path, monkeypatch):
    """A real nbgrader gradebook: one assignment, a required and an extra-credit notebook."""
    # nbgrader runs `alembic` from PATH to create a new gradebook
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, "course") as gb:
        gb.add_assignment("hw")
        for nb, points in [("RNN_Captioning", 10), ("LSTM_Captioning", 4)]:
            gb.add_notebook(nb, "hw")
            gb.add_grade_cell("t1", nb, "hw", max_score=points, cell_type="code")
            gb.add_source_cell("t1", nb, "hw", cell_type="code", locked=True, source="check('x')")
        for student in ("bob", "alice", "carol"):
            gb.add_student(student)
        stamp = datetime.datetime(2026, 11, 1, 12, 0, 0)
        for student, rnn, lstm in [("alice", 10, 4), ("bob", 6, 0)]:
            gb.add_submission("hw", student, timestamp=stamp)
            gb.find_grade("t1", "RNN_Captioning", "hw", student).auto_score = rnn
            gb.find_grade("t1", "LSTM_Captioning", "hw", student).auto_score = lstm
        gb.db.commit()
    return url


def export_csv(url, dest):
    plugin = CourseCsvExport(to=str(dest), extra_credit_notebooks=["LSTM_Captioning"])
    with Gradebook(url, "course") as gb:
        plugin.export(gb)
    return dest.read_bytes()


def test_csv_reports_extra_credit_apart_and_is_byte_stable(tmp_path, monkeypatch):
    url = make_gradebook(tmp_path, monkeypatch)
    first = export_csv(url, tmp_path / "a.csv")
    assert export_csv(url, tmp_path / "b.csv") == first
    rows = list(csv.DictReader(first.decode().splitlines()))
    assert [r["student_id"] for r in rows] == ["alice", "bob", "carol"]
    alice, bob, carol = rows
    assert (alice["score"], alice["max_score"], alice["extra_credit"], alice["extra_credit_max"]) == \
        ("10.00", "10.00", "4.00", "4.00")
    assert (bob["score"], bob["extra_credit"]) == ("6.00", "0.00")
    assert (carol["score"], carol["max_score"], carol["timestamp"]) == ("0.00", "10.00", "")
    assert alice["timestamp"] == "2026-11-01T12:00:00"


def test_limits_kill_the_whole_tree_on_timeout(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    # the grandchild starts its own session, as a kernel does, and would sleep on
    script = ("import subprocess, sys, time\n"
              "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'],"
              " start_new_session=True)\n"
              f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
              "time.sleep(300)\n")
    start = time.monotonic()
    result = run_limited([sys.executable, "-c", script], timeout=3, memory_mb=1024)
    assert result.timed_out and time.monotonic() - start < 30
    grandchild = int(pid_file.read_text())
    time.sleep(0.5)
    alive = Path(f"/proc/{grandchild}").exists() and "Z" not in \
        Path(f"/proc/{grandchild}/stat").read_text().split(")")[1].split()[0]
    assert not alive, "the grandchild outlived the submission's time limit"


def test_limits_cap_memory():
    result = run_limited([sys.executable, "-c", "bytearray(2048 << 20); print('allocated')"],
                         timeout=60, memory_mb=1024)
    assert result.returncode != 0 and "MemoryError" in result.stderr
    result = run_limited([sys.executable, "-c", "bytearray(256 << 20); print('allocated')"],
                         timeout=60, memory_mb=1024)
    assert result.ok and "allocated" in result.stdout


def test_config_never_overwrites_student_files():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT / "autograder")).load_config()
    excluded = config.Autograde.exclude_overwriting["rnn_captioning"]
    for name in ("mml/rnn_layers.py", "mml/classifiers/rnn.py", "mml/gradient_check.py", "mml/__init__.py"):
        assert name in excluded
    assert config.CourseDirectory.course_id == "mml-rnn-captioning"
    assert os.path.isabs(config.Exchange.root)


def test_config_lets_the_judge_decide_after_the_kernel_before_the_scores():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT / "autograder")).load_config()
    steps = config.Autograde.autograde_preprocessors
    judge = steps.index("mml_grading.judge_verdicts.JudgeVerdicts")
    assert steps.index("mml_grading.kernel.GradingExecute") < judge < steps.index(
        "nbgrader.preprocessors.SaveAutoGrades")


def test_the_configuration_the_formgrader_loads_lets_the_judge_decide():
    """The formgrader (jupyter lab at the repository root) loads its configuration as
    NbGrader().load_config_file() in that folder: the root nbgrader_config.py."""
    import json
    import subprocess

    code = ("import json\nfrom nbgrader.apps.baseapp import NbGrader\n"
            "app = NbGrader(); app.load_config_file(); c = app.config\n"
            "print(json.dumps([c.Autograde.autograde_preprocessors, c.GenerateFeedback.exporter_class]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    steps, exporter = json.loads(done.stdout.strip().splitlines()[-1])
    assert steps[0] == "mml_grading.kernel.GradingExecute"
    assert steps.index("mml_grading.judge_verdicts.JudgeVerdicts") == steps.index(
        "nbgrader.preprocessors.SaveAutoGrades") - 1
    assert exporter == "mml_grading.feedback.OfflineFeedback"


def test_a_submitted_folder_that_is_not_a_student_id_is_skipped_with_a_reason(tmp_path, capsys):
    from types import SimpleNamespace

    from mml_grading.parallel import submitted_students

    for name in ("alice", "bob.2", "*", "--all", "x y"):
        (tmp_path / "submitted" / name / "rnn_captioning").mkdir(parents=True)
    (tmp_path / "submitted" / "carol").mkdir()  # no submission of this assignment
    settings = SimpleNamespace(grading_dir=tmp_path)
    assert submitted_students(settings, "rnn_captioning") == ["alice", "bob.2"]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3 and all(line.startswith("skipped ") and "is not a student id" in line
                                   and "fix: rename the folder" in line for line in lines)
    assert "'*' is not a student id" in " ".join(lines)


def test_autograde_stops_in_one_line_when_the_sandbox_cannot_start(tmp_path):
    """A machine where user namespaces are off: bwrap starts and fails (here a bwrap
    first on PATH that fails as it does there)."""
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{fake.parent}{os.pathsep}{os.environ['PATH']}", MML_SANDBOX="on")
    done = subprocess.run([sys.executable, str(ROOT / "autograder" / "grade.py"), "autograde",
                           "--course-root", str(tmp_path / "course")], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines() == [
        "sandbox: bubblewrap cannot start here (bwrap: setting up uid map: Permission denied); fix: allow "
        "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1), or for a trusted demo "
        "only, MML_SANDBOX=off"]
    assert not (tmp_path / "course").exists()  # nothing prepared, nothing half-done

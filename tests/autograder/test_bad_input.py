"""Students' mistakes at submission time, through the real nbgrader commands on a
temporary exchange: a folder over the size limit, a student who never fetched,
a student who submits twice, a renamed notebook. Each gets one clear bilingual
line (mml_grading.submit.ClearSubmit, the students' submit), and no one else's
grade changes. (Forged names, other accounts and wildcards at collect time are
tests/attacks/test_inbound.py.)
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

ROOT = Path(__file__).resolve().parents[2]

from fixtures.submissions import make_submission

pytestmark = pytest.mark.xdist_group(name="autograder_bad_input")

PYTHON = sys.executable
NBGRADER = str(Path(sys.executable).parent / "nbgrader")
COURSE, ASSIGNMENT = "mml-rnn-captioning", "rnn_captioning"


def run(cmd, cwd, env=None, check=True, timeout=1800):
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    out = done.stdout + done.stderr
    assert not check or done.returncode == 0, f"{' '.join(map(str, cmd[:3]))} failed:\n{out[-3000:]}"
    return done.returncode, out


class Course:
    def __init__(self, base):
        self.base, self.root, self.exchange = base, base / "course", base / "exchange"
        self.root.mkdir()
        run([PYTHON, str(ROOT / "tools" / "build_release.py"), "--out", str(base / "release")], cwd=ROOT)
        self.grade("release")

    def grade(self, *args):
        return run([PYTHON, str(ROOT / "autograder" / "grade.py"), *args, "--course-root", str(self.root),
                    "--exchange", str(self.exchange), "--release-dir", str(self.base / "release"),
                    "--workers", "2", "--cell-timeout", "60"], cwd=ROOT)[1]

    def student(self, sid):
        """(home, environment) of a student with the students' configuration installed as
        the READMEs say: autograder/student_nbgrader_config.py with submit.py beside it."""
        home = self.base / "homes" / sid
        config = home / ".jupyter"
        config.mkdir(parents=True)
        shutil.copy(ROOT / "autograder" / "student_nbgrader_config.py", config / "nbgrader_config.py")
        shutil.copy(ROOT / "autograder" / "mml_grading" / "submit.py", config / "mml_submit.py")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "MML_", "NBGRADER"))}
        env.update(HOME=str(home), USER=sid, LOGNAME=sid, MML_EXCHANGE_ROOT=str(self.exchange))
        return home, env

    def fetch(self, sid):
        home, env = self.student(sid)
        run([NBGRADER, "fetch_assignment", ASSIGNMENT], cwd=home, env=env)
        return home, env

    def submit(self, sid, home, env, check=True):
        return run([NBGRADER, "submit", ASSIGNMENT, f"--student={sid}"], cwd=home, env=env, check=check)

    def inbound(self, sid):
        return sorted((self.exchange / COURSE / "inbound").glob(f"{sid}+{ASSIGNMENT}+*"))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return Course(tmp_path_factory.mktemp("bad-input"))


def test_over_the_size_limit_refused_with_one_clear_line(course):
    home, env = course.fetch("big")
    with open(home / ASSIGNMENT / "checkpoint.npz", "wb") as fh:  # sparse: 120 MB that take no disk
        fh.truncate(120 * 1000 * 1000)
    code, out = course.submit("big", home, env, check=False)
    assert code != 0 and "Traceback" not in out, out
    line = next(line for line in out.splitlines() if "未提交" in line)
    assert "超过提交上限 100 MB" in line and "over the 100 MB submission limit" in line
    assert "checkpoint.npz (120.0 MB)" in line and "then submit again" in line
    assert course.inbound("big") == []


def test_a_student_who_never_fetched_is_told_to_fetch_first(course):
    home, env = course.student("nofetch")
    code, out = course.submit("nofetch", home, env, check=False)
    assert code != 0 and "Traceback" not in out, out
    assert "没有找到作业文件夹" in out and "fetch the assignment first" in out
    assert f"nbgrader fetch_assignment {ASSIGNMENT}" in out
    assert course.inbound("nofetch") == []


def test_twice_newest_counts_renamed_notebook_scores_zero_others_unaffected(course):
    release = course.base / "release" / ASSIGNMENT
    twice, env = course.fetch("twice")  # first the untouched release, then the solution
    course.submit("twice", twice, env)
    make_submission("reference", twice / ASSIGNMENT, release)
    course.submit("twice", twice, env)
    assert len(course.inbound("twice")) == 2

    home, env = course.fetch("renamed")
    make_submission("reference", home / ASSIGNMENT, release)
    (home / ASSIGNMENT / "RNN_Captioning.ipynb").rename(home / ASSIGNMENT / "RNN_Captioning-Copy1.ipynb")
    _, out = course.submit("renamed", home, env)
    warning = next(line for line in out.splitlines() if "提交中缺少笔记本" in line)
    assert "RNN_Captioning.ipynb" in warning and "RNN_Captioning-Copy1.ipynb" in warning
    assert "a missing notebook scores 0; rename it back, then submit again" in warning

    course.grade("collect")
    submitted = course.root / "autograder" / "submitted"
    ours = (submitted / "twice" / ASSIGNMENT / "mml" / "rnn_layers.py").read_bytes()
    assert ours == (twice / ASSIGNMENT / "mml" / "rnn_layers.py").read_bytes() != \
        (release / "mml" / "rnn_layers.py").read_bytes(), "the older submission was collected"
    log = course.grade("autograde")
    assert "未提交 RNN_Captioning.ipynb" in log and "RNN_Captioning.ipynb not submitted" in log, log
    assert log.count("not submitted") == 1, log

    with Gradebook(f"sqlite:///{course.root / 'autograder' / 'gradebook.db'}", COURSE) as gb:
        def tests(student, notebook):
            nb = gb.find_submission_notebook(notebook, ASSIGNMENT, student)
            return {g.name: (g.score, g.max_score) for g in nb.grades if g.name.startswith("test-")}

        for notebook in ("RNN_Captioning", "LSTM_Captioning"):
            full = tests("twice", notebook)
            assert full and all(score == points for score, points in full.values()), (notebook, full)
        assert all(score == 0 for score, _ in tests("renamed", "RNN_Captioning").values())
        assert tests("renamed", "LSTM_Captioning") == tests("twice", "LSTM_Captioning")

"""A temporary course and exchange for the attacks, driven by the real nbgrader
commands and autograder/grade.py."""
import contextlib
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

VENV_BIN = Path(sys.executable).parent
NBGRADER = str(VENV_BIN / "nbgrader")
# Local accounts cannot run the venv's interpreter when it lives in root's home:
# they run the system Python of the same version on the venv's packages.
SITE_PACKAGES = sysconfig.get_paths()["purelib"]
SYSTEM_PYTHON = shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/bin:/bin")
COURSE = "mml-rnn-captioning"


def run(cmd, cwd, env=None, timeout=900, check=True, user=None):
    """Run cmd (as the local account user when given); returns (returncode, stdout + stderr)."""
    if user is not None:
        assert SYSTEM_PYTHON, f"no /usr/bin/python{sys.version_info.major}.{sys.version_info.minor} for local accounts"
        if cmd[0] == NBGRADER:
            cmd = [SYSTEM_PYTHON, "-m", "nbgrader", *cmd[1:]]
        keep = ("HOME", "USER", "LOGNAME", "PATH", "LANG", "OPENBLAS_NUM_THREADS")
        env = dict({k: v for k, v in (env or {}).items() if k in keep}, PYTHONPATH=SITE_PACKAGES)
        cmd = ["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()], *cmd]
        env = None
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    out = done.stdout + done.stderr
    if check:
        assert done.returncode == 0, f"{' '.join(map(str, cmd[:6]))} failed:\n{out[-4000:]}"
    return done.returncode, out


def student_env(home, student):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "MML_", "NBGRADER"))}
    env.update(HOME=str(home), USER=student, LOGNAME=student,
               PATH=f"{VENV_BIN}{os.pathsep}/usr/bin:/bin", OPENBLAS_NUM_THREADS="1")
    return env


class Classroom:
    """A course folder, a release folder and an exchange under one temporary
    folder that every local account can reach (pytest's own is private to root)."""

    def __init__(self, base, assignment, repo=ROOT, env=None):
        self.repo = Path(repo)  # the grader's code: this repository, or a copy an attack may damage
        self.env = env  # the teaching assistant's environment (default: this process's)
        self.base = Path(base)
        self.base.chmod(0o755)
        self.assignment = assignment
        self.root = self.base / "course"
        self.exchange = self.base / "exchange"
        self.releases = self.base / "release"
        self.homes = self.base / "homes"
        for folder in (self.root, self.releases, self.homes):
            folder.mkdir()
            folder.chmod(0o755)

    @property
    def inbound(self):
        return self.exchange / COURSE / "inbound"

    def grade(self, *args, check=True, timeout=1800):
        """python autograder/grade.py <args> for this course; returns (returncode, output)."""
        return run([sys.executable, str(self.repo / "autograder" / "grade.py"), *args,
                    "--assignment", self.assignment, "--course-root", str(self.root),
                    "--exchange", str(self.exchange), "--release-dir", str(self.releases)],
                   cwd=self.repo, env=self.env, check=check, timeout=timeout)

    def nbgrader(self, *args, check=True):
        """A plain nbgrader command with the course configuration, for this course."""
        config = f"--JupyterApp.config_file={self.repo / 'autograder' / 'nbgrader_config'}"
        return run([NBGRADER, *args, config, f"--CourseDirectory.root={self.root}",
                    f"--CourseDirectory.release_directory={self.releases}",
                    f"--CourseDirectory.db_url=sqlite:///{self.root / 'autograder' / 'gradebook.db'}",
                    f"--Exchange.root={self.exchange}"], cwd=self.root, env=self.env, check=check)

    def release_files(self):
        """nbgrader release_assignment of the folder releases/<assignment> as it is."""
        (self.root / "autograder").mkdir(exist_ok=True)
        self.nbgrader("release_assignment", self.assignment, "--force")

    def home(self, student, user=None):
        home = self.homes / student
        if not home.is_dir():
            home.mkdir()
            if user is not None:
                shutil.chown(home, user, user)
        return home

    def fetch(self, student, user=None):
        """nbgrader fetch_assignment as student (as the account user when given); the fetched folder."""
        home = self.home(student, user)
        run([NBGRADER, "fetch_assignment", self.assignment, f"--course={COURSE}",
             f"--Exchange.root={self.exchange}"], cwd=home, env=student_env(home, student), user=user)
        return home / self.assignment

    def submit(self, student, user=None, as_student=None, check=True):
        """nbgrader submit from student's home; as_student passes --student=<id> (a claim)."""
        home = self.home(student, user)
        claim = [f"--student={as_student}"] if as_student else ([] if user else [f"--student={student}"])
        return run([NBGRADER, "submit", self.assignment, f"--course={COURSE}",
                    f"--Exchange.root={self.exchange}", *claim],
                   cwd=home, env=student_env(home, student), user=user, check=check)

    def submitted(self, student):
        return self.root / "autograder" / "submitted" / student / self.assignment

    def collected(self):
        base = self.root / "autograder" / "submitted"
        return sorted(p.name for p in base.iterdir()) if base.is_dir() else []


def processes_of(uid):
    """Pids of the processes that run as uid (from /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
    return pids

"""Fixtures of the hub test: a real JupyterHub (hub/launch.py run, as `make hub`
starts it) with real local accounts, and Debian's chromium driven by playwright.

The accounts (one teaching assistant, two students) are created with useradd
and removed afterwards; everything else (homes, the TA's course folder, the
exchange, the course data, the hub's state) lives in one temporary folder.
Screenshots of every step go to _build/hub-screenshots/.
"""
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
import hub_settings

SCREENSHOTS = ROOT / "_build" / "hub-screenshots"
TA = "mmlta"
STUDENTS = ("mmlstu1", "mmlstu2")
# What the teaching assistant's course folder holds: the course as the
# repository has it (tracked and new files), nothing generated.
COURSE_PARTS = ["nbgrader_config.py", "autograder", "source_assignments", "release", "mml"]


@dataclass
class Hub:
    url: str
    base: Path
    course: Path
    exchange: Path
    log: Path
    passwords: dict = field(default_factory=dict)

    def home(self, user):
        return self.base / "home" / user

    def run_as(self, user, args, cwd, timeout=600):
        """Run a command as a hub account, with the environment its server has."""
        env_dir = hub_settings.user_env_dir()
        env = {"HOME": str(self.home(user)), "USER": user, "LANG": "C.UTF-8",
               "PATH": f"{env_dir / 'bin'}:/usr/local/bin:/usr/bin:/bin",
               "MML_EXCHANGE_ROOT": str(self.exchange), "MML_DATA_ROOT": str(self.base / "data"),
               "OPENBLAS_NUM_THREADS": "1"}
        result = subprocess.run([shutil.which("runuser"), "-u", user, "--", *args], cwd=cwd, env=env,
                                capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, (
            f"{' '.join(args)} as {user} failed (exit {result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result


def _free_port_block(count=3):
    """A port p with p..p+count-1 free on 127.0.0.1 (the hub, its API, the proxy's API)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + count > 65535:
            continue
        try:
            for offset in range(1, count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port + offset))
            return port
        except OSError:
            continue
    raise RuntimeError("no block of free ports on 127.0.0.1")


def _remove_account(user):
    subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True)
    time.sleep(0.5)
    subprocess.run(["userdel", "--force", user], capture_output=True)


def _copy_course(target):
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *COURSE_PARTS],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\n")
    for rel in filter(None, listed):
        source = ROOT / rel
        if source.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / rel)


def _wait_for_health(url, process, log, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the hub exited (code {process.returncode}):\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/hub/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the hub did not answer on {url} within {timeout} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def screenshots():
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def hub():
    if os.geteuid() != 0:
        pytest.fail("the hub test creates local accounts and starts the hub as root; run it as root")
    from mml.datasets import EMBEDDED_NAME, locate
    # Not pytest's tmp_path: its parent is private to root, and every account needs its home.
    base = Path(tempfile.mkdtemp(prefix="mml-hub-", dir="/tmp"))
    base.chmod(0o755)
    (base / "home").mkdir(mode=0o755)
    # The course data, built once per machine, copied where every account can read it.
    data_dir, _ = locate(build=True)
    shutil.copytree(data_dir, base / "data" / EMBEDDED_NAME)
    subprocess.run(["chmod", "-R", "a+rX", str(base / "data")], check=True)

    passwords = {user: secrets.token_urlsafe(12) for user in (TA, *STUDENTS)}
    for user, password in passwords.items():
        _remove_account(user)  # left over by an interrupted run
        subprocess.run(["useradd", "--create-home", "--home-dir", str(base / "home" / user),
                        "--shell", "/bin/bash", user], check=True, capture_output=True)
        subprocess.run(["chpasswd"], input=f"{user}:{password}\n", text=True, check=True)
    course = base / "course"
    _copy_course(course)
    subprocess.run(["chown", "-R", f"{TA}:{TA}", str(course)], check=True)
    course.chmod(0o700)

    port = _free_port_block()
    url = f"http://127.0.0.1:{port}"
    log = base / "hub.log"
    env = {**os.environ, "MML_HUB_PORT": str(port), "MML_HUB_STATE_DIR": str(base / "state"),
           "MML_HUB_GRADERS": TA, "MML_HUB_COURSE_DIR": str(course),
           "MML_EXCHANGE_ROOT": str(base / "exchange"), "MML_DATA_ROOT": str(base / "data")}
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, str(ROOT / "hub" / "launch.py"), "run"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_health(url, process, log)
        yield Hub(url=url, base=base, course=course, exchange=base / "exchange", log=log, passwords=passwords)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the hub stops the users' servers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for user in passwords:
            _remove_account(user)
        shutil.rmtree(base, ignore_errors=True)


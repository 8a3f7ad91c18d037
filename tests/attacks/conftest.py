"""Fixtures of the attack tests: a folder every local account can reach, and
local accounts made for one test."""
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from attack_course import processes_of


@pytest.fixture
def shared_tmp():
    """A temporary folder every local account can enter; removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="mml-attacks-", dir="/tmp"))
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def accounts():
    """accounts(n): n new local accounts (names), removed with their processes and homes afterwards.
    Needs root (the tests run as root on the course machines)."""
    made = []

    def make(n):
        if os.geteuid() != 0:
            pytest.fail("the ownership tests create local accounts and must run as root")
        for _ in range(n):
            name = f"mml{uuid.uuid4().hex[:8]}"
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", name], check=True,
                           capture_output=True, text=True)
            made.append(name)
        return made[-n:]

    yield make
    for name in made:
        uid = pwd.getpwnam(name).pw_uid
        for pid in processes_of(uid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        subprocess.run(["userdel", "--remove", name], capture_output=True)

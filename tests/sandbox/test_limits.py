"""Whole-tree limits of the sandbox, with real processes: a process-count cap,
one memory cap for all processes together, a scratch quota, and nothing left
running when the run ends. The fork and disk probes are bounded."""
import os
import signal
import time
import uuid
from pathlib import Path

import pytest


def _without_cgroups(monkeypatch):
    """The sandbox as it runs where cgroups are not writable (rlimits only)."""
    from mml_sandbox import cgroup

    monkeypatch.setattr(cgroup.TreeLimit, "available", staticmethod(lambda: False))


@pytest.mark.parametrize("cgroups", [True, False])
def test_a_fork_loop_is_capped(tmp_path, sandbox, probe, cgroups):
    sandbox.setenv("MML_SANDBOX_PIDS", "24")
    if not cgroups:
        _without_cgroups(sandbox)
    code = """
import os, time
started = 0
for _ in range(40):             # bounded: at most 40 children
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    started += 1
return np.array([started])
"""
    result = probe.run(probe.make(tmp_path, code))
    started = int(result.outputs["out"][0])
    if cgroups:
        assert started < 24, started
    else:
        assert started == 40  # the defence is the cgroup


@pytest.mark.parametrize("cgroups", [True, False])
def test_three_processes_together_past_the_memory_cap_are_stopped(tmp_path, sandbox, probe, cgroups):
    # Each process alone is under the cap (300 MiB < 500 MiB), all three are not.
    sandbox.setenv("MML_SANDBOX_MEMORY_MB", "500")
    if not cgroups:
        _without_cgroups(sandbox)
    code = """
import os, time
children = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        block = bytearray(300 << 20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(3)
        os._exit(0)
    children.append(pid)
block = bytearray(300 << 20)
for i in range(0, len(block), 4096):
    block[i] = 1
ok = sum(os.waitpid(pid, 0)[1] == 0 for pid in children)
return np.array([ok + 1])
"""
    result = probe.run(probe.make(tmp_path, code))
    survived_all = result.status == "ok" and int(result.outputs["out"][0]) == 3
    if cgroups:
        assert not survived_all
        assert result.status == "ok" or result.detail.get("memory_cap"), result
    else:
        assert survived_all  # the defence is the cgroup


def test_the_memory_cap_is_named_as_memory_in_the_feedback():
    from mml_judge.messages import describe_child_failure
    from mml_judge.sandbox import ChildResult

    capped = ChildResult("crash", detail={"signal": "SIGKILL", "memory_cap": True})
    zh, en = describe_child_failure(capped, limits=None)
    assert "内存" in zh and "MML_SANDBOX_MEMORY_MB" in en and "CPU" not in en + zh
    zh, en = describe_child_failure(ChildResult("crash", detail={"signal": "SIGXCPU"}), limits=None)
    assert "CPU-time limit" in en


@pytest.mark.parametrize("mode", ["on", "off"])
def test_scratch_writes_past_the_quota_fail(tmp_path, sandbox, probe, mode):
    sandbox.setenv("MML_SANDBOX_SCRATCH_MB", "16")
    sandbox.setenv("MML_SANDBOX", mode)
    code = """
import os
written = 0
for folder in (os.environ["TMPDIR"], os.path.expanduser("~"), "."):
    for n in range(6):               # bounded: 6 x 8 MiB per folder
        try:
            with open(os.path.join(folder, f"fill{n}"), "wb") as f:
                f.write(b"x" * (8 << 20))
                f.flush()
            written += 8
        except OSError:
            break
return np.array([written])
"""
    result = probe.run(probe.make(tmp_path, code))
    written = int(result.outputs["out"][0])
    if mode == "on":
        # three folders on two 16 MiB tmpfs (home holds the working folder)
        assert written <= 32, written
    else:
        assert written == 3 * 48  # the defence is the sandbox's tmpfs


def _processes_with(marker):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if marker.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                    found.append(int(entry))
            except OSError:
                pass
    return found


DAEMON = """
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)", "{marker}"])
    os._exit(0)
time.sleep(0.5)
return np.array([1])
"""


def test_a_daemon_does_not_outlive_the_run(tmp_path, sandbox, probe):
    marker = f"mml-daemon-{uuid.uuid4().hex}"
    result = probe.run(probe.make(tmp_path, DAEMON.replace("{marker}", marker)))
    assert result.status == "ok"
    time.sleep(0.5)
    assert _processes_with(marker) == []


def test_without_the_sandbox_the_daemon_survives(tmp_path, no_sandbox, probe):
    marker = f"mml-daemon-{uuid.uuid4().hex}"
    try:
        result = probe.run(probe.make(tmp_path, DAEMON.replace("{marker}", marker)))
        assert result.status == "ok"
        assert _processes_with(marker) != []
    finally:
        for pid in _processes_with(marker):
            os.kill(pid, signal.SIGKILL)

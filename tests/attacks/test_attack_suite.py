"""Every attack class graded through the real flow, all in one run.

The grader is a copy of this repository in a temporary folder (an attack that
got through would damage the copy, never the working tree). The instructor
releases with `grade.py release`; each attacker, an honest classmate (the
reference solution) and a blank submission submit with `nbgrader submit`; a
local account submits in the honest classmate's name; hand-made folders with a
wildcard id, a malformed name and a forged future time are put into the
inbound; then `grade.py all` grades everyone at once. Each attack must score
what its honest code earns (autograder/fixtures/attacks.py), the honest
classmate keeps full marks and clean feedback, nothing of the grader changes,
nothing listens in, and no process outlives grading.
"""
import csv
import ctypes
import hashlib
import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from attack_course import ROOT, Classroom, processes_of
from fixtures.attacks import ATTACKS, make_attack
from fixtures.submissions import make_submission

pytestmark = pytest.mark.xdist_group(name="attack_suite")

ASSIGNMENT = "rnn_captioning"
HONEST, BLANK = "honest-classmate", "blank"
GRADER_PARTS = ["autograder", "mml", "source_assignments", "tools", "release", "nbgrader_config.py",
                "pyproject.toml"]
PR_SET_CHILD_SUBREAPER = 36


def student_id(attack):
    return "attack-" + attack.replace("_", "-")


def copy_grader(dest):
    """The repository's grading side as it is in the working tree (tracked and new files)."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "--", *GRADER_PARTS],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    for rel in listed:
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def fingerprint(folder, patterns=("**/*.py",)):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for pattern in patterns for p in sorted(folder.glob(pattern)) if p.is_file()}


def outward_address():
    """An address of this machine that is not loopback ("" when there is none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            address = s.getsockname()[0]
        except OSError:
            return ""
    return "" if address.startswith("127.") else address


class Listener:
    """A TCP listener on every address of this machine that records who connects."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("0.0.0.0", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.seen = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                data = conn.recv(200)
            except OSError:
                data = b""
            self.seen.append((peer[0], data.decode(errors="replace").strip()))
            conn.close()

    def close(self):
        self.sock.close()


def marked_processes(marker):
    """Pids whose command line carries marker."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def adopted_children():
    """Processes re-parented to this one (it is a child subreaper) or still its children."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                pids.append(int(entry.name))
    return pids


def end(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def autograded_points():
    """(required, extra credit) points of the source notebooks' autograded test cells."""
    totals = {"RNN_Captioning": 0.0, "LSTM_Captioning": 0.0}
    for name in totals:
        nb = json.loads((ROOT / "source_assignments" / ASSIGNMENT / f"{name}.ipynb").read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution") and cell["cell_type"] == "code":
                totals[name] += float(meta["points"])
    return totals["RNN_Captioning"], totals["LSTM_Captioning"]


def visible_text(path):
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8", errors="replace")))


@pytest.fixture(scope="module")
def suite():
    arena = Path(tempfile.mkdtemp(prefix="mml-attack-suite-", dir="/tmp"))
    arena.chmod(0o755)
    marker = f"MML-ATTACK-{uuid.uuid4().hex[:12]}"
    listener = Listener()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    made_accounts = []
    # This worker's own children from before (e.g. the session's browser) are not the run's.
    children_before = set(adopted_children())
    try:
        yield from _graded(arena, marker, listener, made_accounts, children_before)
    finally:
        listener.close()
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        end([pid for pid in marked_processes(marker) + adopted_children() if pid not in children_before])
        for name in made_accounts:
            import pwd
            end(processes_of(pwd.getpwnam(name).pw_uid))
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        shutil.rmtree(arena, ignore_errors=True)


def _graded(arena, marker, listener, made_accounts, children_before):
    repo = copy_grader(arena / "repo")
    ta_home = arena / "ta-home"
    ta_home.mkdir()
    (ta_home / ".bashrc").write_text("# the TA's shell start-up\n")
    from mml.coco_utils import find_data_dir  # the trusted reference, in this process

    secret = f"TA-SECRET-{uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "NBGRADER"))}
    env.update(HOME=str(ta_home), MML_COCO_DIR=str(find_data_dir()[0]), MML_TA_TOKEN=secret,
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    (arena / "class").mkdir()
    room = Classroom(arena / "class", ASSIGNMENT, repo=repo, env=env)
    shutil.copytree(repo / "release" / ASSIGNMENT, room.releases / ASSIGNMENT)
    room.grade("release")
    ctx = {"marker": marker, "host": outward_address(), "port": listener.port,
           "reference": str(ROOT / "mml"), "arena": str(arena)}

    def hand_in(sid, build):
        work = room.home(sid) / ASSIGNMENT
        shutil.copytree(room.releases / ASSIGNMENT, work)
        build(work)
        before = set(os.listdir(room.inbound)) if room.inbound.is_dir() else set()
        room.submit(sid)
        return sid, before

    release = room.releases / ASSIGNMENT
    builders = {HONEST: lambda w: make_submission("reference", w, release),
                BLANK: lambda w: None}
    builders.update({student_id(a): (lambda w, a=a: make_attack(a, w, release, ctx)) for a in ATTACKS})
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda item: hand_in(*item), builders.items()))
    folders = {name.split("+")[0]: name for name in os.listdir(room.inbound)}
    for attack_name, attack in ATTACKS.items():
        if attack.after_submit:
            attack.after_submit(room.inbound / folders[student_id(attack_name)], ctx)

    # The exchange's attacks: a wildcard id, a malformed name, a forged future
    # time in the honest classmate's name, and a real account claiming to be them.
    stubs = room.inbound / folders[BLANK]
    stamp = folders[BLANK].split("+")[2]
    inbound_attacks = {
        f"*+{ASSIGNMENT}+{stamp}+wildcardxxxx": "is not valid",
        f"bad-name+{ASSIGNMENT}+not-a-timestamp+x": "not a time",
        f"{HONEST}+{ASSIGNMENT}+2099-01-01 00:00:00.000000 UTC+futurexxxxxx": "later than the folder last changed",
    }
    for name in inbound_attacks:
        shutil.copytree(stubs, room.inbound / name)
        if "2099" in name:
            (room.inbound / name / "timestamp.txt").write_text("2099-01-01 00:00:00.000000 UTC")
    cheat = f"mml{uuid.uuid4().hex[:8]}"
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", cheat], check=True, capture_output=True)
    made_accounts.append(cheat)
    cheat_home = room.home(cheat, user=cheat)
    shutil.copytree(room.releases / ASSIGNMENT, cheat_home / ASSIGNMENT)
    subprocess.run(["chown", "-R", f"{cheat}:{cheat}", str(cheat_home)], check=True)
    before = set(os.listdir(room.inbound))
    room.submit(cheat, user=cheat, as_student=HONEST)
    (impersonation,) = set(os.listdir(room.inbound)) - before
    inbound_attacks[impersonation] = f"made by account {cheat}, not by {HONEST}"

    grader_before = fingerprint(repo / "autograder") | fingerprint(ta_home, (".*",))
    started = time.monotonic()
    code, out = room.grade("all", "--workers", "2", "--cell-timeout", "30", check=False)
    seconds = time.monotonic() - started
    leftovers = sorted(set(marked_processes(marker) + adopted_children()) - children_before)
    details = {pid: (Path(f"/proc/{pid}/cmdline").read_bytes()[:200] if Path(f"/proc/{pid}").exists() else b"")
               for pid in leftovers}
    end(leftovers)
    grades = room.root / "autograder" / "grades.csv"
    snapshot = {p: p.read_bytes() for p in [grades, room.root / "autograder" / "gradebook.db"]
                + sorted((room.root / "autograder" / "feedback").rglob("*.html")) if p.exists()}
    time.sleep(3)  # anything still spoiling files would show now
    yield {
        "room": room, "code": code, "out": out, "seconds": seconds, "marker": marker, "secret": secret,
        "leftovers": details, "listener": listener, "inbound_attacks": inbound_attacks,
        "rows": {r["student_id"]: r for r in csv.DictReader(grades.read_text().splitlines())} if grades.exists() else {},
        "grader_changed": sorted(k for k, v in (fingerprint(repo / "autograder") | fingerprint(ta_home, (".*",))).items()
                                 if grader_before.get(k) != v),
        "late_changes": sorted(str(p) for p, data in snapshot.items() if not p.exists() or p.read_bytes() != data),
    }


def test_grading_finishes(suite):
    assert suite["code"] == 0, suite["out"][-5000:]
    print(f"grade.py all: {suite['seconds']:.0f} s")
    print("\n".join(line for line in suite["out"].splitlines() if "(log:" in line or "not collected" in line))


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_an_attack_scores_what_its_honest_code_earns(suite, attack):
    rows = suite["rows"]
    row = rows.get(student_id(attack))
    assert row is not None, f"{attack}: not graded\n{suite['out'][-3000:]}"
    got = (row["score"], row["extra_credit"])
    if ATTACKS[attack].expect == "honest":
        want = (rows[HONEST]["score"], rows[HONEST]["extra_credit"])
    else:
        want = (rows[BLANK]["score"], rows[BLANK]["extra_credit"])
    assert got == want, f"{attack} ({ATTACKS[attack].doc}): got {got}, its honest code earns {want}"


def test_the_honest_classmate_keeps_full_marks_and_clean_feedback(suite):
    rows, room = suite["rows"], suite["room"]
    honest = rows[HONEST]
    assert (float(honest["score"]), float(honest["extra_credit"])) == autograded_points()
    assert (float(rows[BLANK]["score"]), float(rows[BLANK]["extra_credit"])) == (0.0, 0.0)
    for page in (room.root / "autograder" / "feedback" / HONEST).rglob("*.html"):
        assert suite["marker"] not in page.read_text(encoding="utf-8", errors="replace"), page


def test_no_secret_reaches_any_feedback(suite):
    room = suite["room"]
    reference = (ROOT / "mml" / "rnn_layers.py").read_text(encoding="utf-8")
    solution_lines = [line.strip() for line in reference.splitlines()
                      if "np.tanh" in line and "=" in line][:2]
    judge_line = next(line.strip() for line in (ROOT / "autograder" / "mml_judge" / "checks_rnn.py")
                      .read_text(encoding="utf-8").splitlines() if line.strip().startswith("def "))
    secrets = [suite["secret"], str(ROOT), judge_line, *solution_lines]
    for page in (room.root / "autograder" / "feedback").rglob("*.html"):
        text = visible_text(page)
        leaked = [s for s in secrets if s and s in text]
        assert not leaked, f"{page.relative_to(room.root)} shows {leaked}"


def test_the_grader_is_unchanged(suite):
    assert suite["grader_changed"] == []
    rows = suite["rows"]
    assert all(float(r["score"]) <= float(r["max_score"]) for r in rows.values()), rows


def test_no_connection_leaves_the_sandbox(suite):
    assert suite["listener"].seen == []


def test_no_process_outlives_grading_and_nothing_changes_afterwards(suite):
    assert suite["leftovers"] == {}
    assert suite["late_changes"] == []


def test_the_exchange_attacks_are_refused_and_reported(suite):
    out, rows = suite["out"], suite["rows"]
    for name, reason in suite["inbound_attacks"].items():
        lines = [line for line in out.splitlines() if f"inbound/{name}: not collected:" in line]
        assert len(lines) == 1 and reason in lines[0], (name, out[-3000:])
    assert "*" not in rows and "bad-name" not in rows
    symlinked = student_id("symlink")
    assert "left out mml/rnn_layers.py (a symbolic link)" in out
    assert sorted(rows) == sorted([HONEST, BLANK] + [student_id(a) for a in ATTACKS]), sorted(rows)
    assert symlinked in rows

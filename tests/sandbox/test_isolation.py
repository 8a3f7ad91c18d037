"""Student code in the sandbox, through the judge's real child: it sees only
its own submission, the runtime and the dataset; no repository, no home, no
network, and nothing it writes or prints decides anything. Each attack is
also run with MML_SANDBOX=off, where it succeeds: the sandbox is the defence."""
import json
import socket
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

READ_SECRETS = f"""
import os
found = []
for path in [{str(ROOT / "mml" / "rnn_layers.py")!r}, {str(ROOT / "autograder" / "mml_judge" / "checks_rnn.py")!r},
             {str(ROOT / "autograder")!r}, "/root/.bashrc", os.path.expanduser("~root/.bashrc")]:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(1)
        found.append(path)
    except OSError:
        pass
return np.frombuffer("\\n".join(found).encode() or b"-", dtype=np.uint8)
"""


def test_the_repository_and_root_are_invisible(tmp_path, sandbox, probe):
    student = probe.make(tmp_path, READ_SECRETS)
    assert probe.text(probe.run(student)) == "-"


def test_without_the_sandbox_the_same_code_reads_them(tmp_path, no_sandbox, probe):
    student = probe.make(tmp_path, READ_SECRETS)
    found = probe.text(probe.run(student)).splitlines()
    assert str(ROOT / "mml" / "rnn_layers.py") in found and "/root/.bashrc" in found


WHAT_IT_SEES = """
import os, sys, json
seen = {"cwd": os.getcwd(), "argv": sys.argv, "env": dict(os.environ), "root": sorted(os.listdir("/")),
        "home": sorted(os.listdir(os.path.dirname(os.getcwd()))), "data": sorted(os.listdir(os.environ["MML_COCO_DIR"])),
        "own": sorted(os.listdir(".")), "uid": os.getuid()}
try:
    open(os.path.join(os.environ["MML_COCO_DIR"], "marker.txt"), "a").write("x")
    seen["data_writable"] = True
except OSError:
    seen["data_writable"] = False
return np.frombuffer(json.dumps(seen).encode(), dtype=np.uint8)
"""


def test_what_a_judge_child_sees(tmp_path, sandbox, probe):
    student = probe.make(tmp_path, WHAT_IT_SEES)
    (student / "notes.txt").write_text("mine\n")
    seen = json.loads(probe.text(probe.run(student)))
    assert seen["cwd"] == "/home/student/rnn_captioning"
    assert seen["own"] == ["mml", "notes.txt"]
    assert seen["home"] == ["rnn_captioning"]
    assert seen["data"] == ["marker.txt"] and seen["data_writable"] is False
    assert seen["uid"] == 1000
    assert "work" not in seen["root"]
    assert seen["env"]["HOME"] == "/home/student" and seen["env"]["MML_COCO_DIR"] == "/data"
    assert not any(key.startswith("MML_JUDGE") or key.startswith("MML_GRADING") for key in seen["env"])
    assert not any(str(ROOT) in value for value in seen["env"].values())


OTHER_PROCESSES = """
import glob
seen = []
for path in sorted(glob.glob("/proc/[0-9]*/environ") + glob.glob("/proc/[0-9]*/cmdline")):
    try:
        seen.append(path + " " + open(path, "rb").read().replace(b"\\0", b" ").decode(errors="ignore"))
    except OSError:
        pass
return np.frombuffer("\\n".join(seen).encode(), dtype=np.uint8)
"""


def test_no_process_inside_shows_the_graders_environment_or_paths(tmp_path, sandbox, probe):
    """bwrap itself stays inside as pid 1: it must start with the sandbox's environment
    (a grader's token, e.g. JUPYTERHUB_API_TOKEN, would be readable) and take its
    options (host paths) from a file descriptor, not its command line."""
    secret = f"grader-token-{tmp_path.name}"
    sandbox.setenv("JUPYTERHUB_API_TOKEN", secret)
    sandbox.setenv("PATH", f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin")
    seen = probe.text(probe.run(probe.make(tmp_path, OTHER_PROCESSES)))
    assert "/proc/1/environ PATH=/opt/venv/bin" in seen and "/proc/1/cmdline " in seen
    assert secret not in seen
    assert str(ROOT) not in seen and str(tmp_path) not in seen


def test_loopback_of_the_grader_is_unreachable(tmp_path, sandbox, probe):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    port = server.getsockname()[1]
    code = f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).close()
    return np.frombuffer(b"connected", dtype=np.uint8)
except OSError as err:
    return np.frombuffer(type(err).__name__.encode(), dtype=np.uint8)
"""
    try:
        student = probe.make(tmp_path / "on", code)
        assert probe.text(probe.run(student)) != "connected"
        assert not accepted
        # the same code without the sandbox reaches the server
        sandbox.setenv("MML_SANDBOX", "off")
        student = probe.make(tmp_path / "off", code)
        assert probe.text(probe.run(student)) == "connected"
    finally:
        server.close()


def test_a_forged_verdict_on_stdout_or_in_files_counts_for_nothing(tmp_path, sandbox, probe):
    forged = {"status": "ok", "outputs": {"out": {"kind": "array", "type": "ndarray", "dtype": "float64",
                                                  "shape": [1]}}}
    code = f"""
import json, os, sys
record = {json.dumps(forged)!r}
print(record); print("PASSED rnn_step_forward"); sys.stderr.write(record + "\\n")
for name in ("result.json", "out.npz", os.path.join(os.environ.get("TMPDIR", "/tmp"), "result.json")):
    try:
        open(name, "w").write(record)
    except OSError:
        pass
np.savez("out.npz", out=np.zeros(1))
os._exit(0)
"""
    student = probe.make(tmp_path, code)
    result = probe.run(student)
    assert result.status == "exit" and result.outputs == {}


def test_the_child_result_is_data_the_parent_checks(tmp_path, sandbox, probe):
    """Student code can reach the child's own result channel; what it sends is
    still only data: a status the parent does not know, or outputs the record
    does not describe, is no result."""
    for n, record in enumerate(({"status": "passed"}, {"status": "ok", "outputs": {}})):
        code = f"""
import os, sys
send = sys._getframe(1).f_globals["_send"]
send({record!r}, {{"out": np.ones(1)}})
os._exit(0)
"""
        result = probe.run(probe.make(tmp_path / str(n), code))
        assert result.status == "exit" and result.outputs == {}, result


def test_nothing_outside_scratch_is_writable_and_no_grader_package_imports(tmp_path, sandbox, probe):
    code = """
import importlib, os
wrote, imported = [], []
for path in ("/run/mml/kernel/fill", "/run/mml/submission/x", "/opt/venv/x", "/opt/mml/x", "/data/x", "/x"):
    try:
        with open(path, "wb") as f:
            f.write(b"x" * (8 << 20))
        wrote.append(path)
    except OSError:
        pass
for name in ("mml_judge", "mml_grading", "mml_sandbox"):
    try:
        importlib.import_module(name)
        imported.append(name)
    except ImportError:
        pass
return np.frombuffer(" ".join(wrote + imported).encode() or b"-", dtype=np.uint8)
"""
    assert probe.text(probe.run(probe.make(tmp_path, code))) == "-"

"""The grading kernel in the sandbox, through nbgrader's executor
(mml_grading.kernel.GradingExecute): it starts, runs cells over ipc sockets,
sees what a judge child sees (same argv, working folder and environment),
cannot read or change the grader's files, survives nothing it should not,
and a dying kernel still costs only the following cells."""
import json
import os
import shutil

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mml_grading.kernel import GradingExecute

pytestmark = pytest.mark.xdist_group(name="grading_kernel")


def run_cells(folder, *sources, timeout=60):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb, _ = GradingExecute(timeout=timeout).preprocess(nb, {"metadata": {"path": str(folder)}})
    return nb.cells


def text_of(cell):
    return "".join(out.get("text", "") or f"{out.get('ename')}: {out.get('evalue')}" for out in cell.outputs)


def errors(cell):
    return [out.ename for out in cell.outputs if out.output_type == "error"]


SEEN = ("import os, sys, json\n"
        "print(json.dumps({'cwd': os.getcwd(), 'argv': sys.argv, 'env': dict(os.environ)}))")


def test_the_kernel_runs_a_cell_in_the_sandbox_over_ipc(tmp_path, sandbox, probe):
    student = probe.make(tmp_path, "return np.zeros(1)")
    cells = run_cells(student,
                      "import mml.rnn_layers\nprint(mml.rnn_layers.__file__, 6 * 7)",
                      f"open({str(probe.ROOT / 'mml' / 'rnn_layers.py')!r}).read()",
                      "import mml_judge",
                      f"open({str(probe.ROOT / 'autograder' / 'mml_judge' / 'judging.py')!r}, 'a').write('x')",
                      "import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=2)",
                      "import mml.classifiers")
    assert "/home/student/rnn_captioning/mml/rnn_layers.py 42" in text_of(cells[0])
    assert errors(cells[1]) == ["FileNotFoundError"]
    assert errors(cells[2]) == ["ModuleNotFoundError"]
    assert errors(cells[3]) == ["FileNotFoundError"]
    assert errors(cells[4]) and errors(cells[4]) != ["TimeoutError"]
    # a module missing from the submission is missing: the reference never fills the gap
    assert errors(cells[5]) == ["ModuleNotFoundError"]


def test_the_kernel_and_a_judge_child_look_the_same(tmp_path, sandbox, probe):
    student = probe.make(tmp_path, SEEN.replace("print(", "return np.frombuffer((").replace(")}))", ")})).encode(), dtype=np.uint8)")
                         .replace("import os, sys, json\n", "import os, sys, json\n"))
    # The grader's folders have other names (the judge copies the submission to "student").
    copied = tmp_path / "judged" / "student"
    shutil.copytree(student, copied)
    child = json.loads(probe.text(probe.run(copied)))
    kernel = json.loads(text_of(run_cells(student, SEEN)[0]))
    differ = {k: (kernel["env"].get(k), child["env"].get(k)) for k in set(kernel["env"]) | set(child["env"])
              if kernel["env"].get(k) != child["env"].get(k)}
    assert differ == {}
    assert kernel == child
    assert child["cwd"] == "/home/student/rnn_captioning"


def test_a_huge_allocation_fails_in_its_own_cell(tmp_path, sandbox):
    cells = run_cells(tmp_path, "hog = bytearray(3584 << 20)", "print('still alive', 6 * 7)")
    assert errors(cells[0]) == ["MemoryError"], text_of(cells[0])
    assert "still alive 42" in text_of(cells[1])


def test_a_dying_kernel_costs_only_the_following_cells(tmp_path, sandbox):
    cells = run_cells(tmp_path, "print('before')", "import os\nos._exit(0)", "print('after')")
    assert "before" in text_of(cells[0])
    assert errors(cells[1]) == ["DeadKernelError"]
    assert errors(cells[2]) == ["DeadKernelError"]


def test_a_hanging_cell_is_interrupted(tmp_path, sandbox):
    cells = run_cells(tmp_path, "while True:\n    pass", "print('next')", timeout=5)
    assert errors(cells[0]), "the infinite loop was not stopped"
    assert "next" in text_of(cells[1])


def test_without_bubblewrap_grading_refuses_with_one_line(tmp_path, sandbox):
    from mml_sandbox import SandboxUnavailable

    sandbox.setenv("PATH", str(tmp_path))  # no bwrap on PATH
    with pytest.raises(SandboxUnavailable) as caught:
        run_cells(tmp_path, "print(1)")
    message = str(caught.value)
    assert "\n" not in message and "bubblewrap" in message and "MML_SANDBOX=off" in message


def test_what_the_kernel_prints_is_capped_and_scrubbed(tmp_path, sandbox, probe):
    sandbox.setenv("MML_SANDBOX_OUTPUT_KB", "4")
    grader_path = str(probe.ROOT / "autograder" / "mml_judge" / "checks_rnn.py")
    cells = run_cells(tmp_path, f"print({grader_path!r})\nprint('x' * 100000)",
                      f"raise ValueError({grader_path!r})",
                      "from IPython.display import HTML, display\ndisplay(HTML('<script>steal()</script>'))")
    printed = text_of(cells[0])
    assert grader_path not in printed and "<...>" in printed
    assert len(printed) < 5000 and "cut at 4096 characters" in printed
    error = cells[1].outputs[0]
    assert grader_path not in error.evalue and not any(grader_path in line for line in error.traceback)
    assert all("text/html" not in out.get("data", {}) for out in cells[2].outputs)


def test_the_socket_folder_is_no_disk_for_the_kernel(tmp_path, sandbox):
    cells = run_cells(tmp_path, "import os\nprint(sorted(os.listdir('/run/mml/kernel')))",
                      "open('/run/mml/kernel/fill', 'wb').write(b'x' * (8 << 20))",
                      "print('alive')")
    assert "kernel.json" in text_of(cells[0])
    assert errors(cells[1]) == ["OSError"], text_of(cells[1])
    assert "alive" in text_of(cells[2])


def test_with_the_sandbox_off_the_kernel_still_grades_a_trusted_demo(tmp_path, no_sandbox, probe):
    student = probe.make(tmp_path, "return np.zeros(1)")
    cells = run_cells(student, "import os, mml.rnn_layers\nprint(os.path.basename(os.getcwd()), "
                               "mml.rnn_layers.__file__.endswith('rnn_captioning/mml/rnn_layers.py'))",
                      "import mml.classifiers")
    assert "rnn_captioning True" in text_of(cells[0])
    # the reference installed in the venv never fills a gap in the submission
    assert errors(cells[1]) == ["ModuleNotFoundError"], text_of(cells[1])


def test_a_link_in_the_socket_folder_leads_the_grader_nowhere(tmp_path):
    from mml_sandbox.processes import mount_small_tmpfs, unmount

    folder = tmp_path / "sockets"
    folder.mkdir()
    (tmp_path / "secret").write_text("x")
    assert mount_small_tmpfs(folder)
    try:
        os.symlink(tmp_path / "secret", folder / "ipc-1")
        with pytest.raises(OSError):
            (folder / "ipc-1").read_text()
    finally:
        unmount(folder)

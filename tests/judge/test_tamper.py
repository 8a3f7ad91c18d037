"""Hostile or broken student code costs only its own checks, within the limits,
and a missing student file never reaches the reference mml."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import mml_judge
from mml_judge.reference import REPO_ROOT

STEP = "next_h = np.tanh(x @ Wx + prev_h @ Wh + b)"


def _judge(student, names, **limits):
    return {v.name: v for v in mml_judge.judge_all(student, names=names, **limits)}


def test_numpy_rebound_at_import_fools_nothing(student, plant):
    # rnn_step_forward is wrong (no bias); numpy's comparisons are rebound to agree.
    plant(student, "rnn_layers.py", STEP, STEP.replace(" + b)", ")"))
    plant(student, "rnn_layers.py", '\nimport numpy as np\n',
          '\nimport numpy as np\nnp.allclose = lambda *a, **k: True\nnp.max = lambda *a, **k: 0.0\n')
    v = _judge(student, ["rnn_step_forward", "word_embedding_backward", "lstm_step_forward"])
    assert not v["rnn_step_forward"].passed
    assert v["word_embedding_backward"].passed and v["lstm_step_forward"].passed


def test_check_from_a_kernel_that_imported_the_tampered_code(student, plant):
    """check() in a process whose numpy the student rebound still judges right:
    the judgement runs in a fresh trusted process."""
    plant(student, "rnn_layers.py", STEP, STEP.replace(" + b)", ")"))
    plant(student, "rnn_layers.py", '\nimport numpy as np\n',
          '\nimport numpy as np\nnp.abs = lambda x: 0 * x\nnp.max = lambda *a, **k: 0.0\n')
    code = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; import mml.rnn_layers\n"
            "from mml_judge import check\n"
            "try:\n    check('rnn_step_forward')\nexcept AssertionError as e:\n    print('FAILED', e)\n")
    out = subprocess.run([sys.executable, "-c", code, str(student), str(REPO_ROOT / "autograder")],
                         cwd=student, capture_output=True, text=True, timeout=120)
    assert out.stdout.startswith("FAILED [rnn_step_forward]"), out.stdout + out.stderr


def test_os_exit_costs_only_its_function(student, plant):
    plant(student, "rnn_layers.py", "out = W[x]  # (N, T, D)", "import os; os._exit(0)")
    v = _judge(student, ["word_embedding_forward", "word_embedding_backward", "rnn_step_forward"])
    for name in ("word_embedding_forward", "word_embedding_backward"):
        assert not v[name].passed and "os._exit" in v[name].message
    assert v["rnn_step_forward"].passed


def test_os_exit_at_import_fails_cleanly(student, plant):
    (student / "mml" / "__init__.py").write_text("import os\nos._exit(0)\n")
    verdict = mml_judge.judge("rnn_forward", student)
    assert not verdict.passed and verdict.details["status"] == "exit"


def test_infinite_loop_is_stopped_at_the_time_limit(student, plant):
    plant(student, "rnn_layers.py", "x, prev_h, Wx, Wh, next_h = cache", "while True:\n        pass")
    start = time.monotonic()
    v = _judge(student, ["rnn_step_backward", "rnn_step_forward"], timeout=3)
    assert time.monotonic() - start < 15
    assert not v["rnn_step_backward"].passed and v["rnn_step_backward"].details["status"] == "timeout"
    assert "3 s" in v["rnn_step_backward"].message and v["rnn_step_forward"].passed


def test_fifty_gigabytes_is_a_memory_error(student, plant):
    plant(student, "rnn_layers.py", "H = prev_h.shape[1]\n    a = x @ Wx",
          "np.ones(50 * 2 ** 30 // 8)\n    H = prev_h.shape[1]\n    a = x @ Wx")
    v = _judge(student, ["lstm_step_forward", "rnn_step_forward"])
    assert not v["lstm_step_forward"].passed and "2048 MiB" in v["lstm_step_forward"].message
    assert v["rnn_step_forward"].passed


def test_segfault_is_a_crash(student, plant):
    plant(student, "rnn_layers.py", STEP, "import ctypes; ctypes.string_at(0)")
    verdict = mml_judge.judge("rnn_step_forward", student)
    assert not verdict.passed and "SIGSEGV" in verdict.message


def test_missing_rnn_layers_never_falls_back(student):
    (student / "mml" / "rnn_layers.py").unlink()
    v = _judge(student, ["rnn_step_forward", "captioning_rnn_loss"])
    for verdict in v.values():
        assert not verdict.passed and verdict.details["status"] == "import"
        assert "mml/rnn_layers" in verdict.message


def test_missing_mml_entirely_never_falls_back_even_from_the_repository(tmp_path):
    """From the repository root (sys.path[0] and cwd hold the reference mml,
    and the venv has it installed editable), an empty submission still fails."""
    empty = tmp_path / "empty"
    empty.mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT / "autograder"))
    out = subprocess.run([sys.executable, "-m", "mml_judge", "--student", str(empty), "--json",
                          "--check", "rnn_step_forward", "--check", "captioning_rnn_sample"],
                         cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    results = json.loads(out.stdout)
    assert out.returncode == 1
    assert [r["status"] for r in results] == ["import", "import"]
    assert all("missing mml" in r["message"] for r in results)


def test_reference_loads_privately_beside_a_student_mml(student, plant, monkeypatch):
    """In a process that holds a student's mml (a kernel), the reference comes
    from the repository and the student's modules stay where they were."""
    plant(student, "rnn_layers.py", STEP, STEP.replace(" + b)", ")"))
    code = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
            "import mml.rnn_layers as student\n"
            "from mml_judge import reference\n"
            "print(reference.layers().__file__)\n"
            "print(sys.modules['mml.rnn_layers'] is student, sys.modules['mml'].__file__)\n")
    out = subprocess.run([sys.executable, "-c", code, str(student), str(REPO_ROOT / "autograder")],
                         cwd=student, capture_output=True, text=True, timeout=60)
    ref_file, same = out.stdout.splitlines()
    assert Path(ref_file) == REPO_ROOT / "mml" / "rnn_layers.py"
    assert same == f"True {student / 'mml' / '__init__.py'}"


def test_cli_one_line_usage_error(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT / "autograder"))
    out = subprocess.run([sys.executable, "-m", "mml_judge", "--student", str(tmp_path / "nope")],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "--student" in out.stderr and "fix:" in out.stderr


def test_bad_limit_environment_is_one_clear_error(student, monkeypatch):
    monkeypatch.setenv("MML_JUDGE_TIMEOUT", "soon")
    with pytest.raises(ValueError, match=r"\$MML_JUDGE_TIMEOUT='soon'.*fix:"):
        mml_judge.judge("rnn_step_forward", student)


def test_sample_that_delegates_to_the_provided_decoders_fails(student, plant):
    """mml.decoding ships a decoding loop (temperature sampling, beam search);
    a student's sample that calls it instead of writing its own gets no credit."""
    plant(student, "classifiers/rnn.py", "        h = features @ W_proj + b_proj                 # (N, H)\n",
          "        from mml.decoding import sample_with_temperature\n"
          "        return sample_with_temperature(self, features, temperature=1e-9, max_length=max_length)\n")
    v = _judge(student, ["captioning_rnn_sample", "captioning_rnn_loss"])
    assert not v["captioning_rnn_sample"].passed
    assert "mml.decoding" in v["captioning_rnn_sample"].message
    assert v["captioning_rnn_loss"].passed

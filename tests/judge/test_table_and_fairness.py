"""The table of checks, and a judge that calls student code as the notebook
does and grades the classic contract: every planted mistake gets its own
message, honest variants of the contract pass."""
import ast
import json
import os
import subprocess
import sys

import pytest

import mml_judge
from mml_judge import table
from mml_judge.messages import IDEAS
from mml_judge.reference import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "source_assignments" / "rnn_captioning"
HIDDEN_CALL = "from mml_judge import check\ncheck("
# h of lstm_forward (rnn_forward's line is the same; what follows differs).
LSTM_H = "h = np.empty((N, T, H), dtype=x.dtype)\n    step_caches = []\n    prev_h, prev_c = h0"


def _cells():
    """(notebook, grade_id, the check its hidden region calls) of every test cell."""
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if HIDDEN_CALL in source:
                call = source[source.index(HIDDEN_CALL) + len(HIDDEN_CALL) - len("check("):].splitlines()[0]
                name = ast.literal_eval(call[len("check("):-1])
                yield path.name, cell["metadata"]["nbgrader"]["grade_id"], name


def test_every_notebook_test_cell_maps_to_its_check_by_grade_id():
    cells = list(_cells())
    assert len(cells) == len(table.CHECKS) == 19
    for notebook, grade_id, name in cells:
        assert table.checks_for_cell(grade_id) == [name]
        assert table.get(name).notebook == notebook
    assert mml_judge.checks_for_cell("setup") == []
    assert sorted(c.name for c in table.CHECKS if c.kind == table.TRAINING) == ["lstm_overfit", "rnn_overfit"]


def test_no_check_module_imports_the_table():
    """The table imports the checks, never the other way round (no import loop)."""
    judge_dir = REPO_ROOT / "autograder" / "mml_judge"
    for path in judge_dir.glob("checks_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "table" not in imported and "registry" not in imported, path.name
    assert not (judge_dir / "registry.py").exists()


def _cli(*args):
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT / "autograder"))
    return subprocess.run([sys.executable, "-m", "mml_judge", *args], env=env, capture_output=True,
                          text=True, timeout=60, cwd=REPO_ROOT)


def test_list_needs_no_student_folder():
    out = _cli("--list")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == mml_judge.check_names()


def test_missing_student_is_one_line_with_the_fix():
    out = _cli("--check", "rnn_forward")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "--student" in out.stderr and "fix:" in out.stderr


def test_help_shows_the_limits_declared_in_one_place():
    from mml_judge.sandbox import Limits
    text = " ".join(_cli("--help").stdout.split())
    for field in ("timeout", "train_timeout", "memory_mb", "output_mb"):
        assert f"(default {getattr(Limits(), field):g}," in text
    cli_source = (REPO_ROOT / "autograder" / "mml_judge" / "cli.py").read_text(encoding="utf-8")
    assert "default 20" not in cli_source and "default 2048" not in cli_source


# -- judged like the notebook --------------------------------------------------

def test_cell_type_compared_with_is_works_as_in_the_notebook(student, plant):
    plant(student, "classifiers/rnn.py", '        if self.cell_type == "rnn":\n            h, cell_cache',
          '        if self.cell_type is "rnn":\n            h, cell_cache')
    plant(student, "classifiers/rnn.py", '            if self.cell_type == "rnn":\n                h, _ = rnn_step',
          '            if self.cell_type is "rnn":\n                h, _ = rnn_step')
    verdicts = mml_judge.judge_all(student, ["captioning_rnn_loss", "captioning_rnn_sample", "captioning_lstm_loss"])
    assert [v.message for v in verdicts if not v.passed] == []


def _assert_diagnosis(verdict, idea):
    assert not verdict.passed
    assert verdict.details["idea"] == idea, verdict.message
    zh, en = IDEAS[idea]
    assert verdict.message.index(zh) < verdict.message.index(en)  # Chinese first


@pytest.mark.parametrize("old,new,name", [
    ("mask = captions_out != self._null", "mask = captions_out != 0", "captioning_lstm_gradient"),
    ("done |= word == self._end", "done |= word == 2", "captioning_lstm_sample"),
])
def test_hard_coded_special_indices_fail_the_lstm_checks_too(student, plant, old, new, name):
    """(The RNN checks: mask_hard_coded_null, sample_hard_coded_start/_end in test_reference_and_mistakes.)"""
    plant(student, "classifiers/rnn.py", old, new)
    _assert_diagnosis(mml_judge.judge(name, student), "special_indices")


def test_one_step_captions_are_tried(student, plant):
    """squeeze() is harmless for captions of several steps, and breaks T=1."""
    plant(student, "classifiers/rnn.py", "captions_in = captions[:, :-1]\n", "captions_in = captions[:, :-1].squeeze()\n")
    assert mml_judge.judge("captioning_rnn_loss", student).passed
    verdict = mml_judge.judge("captioning_rnn_gradient", student)
    assert not verdict.passed and verdict.details["status"] == "error", verdict.message


def test_float32_lstm_upcast_names_the_gradients_and_the_cause(student, plant):
    plant(student, "rnn_layers.py", LSTM_H, LSTM_H.replace(", dtype=x.dtype", ""))
    verdict = mml_judge.judge("captioning_lstm_gradient", student)
    _assert_diagnosis(verdict, "dtype")
    assert "W_vocab (float64)" in verdict.message and "np.zeros / np.empty" in verdict.message
    assert "rnn_forward / lstm_forward" in verdict.message  # where the upcast starts
    assert mml_judge.judge("captioning_rnn_dtype", student).passed  # the RNN path is fine


def test_float32_backward_upcast_points_at_the_backward(student, plant):
    plant(student, "rnn_layers.py", "dW = np.zeros(W_shape, dtype=dout.dtype)", "dW = np.zeros(W_shape)")
    verdict = mml_judge.judge("captioning_rnn_dtype", student)
    _assert_diagnosis(verdict, "dtype")
    assert "W_embed (float64)" in verdict.message and "word_embedding_backward" in verdict.message
    assert "Wx (" not in verdict.message


# -- the classic contract of sample -------------------------------------------

@pytest.mark.parametrize("name", ["captioning_rnn_sample", "captioning_lstm_sample"])
def test_words_after_end_are_not_graded(student, plant, name):
    """The original assignment: no need to stop generating after <END>."""
    plant(student, "classifiers/rnn.py", "captions[~done, t] = word[~done]", "captions[:, t] = word")
    plant(student, "classifiers/rnn.py", "            if done.all():\n                break\n", "")
    verdict = mml_judge.judge(name, student)
    assert verdict.passed, verdict.message
    assert "<END>" in verdict.message


def test_sample_that_includes_start_is_named(student, plant):
    """(Feeding scores, never updating the word, starting from <NULL>: the
    classic mistakes in test_reference_and_mistakes.)"""
    plant(student, "classifiers/rnn.py", "        ### END SOLUTION\n        return captions",
          "        captions = np.concatenate([np.full((N, 1), self._start), captions[:, :-1]], axis=1)\n"
          "        ### END SOLUTION\n        return captions")
    verdict = mml_judge.judge("captioning_rnn_sample", student)
    _assert_diagnosis(verdict, "sample_positions")
    assert "典型错误" in verdict.message and "classic mistake" in verdict.message


def _visible_check(notebook, grade_id):
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    (source,) = ["".join(c["source"]) for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id]
    return source[:source.index("### BEGIN HIDDEN TESTS")]


def test_notebook_float32_check_says_what_the_judge_says(student, plant):
    """The visible check's message starts as the judge's diagnosis and names the same cause."""
    visible = _visible_check("RNN_Captioning.ipynb", "test-captioning-rnn-dtype")
    plant(student, "rnn_layers.py", "dW = np.zeros(W_shape, dtype=dout.dtype)", "dW = np.zeros(W_shape)")
    message = mml_judge.judge("captioning_rnn_dtype", student).message
    for zh, en in [("float32 模型返回了不是 float32 的结果：", "the float32 model returned results that are not float32: "),
                   IDEAS["dtype"]]:
        assert zh in visible and en in visible and zh in message and en in message
        assert visible.index(zh) < visible.index(en)


@pytest.mark.parametrize("notebook,grade_id", [("RNN_Captioning.ipynb", "test-captioning-rnn-sample"),
                                                ("LSTM_Captioning.ipynb", "test-captioning-lstm-sample")])
def test_notebook_sample_checks_grade_up_to_the_first_end(notebook, grade_id):
    visible = _visible_check(notebook, grade_id)
    assert "up_to_end(s) == up_to_end(e)" in visible and "array_equal" not in visible
    assert "<END> 之后的位置不评分" in visible and "what follows <END> is not graded" in visible

"""The reference passes every check; each classic mistake gets its own diagnosis."""
import pytest

import mml_judge
import mutate
from mml_judge.messages import IDEAS
from mml_judge.table import CHECKS, TRAINING

FAST_CHECKS = [c.name for c in CHECKS if c.kind != TRAINING]


def test_reference_passes_every_fast_check(student, plant):
    verdicts = mml_judge.judge_all(student, names=FAST_CHECKS)
    failures = [v.message for v in verdicts if not v.passed]
    assert failures == []
    assert [v.name for v in verdicts] == FAST_CHECKS


@pytest.mark.parametrize("name,threshold", [("rnn_overfit", 0.1), ("lstm_overfit", 0.5)])
def test_reference_overfits(student, plant, tiny_coco, monkeypatch, name, threshold):
    monkeypatch.setenv("MML_COCO_DIR", str(tiny_coco))
    verdict = mml_judge.judge(name, student)
    assert verdict.passed, verdict.message
    assert verdict.details["final_loss"] < threshold
    assert verdict.details["recomputed_loss"] < 2 * threshold


def test_a_loss_that_only_reports_small_numbers_does_not_overfit(student, plant, tiny_coco, monkeypatch):
    monkeypatch.setenv("MML_COCO_DIR", str(tiny_coco))
    # No learning at all (zero gradients), and a reported loss 10^4 times too small.
    plant(student, "classifiers/rnn.py", "        ### END SOLUTION\n        return loss, grads",
          "        loss, grads = loss * 1e-4, {k: 0 * g for k, g in grads.items()}\n"
          "        ### END SOLUTION\n        return loss, grads")
    verdict = mml_judge.judge("rnn_overfit", student)
    assert not verdict.passed
    assert verdict.details["final_loss"] < 0.1 < verdict.details["recomputed_loss"]
    assert verdict.details["idea"] == "model_loss"


# The end of rnn_backward (lstm_backward ends the same way; the next section differs).
RNN_DH0 = "    dh0 = dprev_h\n    ### END SOLUTION\n    return dx, dh0, dWx, dWh, db\n\n\n" + "# " + "-" * 75 + "\n# Word"
# (file, old text, new text, check, idea the message must name): the classic
# mistakes of the mutation tool (tools/mutate.py), and a few more variants.
MISTAKES = {
    **mutate.CLASSIC,
    "bptt_dh0_none": ("rnn_layers.py", RNN_DH0, RNN_DH0.replace("dh0 = dprev_h", ""), "rnn_backward", "bptt_dh0"),
    "gradient_ignores_mask": ("classifiers/rnn.py", "= temporal_softmax_loss(scores, captions_out, mask)",
                              "= temporal_softmax_loss(scores, captions_out, np.ones_like(mask))",
                              "captioning_rnn_gradient", "mask"),
    "lstm_sample_feeds_scores": ("classifiers/rnn.py", "x = W_embed[word]",
                                 "x = W_embed[word] if t == 0 else scores @ W_embed",
                                 "captioning_lstm_sample", "sample_indices"),
}


@pytest.mark.parametrize("case", sorted(MISTAKES))
def test_classic_mistake_is_diagnosed(student, plant, case):
    relpath, old, new, name, idea = MISTAKES[case]
    plant(student, relpath, old, new)
    verdict = mml_judge.judge(name, student)
    assert not verdict.passed
    assert verdict.details["idea"] == idea
    zh, en = IDEAS[idea]
    assert zh in verdict.message and en in verdict.message
    assert verdict.message.index(zh) < verdict.message.index(en)  # Chinese first


def test_check_raises_the_judges_reason(student, plant):
    relpath, old, new, name, idea = MISTAKES["bptt_no_carry"]
    plant(student, relpath, old, new)
    with pytest.raises(AssertionError, match=r"\[rnn_backward\] 未通过 / failed") as raised:
        mml_judge.check(name, student)
    assert IDEAS[idea][0] in str(raised.value)


def test_float32_upcast_still_passes_the_float64_checks(student, plant):
    relpath, old, new, _, _ = MISTAKES["float32_upcast_rnn_forward"]
    plant(student, relpath, old, new)
    assert mml_judge.judge("rnn_forward", student).passed


def test_hard_coded_visible_answer_fails(student, plant):
    # The visible check's expected next_h (N=3, H=4), returned whatever the input.
    plant(student, "rnn_layers.py", "next_h = np.tanh(x @ Wx + prev_h @ Wh + b)",
          "next_h = np.asarray([[-0.58172089, -0.50182032, -0.41232771, -0.31410098],"
          "[0.66854692, 0.79562378, 0.87755553, 0.92795967],"
          "[0.97934501, 0.99144213, 0.99646691, 0.99854353]])")
    verdict = mml_judge.judge("rnn_step_forward", student)
    assert not verdict.passed and "(3, 4)" in verdict.message


@pytest.mark.parametrize("new,fragment", [
    ("next_h = np.tanh(x @ Wx + prev_h @ Wh + b)[:, :-1]", "has shape"),
    ("next_h = np.tanh(x @ Wx + prev_h @ Wh + b) * np.nan", "NaN"),
    ("raise ValueError('not yet')", "ValueError: not yet"),
])
def test_wrong_shape_nan_and_exceptions_are_named(student, plant, new, fragment):
    plant(student, "rnn_layers.py", "next_h = np.tanh(x @ Wx + prev_h @ Wh + b)", new)
    verdict = mml_judge.judge("rnn_step_forward", student)
    assert not verdict.passed and fragment in verdict.message


def test_failure_never_shows_hidden_inputs_or_solution(student, plant):
    plant(student, "rnn_layers.py", "dh[:, t, :] + dprev_h, cache[t])", "dh[:, t, :], cache[t])")
    message = mml_judge.judge("rnn_backward", student).message
    for secret in ("default_rng", "seed", "normal(", "rnn_step_backward(", "np.add.at", "8237"):
        assert secret not in message

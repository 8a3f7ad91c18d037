"""Gradient clipping by norm in CaptioningSolver (option grad_clip, off by default)."""
import numpy as np
import pytest

from mml.captioning_solver import CaptioningSolver, clip_by_norm
from mml.classifiers.rnn import CaptioningRNN
from mml.coco_utils import load_coco_data, sample_coco_minibatch


def test_clip_by_norm_rescales_all_gradients_together():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[0.0], [4.0]])}  # |g| = 5
    clipped = clip_by_norm(grads, 1.0)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0])
    np.testing.assert_allclose(clipped["b"], [[0.0], [0.8]])
    assert np.sqrt(sum(np.sum(g ** 2) for g in clipped.values())) == pytest.approx(1.0)
    np.testing.assert_array_equal(grads["a"], [3.0, 0.0])  # the input is not changed


def test_clip_by_norm_leaves_a_small_gradient_alone_and_keeps_the_dtype():
    grads = {"w": np.array([0.3, 0.4], dtype=np.float32)}  # |g| = 0.5
    np.testing.assert_array_equal(clip_by_norm(grads, 1.0)["w"], grads["w"])
    clipped = clip_by_norm({"w": np.array([30.0, 40.0], dtype=np.float32)}, 5.0)["w"]
    assert clipped.dtype == np.float32
    np.testing.assert_allclose(clipped, [3.0, 4.0], rtol=1e-6)


def _solver(tiny_coco, **options):
    np.random.seed(231)
    data = load_coco_data(tiny_coco)
    model = CaptioningRNN(data["word_to_idx"], input_dim=8, wordvec_dim=16, hidden_dim=32)
    return CaptioningSolver(model, data, update_rule="sgd", num_epochs=1, batch_size=12,
                            optim_config={"learning_rate": 0.5}, verbose=False, **options)


def test_the_solver_takes_a_clipped_sgd_step(tiny_coco):
    solver = _solver(tiny_coco, grad_clip=0.1)
    before = {k: v.copy() for k, v in solver.model.params.items()}
    np.random.seed(7)
    solver._step()
    after = {k: v.copy() for k, v in solver.model.params.items()}
    # The same minibatch again, on the parameters before the step: the unclipped gradient.
    np.random.seed(7)
    captions, features, _ = sample_coco_minibatch(solver.data, batch_size=12, split="train")
    solver.model.params.update(before)
    _, grads = solver.model.loss(features, captions)
    norm = np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values()))
    assert norm > 1.0  # far above 0.1: this step is clipped
    for name in before:
        # sgd: w - lr * g * (0.1 / |g|); the whole step has length lr * 0.1.
        np.testing.assert_allclose(after[name], before[name] - 0.5 * grads[name] * (0.1 / norm),
                                   rtol=1e-4, atol=1e-6, err_msg=name)
    step = np.sqrt(sum(np.sum((after[k].astype(np.float64) - before[k]) ** 2) for k in before))
    assert step == pytest.approx(0.5 * 0.1, rel=1e-4)


def test_grad_clip_is_off_by_default_and_refuses_nonsense(tiny_coco):
    assert _solver(tiny_coco).grad_clip is None
    for bad in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="grad_clip must be a positive number or None"):
            _solver(tiny_coco, grad_clip=bad)

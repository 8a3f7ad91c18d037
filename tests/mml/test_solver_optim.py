"""Update rules, the solver's options and a real (tiny) training run."""
import numpy as np
import pytest

from mml import optim
from mml.captioning_solver import CaptioningSolver
from mml.classifiers.rnn import CaptioningRNN
from mml.coco_utils import load_coco_data


def test_sgd_step():
    w, dw = np.array([1.0, -2.0]), np.array([0.5, 0.5])
    next_w, config = optim.sgd(w.copy(), dw, {"learning_rate": 0.1})
    np.testing.assert_allclose(next_w, [0.95, -2.05])


def test_sgd_momentum_two_steps_by_hand():
    w, dw = np.array([1.0]), np.array([2.0])
    w1, config = optim.sgd_momentum(w, dw, {"learning_rate": 0.1, "momentum": 0.9})
    # v1 = -0.1*2 = -0.2; w1 = 0.8. v2 = 0.9*(-0.2) - 0.2 = -0.38; w2 = 0.42
    w2, config = optim.sgd_momentum(w1, dw, config)
    np.testing.assert_allclose([w1[0], w2[0]], [0.8, 0.42])
    np.testing.assert_allclose(config["velocity"], [-0.38])


def test_rmsprop_first_step_by_hand():
    w, dw = np.array([1.0]), np.array([2.0])
    next_w, config = optim.rmsprop(w, dw, {"learning_rate": 0.01})
    cache = 0.01 * 4.0                       # (1 - 0.99) * dw^2
    np.testing.assert_allclose(next_w, 1.0 - 0.01 * 2.0 / (np.sqrt(cache) + 1e-8))
    np.testing.assert_allclose(config["cache"], [cache])


def test_adam_first_step_moves_by_learning_rate_and_keeps_dtype():
    w = np.array([1.0, -1.0, 0.5], dtype=np.float32)
    dw = np.array([3.0, -0.001, 2.0], dtype=np.float32)
    next_w, config = optim.adam(w, dw, {"learning_rate": 1e-2})
    # Bias-corrected first step: m_hat = dw, v_hat = dw^2, so each weight
    # moves by lr * sign(dw) (up to epsilon).
    np.testing.assert_allclose(next_w, w - 1e-2 * np.sign(dw), rtol=1e-5)
    assert next_w.dtype == np.float32 and config["t"] == 1


def test_solver_rejects_unknown_arguments_and_rules(tiny_coco):
    data = load_coco_data(tiny_coco)
    model = CaptioningRNN(data["word_to_idx"], input_dim=8, wordvec_dim=4, hidden_dim=5)
    with pytest.raises(ValueError, match=r"unrecognised argument\(s\) learning_rate, num_epoch;"):
        CaptioningSolver(model, data, num_epoch=3, learning_rate=1e-3)
    with pytest.raises(ValueError, match=r"unknown update_rule 'adamw'"):
        CaptioningSolver(model, data, update_rule="adamw")
    with pytest.raises(ValueError, match=r"data has no 'train_captions'"):
        CaptioningSolver(model, {"val_captions": None})


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_solver_overfits_a_tiny_dataset(tiny_coco, cell_type, capsys):
    np.random.seed(231)
    data = load_coco_data(tiny_coco)
    model = CaptioningRNN(data["word_to_idx"], input_dim=8, wordvec_dim=16, hidden_dim=32,
                          cell_type=cell_type)
    solver = CaptioningSolver(model, data, update_rule="adam", num_epochs=100, batch_size=12,
                              optim_config={"learning_rate": 2e-2}, lr_decay=0.99, verbose=False)
    solver.train()
    # 12 train captions / batch 12 = 1 iteration per epoch.
    assert len(solver.loss_history) == 100
    assert solver.epoch == 100
    np.testing.assert_allclose(solver.optim_configs["Wx"]["learning_rate"], 2e-2 * 0.99 ** 100,
                               rtol=1e-12)
    # Each image's caption is fixed, so a working model memorises all six
    # (the untrained loss is about 4 log 9 = 8.8; measured final ~0.01).
    assert solver.loss_history[0] > 7
    assert solver.loss_history[-1] < 0.05
    for name, param in model.params.items():
        assert param.dtype == np.float32, name


def test_verbose_solver_prints_progress(tiny_coco, capsys):
    np.random.seed(0)
    data = load_coco_data(tiny_coco)
    model = CaptioningRNN(data["word_to_idx"], input_dim=8, wordvec_dim=4, hidden_dim=5)
    CaptioningSolver(model, data, num_epochs=2, batch_size=4, print_every=1, verbose=True).train()
    out = capsys.readouterr()
    assert "(Iteration 1 / 6) loss:" in out.out + out.err
    assert "6/6" in out.err                  # the tqdm bar reached the end

"""Every numeric check of the original assignment, with its inputs, seeds,
expected values and tolerances, run against the reference mml.

The tolerances are the original's own words: "errors on the order of e-8 or
less" is asserted as < 1e-7, "e-9 or less" as < 1e-8, and so on.
"""
import numpy as np
import pytest

from mml.classifiers.rnn import CaptioningRNN
from mml.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from mml.rnn_layers import (
    rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward,
    temporal_affine_backward, temporal_affine_forward, temporal_softmax_loss,
    word_embedding_backward, word_embedding_forward,
)


def test_rnn_step_forward_matches_expected():
    N, D, H = 3, 10, 4
    x = np.linspace(-0.4, 0.7, num=N * D).reshape(N, D)
    prev_h = np.linspace(-0.2, 0.5, num=N * H).reshape(N, H)
    Wx = np.linspace(-0.1, 0.9, num=D * H).reshape(D, H)
    Wh = np.linspace(-0.3, 0.7, num=H * H).reshape(H, H)
    b = np.linspace(-0.2, 0.4, num=H)
    next_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)
    expected_next_h = np.asarray([
        [-0.58172089, -0.50182032, -0.41232771, -0.31410098],
        [0.66854692, 0.79562378, 0.87755553, 0.92795967],
        [0.97934501, 0.99144213, 0.99646691, 0.99854353]])
    assert rel_error(expected_next_h, next_h) < 1e-8


def test_rnn_step_backward_gradient_check():
    np.random.seed(231)
    N, D, H = 4, 5, 6
    x = np.random.randn(N, D)
    h = np.random.randn(N, H)
    Wx = np.random.randn(D, H)
    Wh = np.random.randn(H, H)
    b = np.random.randn(H)
    out, cache = rnn_step_forward(x, h, Wx, Wh, b)
    dnext_h = np.random.randn(*out.shape)

    # As in the original, each lambda ignores its argument: the array is
    # perturbed in place and read through the closure.
    fx = lambda x: rnn_step_forward(x, h, Wx, Wh, b)[0]
    fh = lambda prev_h: rnn_step_forward(x, h, Wx, Wh, b)[0]
    fWx = lambda Wx: rnn_step_forward(x, h, Wx, Wh, b)[0]
    fWh = lambda Wh: rnn_step_forward(x, h, Wx, Wh, b)[0]
    fb = lambda b: rnn_step_forward(x, h, Wx, Wh, b)[0]

    dx_num = eval_numerical_gradient_array(fx, x, dnext_h)
    dprev_h_num = eval_numerical_gradient_array(fh, h, dnext_h)
    dWx_num = eval_numerical_gradient_array(fWx, Wx, dnext_h)
    dWh_num = eval_numerical_gradient_array(fWh, Wh, dnext_h)
    db_num = eval_numerical_gradient_array(fb, b, dnext_h)

    dx, dprev_h, dWx, dWh, db = rnn_step_backward(dnext_h, cache)
    for num, ana in ((dx_num, dx), (dprev_h_num, dprev_h), (dWx_num, dWx), (dWh_num, dWh), (db_num, db)):
        assert rel_error(num, ana) < 1e-7


def test_rnn_forward_matches_expected():
    N, T, D, H = 2, 3, 4, 5
    x = np.linspace(-0.1, 0.3, num=N * T * D).reshape(N, T, D)
    h0 = np.linspace(-0.3, 0.1, num=N * H).reshape(N, H)
    Wx = np.linspace(-0.2, 0.4, num=D * H).reshape(D, H)
    Wh = np.linspace(-0.4, 0.1, num=H * H).reshape(H, H)
    b = np.linspace(-0.7, 0.1, num=H)
    h, _ = rnn_forward(x, h0, Wx, Wh, b)
    expected_h = np.asarray([
        [[-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251],
         [-0.39525808, -0.22554661, -0.0409454, 0.14649412, 0.32397316],
         [-0.42305111, -0.24223728, -0.04287027, 0.15997045, 0.35014525]],
        [[-0.55857474, -0.39065825, -0.19198182, 0.02378408, 0.23735671],
         [-0.27150199, -0.07088804, 0.13562939, 0.33099728, 0.50158768],
         [-0.51014825, -0.30524429, -0.06755202, 0.17806392, 0.40333043]]])
    assert rel_error(expected_h, h) < 1e-7


def test_rnn_backward_gradient_check():
    np.random.seed(231)
    N, D, T, H = 2, 3, 10, 5
    x = np.random.randn(N, T, D)
    h0 = np.random.randn(N, H)
    Wx = np.random.randn(D, H)
    Wh = np.random.randn(H, H)
    b = np.random.randn(H)
    out, cache = rnn_forward(x, h0, Wx, Wh, b)
    dout = np.random.randn(*out.shape)
    dx, dh0, dWx, dWh, db = rnn_backward(dout, cache)

    fx = lambda x: rnn_forward(x, h0, Wx, Wh, b)[0]
    fh0 = lambda h0: rnn_forward(x, h0, Wx, Wh, b)[0]
    fWx = lambda Wx: rnn_forward(x, h0, Wx, Wh, b)[0]
    fWh = lambda Wh: rnn_forward(x, h0, Wx, Wh, b)[0]
    fb = lambda b: rnn_forward(x, h0, Wx, Wh, b)[0]

    # The original states no figure here; over ten steps the numerical
    # gradient's own error is ~1e-7, so "order of e-7" is asserted.
    assert rel_error(eval_numerical_gradient_array(fx, x, dout), dx) < 1e-6
    assert rel_error(eval_numerical_gradient_array(fh0, h0, dout), dh0) < 1e-6
    assert rel_error(eval_numerical_gradient_array(fWx, Wx, dout), dWx) < 1e-6
    assert rel_error(eval_numerical_gradient_array(fWh, Wh, dout), dWh) < 1e-6
    assert rel_error(eval_numerical_gradient_array(fb, b, dout), db) < 1e-6


def test_word_embedding_forward_matches_expected():
    N, T, V, D = 2, 4, 5, 3
    x = np.asarray([[0, 3, 1, 2], [2, 1, 0, 3]])
    W = np.linspace(0, 1, num=V * D).reshape(V, D)
    out, _ = word_embedding_forward(x, W)
    expected_out = np.asarray([
        [[0., 0.07142857, 0.14285714],
         [0.64285714, 0.71428571, 0.78571429],
         [0.21428571, 0.28571429, 0.35714286],
         [0.42857143, 0.5, 0.57142857]],
        [[0.42857143, 0.5, 0.57142857],
         [0.21428571, 0.28571429, 0.35714286],
         [0., 0.07142857, 0.14285714],
         [0.64285714, 0.71428571, 0.78571429]]])
    assert rel_error(expected_out, out) < 1e-7


def test_word_embedding_backward_gradient_check():
    np.random.seed(231)
    N, T, V, D = 50, 3, 5, 6
    x = np.random.randint(V, size=(N, T))
    W = np.random.randn(V, D)
    out, cache = word_embedding_forward(x, W)
    dout = np.random.randn(*out.shape)
    dW = word_embedding_backward(dout, cache)
    f = lambda W: word_embedding_forward(x, W)[0]
    dW_num = eval_numerical_gradient_array(f, W, dout)
    assert rel_error(dW, dW_num) < 1e-10


def test_temporal_affine_gradient_check():
    np.random.seed(231)
    N, T, D, M = 2, 3, 4, 5
    x = np.random.randn(N, T, D)
    w = np.random.randn(D, M)
    b = np.random.randn(M)
    out, cache = temporal_affine_forward(x, w, b)
    dout = np.random.randn(*out.shape)
    fx = lambda x: temporal_affine_forward(x, w, b)[0]
    fw = lambda w: temporal_affine_forward(x, w, b)[0]
    fb = lambda b: temporal_affine_forward(x, w, b)[0]
    dx_num = eval_numerical_gradient_array(fx, x, dout)
    dw_num = eval_numerical_gradient_array(fw, w, dout)
    db_num = eval_numerical_gradient_array(fb, b, dout)
    dx, dw, db = temporal_affine_backward(dout, cache)
    # "errors on the order of 10^-9 or less"
    assert rel_error(dx_num, dx) < 1e-8
    assert rel_error(dw_num, dw) < 1e-8
    assert rel_error(db_num, db) < 1e-8


@pytest.mark.parametrize("N, T, V, p, low, high", [
    (100, 1, 10, 1.0, 2.2, 2.4),     # "should be about 2.3" = log(10)
    (100, 10, 10, 1.0, 22.0, 24.0),  # "should be about 23"  = 10 log(10)
    (5000, 10, 10, 0.1, 2.2, 2.4),   # "should be within 2.2-2.4"
])
def test_temporal_softmax_loss_sanity(N, T, V, p, low, high):
    np.random.seed(231)
    x = 0.001 * np.random.randn(N, T, V)
    y = np.random.randint(V, size=(N, T))
    mask = np.random.rand(N, T) <= p
    loss = temporal_softmax_loss(x, y, mask)[0]
    assert low < loss < high


def test_temporal_softmax_loss_gradient_check():
    np.random.seed(231)
    N, T, V = 7, 8, 9
    x = np.random.randn(N, T, V)
    y = np.random.randint(V, size=(N, T))
    mask = (np.random.rand(N, T) > 0.5)
    loss, dx = temporal_softmax_loss(x, y, mask, verbose=False)
    dx_num = eval_numerical_gradient(lambda x: temporal_softmax_loss(x, y, mask)[0], x, verbose=False)
    assert rel_error(dx, dx_num) < 1e-6   # "on the order of 10^-7 or less" (measured 1.4e-7)


def _fixed_model(cell_type, feature_range):
    N, D, W, H = 10, 20, 30, 40
    word_to_idx = {'<NULL>': 0, 'cat': 2, 'dog': 3}
    V = len(word_to_idx)
    T = 13
    model = CaptioningRNN(word_to_idx, input_dim=D, wordvec_dim=W, hidden_dim=H,
                          cell_type=cell_type, dtype=np.float64)
    for k, v in model.params.items():
        model.params[k] = np.linspace(-1.4, 1.3, num=v.size).reshape(*v.shape)
    features = np.linspace(*feature_range, num=(N * D)).reshape(N, D)
    captions = (np.arange(N * T) % V).reshape(N, T)
    return model, features, captions


@pytest.mark.parametrize("cell_type, feature_range, expected_loss", [
    ("rnn", (-1.5, 0.3), 9.83235591003),
    ("lstm", (-0.5, 1.7), 9.82445935443),  # the classic LSTM notebook's check
])
def test_captioning_loss_matches_expected(cell_type, feature_range, expected_loss):
    model, features, captions = _fixed_model(cell_type, feature_range)
    loss, _ = model.loss(features, captions)
    assert abs(loss - expected_loss) < 1e-10   # "10^-10 or less"


def _small_model(cell_type):
    batch_size, timesteps, input_dim, wordvec_dim, hidden_dim = 2, 3, 4, 5, 6
    word_to_idx = {'<NULL>': 0, 'cat': 2, 'dog': 3}
    vocab_size = len(word_to_idx)
    captions = np.random.randint(vocab_size, size=(batch_size, timesteps))
    features = np.random.randn(batch_size, input_dim)
    model = CaptioningRNN(word_to_idx, input_dim=input_dim, wordvec_dim=wordvec_dim,
                          hidden_dim=hidden_dim, cell_type=cell_type, dtype=np.float64)
    return model, features, captions


def test_captioning_rnn_gradient_check():
    """The original's check: "errors around e-6 or less" (measured max 4.5e-7)."""
    np.random.seed(231)
    model, features, captions = _small_model("rnn")
    loss, grads = model.loss(features, captions)
    assert sorted(grads) == sorted(model.params)
    for name in sorted(grads):
        f = lambda _: model.loss(features, captions)[0]
        num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-6)
        assert rel_error(num, grads[name]) < 1e-5, name


def test_captioning_lstm_gradient_check():
    """The same check for the LSTM model. Some of its gradients are ~1e-5, where
    the elementwise relative error measures the numerical gradient's noise, so
    h is 1e-5 and the error is also asserted on the scale of each gradient."""
    np.random.seed(231)
    model, features, captions = _small_model("lstm")
    loss, grads = model.loss(features, captions)
    assert sorted(grads) == sorted(model.params)
    for name in sorted(grads):
        f = lambda _: model.loss(features, captions)[0]
        num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
        assert rel_error(num, grads[name]) < 1e-4, name
        assert np.abs(num - grads[name]).max() < 1e-6 * np.abs(grads[name]).max(), name

"""LSTM layers: the classic course's expected values (which the reference
reproduces to ~1e-8) and gradient checks of both backward passes."""
import numpy as np

from mml.gradient_check import eval_numerical_gradient_array, rel_error
from mml.rnn_layers import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward, sigmoid


def test_lstm_step_forward_matches_expected():
    N, D, H = 3, 4, 5
    x = np.linspace(-0.4, 1.2, num=N * D).reshape(N, D)
    prev_h = np.linspace(-0.3, 0.7, num=N * H).reshape(N, H)
    prev_c = np.linspace(-0.4, 0.9, num=N * H).reshape(N, H)
    Wx = np.linspace(-2.1, 1.3, num=4 * D * H).reshape(D, 4 * H)
    Wh = np.linspace(-0.7, 2.2, num=4 * H * H).reshape(H, 4 * H)
    b = np.linspace(0.3, 0.7, num=4 * H)
    next_h, next_c, _ = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    expected_next_h = np.asarray([
        [0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904],
        [0.49223563, 0.55611431, 0.61507696, 0.66844003, 0.7159181],
        [0.56735664, 0.66310127, 0.74419266, 0.80889665, 0.858299]])
    expected_next_c = np.asarray([
        [0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407],
        [0.66382255, 0.76674007, 0.87195994, 0.97902709, 1.08751345],
        [0.74192008, 0.90592151, 1.07717006, 1.25120233, 1.42395676]])
    assert rel_error(expected_next_h, next_h) < 1e-8
    assert rel_error(expected_next_c, next_c) < 1e-8


def test_lstm_forward_matches_expected():
    N, D, H, T = 2, 5, 4, 3
    x = np.linspace(-0.4, 0.6, num=N * T * D).reshape(N, T, D)
    h0 = np.linspace(-0.4, 0.8, num=N * H).reshape(N, H)
    Wx = np.linspace(-0.2, 0.9, num=4 * D * H).reshape(D, 4 * H)
    Wh = np.linspace(-0.3, 0.6, num=4 * H * H).reshape(H, 4 * H)
    b = np.linspace(0.2, 0.7, num=4 * H)
    h, _ = lstm_forward(x, h0, Wx, Wh, b)
    expected_h = np.asarray([
        [[0.01764008, 0.01823233, 0.01882671, 0.0194232],
         [0.11287491, 0.12146228, 0.13018446, 0.13902939],
         [0.31358768, 0.33338627, 0.35304453, 0.37250975]],
        [[0.45767879, 0.4761092, 0.4936887, 0.51041945],
         [0.6704845, 0.69350089, 0.71486014, 0.7346449],
         [0.81733511, 0.83677871, 0.85403753, 0.86935314]]])
    assert rel_error(expected_h, h) < 1e-7


def test_lstm_step_backward_gradient_check():
    np.random.seed(231)
    N, D, H = 4, 5, 6
    x = np.random.randn(N, D)
    prev_h = np.random.randn(N, H)
    prev_c = np.random.randn(N, H)
    Wx = np.random.randn(D, 4 * H)
    Wh = np.random.randn(H, 4 * H)
    b = np.random.randn(4 * H)
    next_h, next_c, cache = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    dnext_h = np.random.randn(*next_h.shape)
    dnext_c = np.random.randn(*next_c.shape)

    def numerical(array):
        # Both outputs depend on array; the loss is <next_h, dnext_h> + <next_c, dnext_c>.
        fh = lambda _: lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)[0]
        fc = lambda _: lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)[1]
        return (eval_numerical_gradient_array(fh, array, dnext_h)
                + eval_numerical_gradient_array(fc, array, dnext_c))

    dx, dh, dc, dWx, dWh, db = lstm_step_backward(dnext_h, dnext_c, cache)
    for array, analytic in ((x, dx), (prev_h, dh), (prev_c, dc), (Wx, dWx), (Wh, dWh), (b, db)):
        assert rel_error(numerical(array), analytic) < 1e-7


def test_lstm_backward_gradient_check():
    np.random.seed(231)
    N, D, T, H = 2, 3, 10, 6
    x = np.random.randn(N, T, D)
    h0 = np.random.randn(N, H)
    Wx = np.random.randn(D, 4 * H)
    Wh = np.random.randn(H, 4 * H)
    b = np.random.randn(4 * H)
    out, cache = lstm_forward(x, h0, Wx, Wh, b)
    dout = np.random.randn(*out.shape)
    dx, dh0, dWx, dWh, db = lstm_backward(dout, cache)
    f = lambda _: lstm_forward(x, h0, Wx, Wh, b)[0]
    for array, analytic in ((x, dx), (h0, dh0), (Wx, dWx), (Wh, dWh), (b, db)):
        numerical = eval_numerical_gradient_array(f, array, dout)
        # Elementwise relative error of small entries is numerical noise
        # (measured 1.2e-6 on one dWh entry); on the gradient's scale the
        # error is ~1e-10.
        assert rel_error(numerical, analytic) < 1e-5
        assert np.abs(numerical - analytic).max() < 1e-8 * np.abs(analytic).max()


def test_sigmoid_is_stable_and_exact():
    x = np.array([-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0])
    with np.errstate(over="raise"):
        s = sigmoid(x)
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s[1:-1], 1 / (1 + np.exp(-x[1:-1])), rtol=1e-15)
    assert s[0] == 0.0 and s[-1] == 1.0
    assert sigmoid(np.float32(2.0)).dtype == np.float32

"""Hidden checks of the LSTM layers (the optional extra-credit part).

As in checks_rnn: other seeds and shapes than the visible checks, student
forward then backward on the same inputs, every output against the reference.
"""
import numpy as np

from . import reference
from .checks_rnn import BACKWARD_TOL, FORWARD_TOL
from .judging import backward_task, call_task, verdict

STEP_ARGS = ["x", "h", "c", "Wx", "Wh", "b"]
SEQ_ARGS = ["x", "h", "Wx", "Wh", "b"]


def _lstm_inputs(seed, N, T, D, H):
    """Inputs of lstm_step_forward (T None) or lstm_forward, with upstream gradients."""
    rng = np.random.default_rng(seed)
    x_shape = (N, D) if T is None else (N, T, D)
    return {
        "x": rng.normal(size=x_shape), "h": rng.normal(size=(N, H)) * 0.5,
        "c": rng.normal(size=(N, H)) * 0.5,
        "Wx": rng.normal(size=(D, 4 * H)) * 0.4, "Wh": rng.normal(size=(H, 4 * H)) * 0.4,
        "b": rng.normal(size=4 * H) * 0.2,
        "dh": rng.normal(size=(N, H) if T is None else (N, T, H)),
        "dc": rng.normal(size=(N, H)),
    }


def lstm_step_forward(ctx):
    a = _lstm_inputs(4409, N=3, T=None, D=5, H=4)
    next_h, next_c, _ = reference.layers().lstm_step_forward(*[a[k] for k in STEP_ARGS])
    task = call_task("lstm_step_forward", STEP_ARGS, ["next_h", "next_c", None])
    return verdict("lstm_step_forward", ctx, ctx.run(task, a), {"next_h": next_h, "next_c": next_c},
                   FORWARD_TOL, "lstm_step_forward")


def _without_cell_path(ref, a, cache, expected):
    """The classic mistake: dnext_h reaches the output gate but not next_c.

    The backward pass is linear in (dnext_h, dnext_c), and the path from
    dnext_h into the cell state is exactly a cell gradient of
    dnext_h * o * (1 - tanh(next_c)^2); subtracting the reference backward of
    that cell gradient removes the path."""
    H = a["h"].shape[1]
    pre = a["x"] @ a["Wx"] + a["h"] @ a["Wh"] + a["b"]
    o = ref.sigmoid(pre[:, 2 * H:3 * H])
    _, next_c, _ = ref.lstm_step_forward(*[a[k] for k in STEP_ARGS])
    via_cell = ref.lstm_step_backward(np.zeros_like(a["dh"]), a["dh"] * o * (1 - np.tanh(next_c) ** 2), cache)
    return {k: expected[k] - g for k, g in zip(expected, via_cell)}


def lstm_step_backward(ctx):
    ref = reference.layers()
    a = _lstm_inputs(9127, N=4, T=None, D=3, H=5)
    _, _, cache = ref.lstm_step_forward(*[a[k] for k in STEP_ARGS])
    names = ["dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"]
    expected = dict(zip(names, ref.lstm_step_backward(a["dh"], a["dc"], cache)))
    task = backward_task("lstm_step_forward", STEP_ARGS, [None, None], "lstm_step_backward", ["dh", "dc"], names)
    return verdict("lstm_step_backward", ctx, ctx.run(task, a), expected, BACKWARD_TOL, "lstm_step_backward",
                   variants=[(_without_cell_path(ref, a, cache, expected), "lstm_cell_path")])


def lstm_forward(ctx):
    a = _lstm_inputs(1583, N=2, T=5, D=4, H=3)
    h, _ = reference.layers().lstm_forward(*[a[k] for k in SEQ_ARGS])
    task = call_task("lstm_forward", SEQ_ARGS, ["h", None])
    return verdict("lstm_forward", ctx, ctx.run(task, a), {"h": h}, FORWARD_TOL, "lstm_forward")


def lstm_backward(ctx):
    ref = reference.layers()
    a = _lstm_inputs(6673, N=3, T=6, D=4, H=5)
    _, caches = ref.lstm_forward(*[a[k] for k in SEQ_ARGS])
    names = ["dx", "dh0", "dWx", "dWh", "db"]
    expected = dict(zip(names, ref.lstm_backward(a["dh"], caches)))
    no_dh0 = dict(expected, dh0=np.zeros_like(expected["dh0"]))
    task = backward_task("lstm_forward", SEQ_ARGS, [None], "lstm_backward", ["dh"], names)
    return verdict("lstm_backward", ctx, ctx.run(task, a), expected, BACKWARD_TOL, "lstm_bptt",
                   variants=[(no_dh0, "bptt_dh0")])

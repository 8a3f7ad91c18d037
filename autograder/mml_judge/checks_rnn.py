"""Hidden checks of the vanilla RNN and the word embedding.

Seeds and shapes differ from the notebook's visible checks, so an answer
fitted to those numbers fails here. Forward outputs are compared with the
reference; backward passes run the student's forward then backward on the
same inputs and compare every gradient with the reference's.
"""
import numpy as np

from . import reference
from .judging import backward_task, call_task, verdict

FORWARD_TOL = 1e-7   # float64 computations of the same formula agree to ~1e-12
BACKWARD_TOL = 1e-6


def _rnn_inputs(seed, N, T, D, H):
    """x (N, T, D) (or (N, D) when T is None), h0 (N, H), Wx, Wh, b, and an upstream gradient."""
    rng = np.random.default_rng(seed)
    x_shape = (N, D) if T is None else (N, T, D)
    return {
        "x": rng.normal(size=x_shape), "h": rng.normal(size=(N, H)) * 0.5,
        "Wx": rng.normal(size=(D, H)) * 0.4, "Wh": rng.normal(size=(H, H)) * 0.4,
        "b": rng.normal(size=H) * 0.2,
        "dout": rng.normal(size=(N, H) if T is None else (N, T, H)),
    }


ARGS = ["x", "h", "Wx", "Wh", "b"]


def rnn_step_forward(ctx):
    a = _rnn_inputs(7411, N=4, T=None, D=7, H=5)
    next_h, _ = reference.layers().rnn_step_forward(*[a[k] for k in ARGS])
    task = call_task("rnn_step_forward", ARGS, ["next_h", None])
    return verdict("rnn_step_forward", ctx, ctx.run(task, a), {"next_h": next_h}, FORWARD_TOL, "rnn_step_forward")


def rnn_step_backward(ctx):
    ref = reference.layers()
    a = _rnn_inputs(5903, N=3, T=None, D=6, H=7)
    _, cache = ref.rnn_step_forward(*[a[k] for k in ARGS])
    names = ["dx", "dprev_h", "dWx", "dWh", "db"]
    expected = dict(zip(names, ref.rnn_step_backward(a["dout"], cache)))
    task = backward_task("rnn_step_forward", ARGS, [None], "rnn_step_backward", ["dout"], names)
    return verdict("rnn_step_backward", ctx, ctx.run(task, a), expected, BACKWARD_TOL, "rnn_step_backward")


def rnn_forward(ctx):
    a = _rnn_inputs(3371, N=3, T=6, D=5, H=4)
    h, _ = reference.layers().rnn_forward(*[a[k] for k in ARGS])
    task = call_task("rnn_forward", ARGS, ["h", None])
    return verdict("rnn_forward", ctx, ctx.run(task, a), {"h": h}, FORWARD_TOL, "rnn_forward")


def _bptt_without_carry(ref, dh, caches):
    """The classic mistake: every step sees only dh[:, t]; nothing flows back
    from step t+1. dh0 is then only what step 0 sends back from dh[:, 0]."""
    grads = [ref.rnn_step_backward(dh[:, t, :], caches[t]) for t in range(dh.shape[1])]
    dx = np.stack([g[0] for g in grads], axis=1)
    return {"dx": dx, "dh0": grads[0][1], "dWx": sum(g[2] for g in grads),
            "dWh": sum(g[3] for g in grads), "db": sum(g[4] for g in grads)}


def rnn_backward(ctx):
    ref = reference.layers()
    a = _rnn_inputs(8237, N=2, T=7, D=4, H=5)
    _, caches = ref.rnn_forward(*[a[k] for k in ARGS])
    names = ["dx", "dh0", "dWx", "dWh", "db"]
    expected = dict(zip(names, ref.rnn_backward(a["dout"], caches)))
    no_carry = _bptt_without_carry(ref, a["dout"], caches)
    # Everything right but dh0 left at zero (or never assigned from the last dprev_h).
    no_dh0 = dict(expected, dh0=np.zeros_like(expected["dh0"]))
    task = backward_task("rnn_forward", ARGS, [None], "rnn_backward", ["dout"], names)
    result = ctx.run(task, a)
    if result.status == "ok" and result.described.get("dh0", {}).get("kind") == "none" and all(
            result.described.get(k, {}).get("kind") == "array" for k in names if k != "dh0"):
        no_dh0_idea = [({k: v for k, v in expected.items() if k != "dh0"}, "bptt_dh0")]
    else:
        no_dh0_idea = [(no_dh0, "bptt_dh0")]
    return verdict("rnn_backward", ctx, result, expected, BACKWARD_TOL, "bptt",
                   variants=[(no_carry, "bptt_carry")] + no_dh0_idea)


def _embedding_inputs(seed, N, T, V, D):
    rng = np.random.default_rng(seed)
    # Few words, many positions: every word index repeats several times.
    x = rng.integers(0, V, size=(N, T))
    x[0, :3] = 1  # at least one word three times in one caption
    return {"x": x, "W": rng.normal(size=(V, D)), "dout": rng.normal(size=(N, T, D))}


def word_embedding_forward(ctx):
    a = _embedding_inputs(2719, N=3, T=6, V=9, D=4)
    out, _ = reference.layers().word_embedding_forward(a["x"], a["W"])
    task = call_task("word_embedding_forward", ["x", "W"], ["out", None])
    return verdict("word_embedding_forward", ctx, ctx.run(task, a), {"out": out}, FORWARD_TOL, "embedding_forward")


def word_embedding_backward(ctx):
    ref = reference.layers()
    a = _embedding_inputs(6151, N=4, T=5, V=6, D=3)
    _, cache = ref.word_embedding_forward(a["x"], a["W"])
    expected = {"dW": ref.word_embedding_backward(a["dout"], cache)}
    lost = np.zeros_like(a["W"])
    lost[a["x"]] += a["dout"]  # buffered fancy-index add: repeated indices keep only one value
    task = backward_task("word_embedding_forward", ["x", "W"], [None], "word_embedding_backward", ["dout"], ["dW"])
    return verdict("word_embedding_backward", ctx, ctx.run(task, a), expected, BACKWARD_TOL,
                   "embedding_backward", variants=[({"dW": lost}, "embedding_repeats")])

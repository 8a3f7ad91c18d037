"""Hidden checks of CaptioningRNN: loss, gradient, sampling, float32.

The model is built in the child by the student's own CaptioningRNN, then every
parameter is overwritten with the same values the reference model gets here,
so both compute on identical inputs.
"""
from functools import partial

import numpy as np

from . import reference
from .judging import verdict
from .messages import failed, passed
from .registry import register

WORDS = ["<NULL>", "<START>", "<END>", "<UNK>", "red", "circle", "left", "of", "blue"]
WORD_TO_IDX = {w: i for i, w in enumerate(WORDS)}
NULL, START, END = 0, 1, 2
SIZES = {"input_dim": 6, "wordvec_dim": 5, "hidden_dim": 7}


def _model(cell_type, dtype, seed, end_bias=0.0):
    """A reference model with random parameters, and the child's task for the
    same model (its parameters travel as arrays named param_<name>)."""
    rng = np.random.default_rng(seed)
    state = np.random.get_state()  # the constructor draws from np.random; leave it as it was
    model = reference.captioning_rnn()(WORD_TO_IDX, cell_type=cell_type, dtype=dtype, **SIZES)
    np.random.set_state(state)
    for k, v in model.params.items():
        model.params[k] = (rng.normal(size=v.shape) * 0.6).astype(dtype)
    model.params["b_vocab"][END] += end_bias
    init = dict(SIZES, word_to_idx=WORD_TO_IDX, cell_type=cell_type, dtype=np.dtype(dtype).name)
    arrays = {f"param_{k}": v for k, v in model.params.items()}
    return model, init, arrays


def _batch(seed, N=5, T=8, dtype=np.float64):
    """Features and captions <START> w w ... <END> <NULL> ... of different lengths."""
    rng = np.random.default_rng(seed)
    captions = np.full((N, T + 1), NULL, dtype=np.int64)
    captions[:, 0] = START
    for i, length in enumerate(rng.integers(2, T, size=N)):
        captions[i, 1:length] = rng.integers(3, len(WORDS), size=length - 1)
        captions[i, length] = END
    return rng.normal(size=(N, SIZES["input_dim"])).astype(dtype), captions


def _loss_task(init, arrays, features, captions):
    task = {"kind": "model", "init": init, "params": sorted(k[6:] for k in arrays),
            "method": "loss", "args": ["features", "captions"]}
    return task, dict(arrays, features=features, captions=captions)


def _without_mask(model, features, captions):
    """The reference loss and gradients with every position counted: the model
    takes no index as <NULL>, so its mask is all True."""
    blind = reference.captioning_rnn()(WORD_TO_IDX, cell_type=model.cell_type, dtype=model.dtype, **SIZES)
    blind.params = dict(model.params)
    blind._null = -1
    return blind.loss(features, captions)


def _loss_check(name, ctx, cell_type, seed):
    model, init, arrays = _model(cell_type, np.float64, seed)
    features, captions = _batch(seed + 1)
    loss, _ = model.loss(features, captions)
    blind_loss, _ = _without_mask(model, features, captions)
    result = ctx.run(*_loss_task(init, arrays, features, captions))
    return verdict(name, ctx, result, {"loss": loss}, 1e-7, "model_loss", variants=[({"loss": blind_loss}, "mask")])


def _gradient_check(name, ctx, cell_type, seed):
    model, init, arrays = _model(cell_type, np.float64, seed)
    features, captions = _batch(seed + 1)
    _, grads = model.loss(features, captions)
    _, blind_grads = _without_mask(model, features, captions)
    result = ctx.run(*_loss_task(init, arrays, features, captions))
    expected = {f"grad_{k}": v for k, v in sorted(grads.items())}
    blind = {f"grad_{k}": v for k, v in sorted(blind_grads.items())}
    return verdict(name, ctx, result, expected, 1e-6, "model_loss", variants=[(blind, "mask")])


def _sample_feeding_scores(model, features, max_length):
    """The classic mistake: the score vector, not the chosen word's index, is
    fed back in (scores @ W_embed has the right shape, so nothing complains)."""
    ref, p = reference.layers(), model.params
    h = features @ p["W_proj"] + p["b_proj"]
    c = np.zeros_like(h)
    x = p["W_embed"][np.full(len(features), START)]
    words = []
    for _ in range(max_length):
        if model.cell_type == "rnn":
            h, _ = ref.rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = ref.lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
        scores = h @ p["W_vocab"] + p["b_vocab"]
        words.append(scores.argmax(axis=1))
        x = scores @ p["W_embed"]
    return np.stack(words, axis=1)


def _sample_check(name, ctx, cell_type, seed):
    """Two runs: without <END> (so the words fed back decide everything, and
    the feeding-scores mistake shows), then with <END> (the <NULL> padding)."""
    for end_bias, max_length in ((-100.0, 9), (1.5, 12)):
        model, init, arrays = _model(cell_type, np.float64, seed, end_bias=end_bias)
        features = np.random.default_rng(seed + 2).normal(size=(6, SIZES["input_dim"]))
        expected = {"captions": model.sample(features, max_length=max_length)}
        variants = [({"captions": _sample_feeding_scores(model, features, max_length)}, "sample_indices")]
        task = {"kind": "model", "init": init, "params": sorted(k[6:] for k in arrays),
                "method": "sample", "args": ["features"], "kwargs": {"max_length": max_length}}
        result = verdict(name, ctx, ctx.run(task, dict(arrays, features=features)), expected, 0, "sample",
                         variants=variants if end_bias < 0 else [])
        if not result.passed:
            return result
    return result


# name -> (how it is judged, cell type, seed); the seeds are the hidden inputs'.
MODEL_CHECKS = {
    "captioning_rnn_loss": (_loss_check, "rnn", 3907),
    "captioning_rnn_gradient": (_gradient_check, "rnn", 5119),
    "captioning_rnn_sample": (_sample_check, "rnn", 7703),
    "captioning_lstm_loss": (_loss_check, "lstm", 4421),
    "captioning_lstm_gradient": (_gradient_check, "lstm", 2087),
    "captioning_lstm_sample": (_sample_check, "lstm", 6389),
}
for _name, (_how, _cell, _seed) in MODEL_CHECKS.items():
    register(_name)(partial(_how, _name, cell_type=_cell, seed=_seed))


@register("captioning_rnn_dtype")
def captioning_rnn_dtype(ctx):
    """A float32 model: the loss matches at float32 precision and every
    gradient comes back float32 (no silent upcast to float64)."""
    name = "captioning_rnn_dtype"
    model, init, arrays = _model("rnn", np.float32, 8819)
    features, captions = _batch(8820, dtype=np.float32)
    loss, grads = model.loss(features, captions)
    result = ctx.run(*_loss_task(init, arrays, features, captions))
    expected = {"loss": loss, **{f"grad_{k}": v for k, v in sorted(grads.items())}}
    values = verdict(name, ctx, result, expected, 1e-3, "model_loss")
    if not values.passed:
        return values
    upcast = sorted(k for k in expected if k != "loss" and result.described[k].get("dtype") != "float32")
    if upcast:
        shown = ", ".join(f"{k} ({result.described[k].get('dtype')})" for k in upcast)
        return failed(name, ("所有梯度都是 float32", "every gradient to be float32"),
                      (f"这些梯度不是 float32：{shown}", f"these gradients are not float32: {shown}"), "dtype")
    return passed(name, "float32 模型的损失和梯度一致，且全部保持 float32",
                  "the float32 model's loss and gradients match and all stay float32")

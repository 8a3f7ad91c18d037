"""Hidden checks of CaptioningRNN: loss, gradient, sampling, float32.

The model is built in the child by the student's own CaptioningRNN, then every
parameter is overwritten with the same values the reference model gets here,
so both compute on identical inputs.

The vocabulary puts the special words where the course's datasets never do
(<NULL>, <START>, <END> are not 0, 1, 2, and index 0 is an ordinary word that
appears in the captions), so code that hard-codes those indices, or masks with
``!= 0``, gives other numbers than code that reads them from word_to_idx.
"""
from functools import partial

import numpy as np

from . import reference
from .judging import mismatch, verdict
from .messages import describe_child_failure, failed, passed

WORDS = ["red", "circle", "left", "<UNK>", "<END>", "of", "<NULL>", "blue", "<START>", "square"]
WORD_TO_IDX = {w: i for i, w in enumerate(WORDS)}
NULL, START, END = WORD_TO_IDX["<NULL>"], WORD_TO_IDX["<START>"], WORD_TO_IDX["<END>"]
ORDINARY_WORDS = [i for i, w in enumerate(WORDS) if not w.startswith("<")]
# The indices the course's own vocabularies give the special words.
USUAL_NULL, USUAL_START, USUAL_END = 0, 1, 2
SIZES = {"input_dim": 6, "wordvec_dim": 5, "hidden_dim": 7}


def _model(cell_type, dtype, seed, biases=()):
    """A reference model with random parameters, and the child's task for the
    same model (its parameters travel as arrays named param_<name>); biases:
    (word index, amount) added to b_vocab."""
    rng = np.random.default_rng(seed)
    state = np.random.get_state()  # the constructor draws from np.random; leave it as it was
    model = reference.captioning_rnn()(WORD_TO_IDX, cell_type=cell_type, dtype=dtype, **SIZES)
    np.random.set_state(state)
    for k, v in model.params.items():
        model.params[k] = (rng.normal(size=v.shape) * 0.6).astype(dtype)
    for word, amount in biases:
        model.params["b_vocab"][word] += amount
    init = dict(SIZES, word_to_idx=WORD_TO_IDX, cell_type=cell_type, dtype=np.dtype(dtype).name)
    arrays = {f"param_{k}": v for k, v in model.params.items()}
    return model, init, arrays


def _batch(seed, N=5, T=8, dtype=np.float64):
    """Features and captions <START> w w ... <END> <NULL> ... of different
    lengths (T + 1 words each; T=1 is <START> <END>). Word index 0 is in every
    batch, so a mask `!= 0` drops real words."""
    rng = np.random.default_rng(seed)
    captions = np.full((N, T + 1), NULL, dtype=np.int64)
    captions[:, 0] = START
    lengths = rng.integers(2, T, size=N) if T > 2 else np.full(N, T)
    for i, length in enumerate(lengths):
        captions[i, 1:length] = rng.choice(ORDINARY_WORDS, size=length - 1)
        captions[i, length] = END
    if T > 2:
        captions[0, 1] = ORDINARY_WORDS[0]
    return rng.normal(size=(N, SIZES["input_dim"])).astype(dtype), captions


def _loss_task(init, arrays, features, captions):
    task = {"kind": "model", "init": init, "params": sorted(k[6:] for k in arrays),
            "method": "loss", "args": ["features", "captions"]}
    return task, dict(arrays, features=features, captions=captions)


def _with_null(model, null, features, captions):
    """The reference loss and gradients of a model that takes index `null` as
    <NULL> (-1: no index, so the mask is all True)."""
    other = reference.captioning_rnn()(WORD_TO_IDX, cell_type=model.cell_type, dtype=model.dtype, **SIZES)
    other.params = dict(model.params)
    other._null = null
    return other.loss(features, captions)


def _loss_variants(model, features, captions, gradients):
    """(outputs, idea) of the classic loss mistakes: no mask, and <NULL> taken as 0."""
    def outputs(null):
        loss, grads = _with_null(model, null, features, captions)
        return {f"grad_{k}": v for k, v in sorted(grads.items())} if gradients else {"loss": loss}
    return [(outputs(-1), "mask"), (outputs(USUAL_NULL), "special_indices")]


def _loss_check(name, ctx, cell_type, seed):
    model, init, arrays = _model(cell_type, np.float64, seed)
    features, captions = _batch(seed + 1)
    loss, _ = model.loss(features, captions)
    result = ctx.run(*_loss_task(init, arrays, features, captions))
    return verdict(name, ctx, result, {"loss": loss}, 1e-7, "model_loss",
                   variants=_loss_variants(model, features, captions, gradients=False))


def _gradient_case(name, ctx, cell_type, seed, T):
    model, init, arrays = _model(cell_type, np.float64, seed)
    features, captions = _batch(seed + 1, T=T)
    _, grads = model.loss(features, captions)
    result = ctx.run(*_loss_task(init, arrays, features, captions))
    expected = {f"grad_{k}": v for k, v in sorted(grads.items())}
    return verdict(name, ctx, result, expected, 1e-6, "model_loss",
                   variants=_loss_variants(model, features, captions, gradients=True))


def _gradient_check(name, ctx, cell_type, seed):
    """Captions of 8 steps, then of one step (T=1: <START> in, <END> out);
    the LSTM's also once as a float32 model (see _float32_case)."""
    for T in (8, 1):
        result = _gradient_case(name, ctx, cell_type, seed, T)
        if not result.passed:
            return result
    if cell_type == "lstm":
        result = _float32_case(name, ctx, cell_type, seed + 7, compare_values=False)
        if not result.passed:
            return result
    return passed(name, "各梯度与参考实现一致（8 步和 1 步的描述）" + ("，float32 模型保持 float32" if cell_type == "lstm" else ""),
                  "every gradient is the reference's (captions of 8 steps and of 1 step)"
                  + ("; a float32 model stays float32" if cell_type == "lstm" else ""))


# -- sampling ---------------------------------------------------------------

def _decode(model, features, max_length, start=START, feed="index", end=END, pad=NULL):
    """Greedy decoding with the reference layers, as a (possibly wrong) student
    writes it. feed: "index" (the chosen word, embedded), "scores" (the score
    vector times W_embed), "fixed" (the first input at every step); end: the
    index taken as <END>; pad: what stays after it."""
    ref, p = reference.layers(), model.params
    N = len(features)
    h = features @ p["W_proj"] + p["b_proj"]
    c = np.zeros_like(h)
    x = p["W_embed"][np.full(N, start)]
    captions = np.full((N, max_length), pad, dtype=np.int64)
    done = np.zeros(N, dtype=bool)
    for t in range(max_length):
        if model.cell_type == "rnn":
            h, _ = ref.rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = ref.lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
        scores = h @ p["W_vocab"] + p["b_vocab"]
        word = scores.argmax(axis=1)
        captions[~done, t] = word[~done]
        done |= word == end
        if feed == "index":
            x = p["W_embed"][word]
        elif feed == "scores":
            x = scores @ p["W_embed"]
    return captions


def _sample_variants(model, features, max_length):
    """(captions, idea) of the classic decoding mistakes."""
    decode = partial(_decode, model, features, max_length)
    with_start = np.concatenate([np.full((len(features), 1), START), decode()], axis=1)[:, :max_length]
    return [
        (decode(feed="scores"), "sample_indices"),
        (decode(feed="fixed"), "sample_update"),
        (decode(start=NULL), "sample_start"),
        (decode(start=USUAL_NULL), "sample_start"),
        (with_start, "sample_positions"),
        (decode(start=USUAL_START), "special_indices"),
        (decode(end=USUAL_END), "special_indices"),
        (decode(end=USUAL_END, pad=USUAL_NULL), "special_indices"),
    ]


def graded_positions(expected, end=END):
    """True where a sampled caption is graded: every word up to and including
    the first <END> of the expected caption (all of it when it has none)."""
    is_end = np.asarray(expected) == end
    after_end = np.cumsum(is_end, axis=1) - is_end > 0
    return ~after_end


def caption_mismatch(result, expected, graded):
    """(中文, English) saying how the sampled captions differ from `expected`
    on the graded positions, or None."""
    problem = mismatch("captions", result, expected, 0)
    if problem is None or "行与参考实现不同" not in problem[0]:
        return problem  # missing, None, not an array, wrong shape or dtype: as for any output
    got = result.outputs["captions"]
    wrong = int(np.sum(np.any((got != expected) & graded, axis=1)))
    if not wrong:
        return None
    return (f"有 {wrong} 条描述在第一个 <END>（含）之前的词与参考实现不同",
            f"{wrong} caption(s) differ from the reference in the words up to and including the first <END>")


# Two runs of each sampling check, (<END>'s bias, the bias of the word at index
# 2, max_length): first no <END> at all (so the words fed back decide
# everything), then captions of several lengths. The word at index 2 (where
# <END> usually is) comes up in both, so a hard-coded <END> shows.
SAMPLE_RUNS = {"rnn": ((-100.0, 0.6, 9), (-0.5, 0.6, 12)),
               "lstm": ((-100.0, 0.3, 9), (1.5, 0.3, 12))}


def _sample_check(name, ctx, cell_type, seed):
    """Only the words up to and including the first <END> count. A classic
    mistake is named only when its captions, and no other mistake's, are the
    student's (in the first run that tells them apart)."""
    want = ("每条描述第一个 <END>（含）之前的词与参考实现一致", "the words of every caption up to and including "
            "its first <END> to match the reference")
    first_problem = None
    for end_bias, word_bias, max_length in SAMPLE_RUNS[cell_type]:
        model, init, arrays = _model(cell_type, np.float64, seed, biases=((END, end_bias), (USUAL_END, word_bias)))
        features = np.random.default_rng(seed + 2).normal(size=(6, SIZES["input_dim"]))
        expected = model.sample(features, max_length=max_length)
        graded = graded_positions(expected)
        task = {"kind": "model", "init": init, "params": sorted(k[6:] for k in arrays),
                "method": "sample", "args": ["features"], "kwargs": {"max_length": max_length}}
        result = ctx.run(task, dict(arrays, features=features))
        if result.status != "ok":
            return failed(name, want, describe_child_failure(result, ctx.limits), "sample", status=result.status)
        problem = caption_mismatch(result, expected, graded)
        if problem is None:
            continue
        first_problem = first_problem or problem
        ideas = {idea for captions, idea in _sample_variants(model, features, max_length)
                 if caption_mismatch(result, captions, graded) is None}
        if len(ideas) == 1:
            return failed(name, want, (f"{problem[0]}——这正是一个典型错误给出的结果",
                                       f"{problem[1]}, exactly what a classic mistake gives"), ideas.pop(),
                          status="mistake")
    if first_problem:
        return failed(name, want, first_problem, "sample", status="wrong")
    return passed(name, "第一个 <END>（含）之前的词与参考实现一致（之后的位置不评分）",
                  "the words up to and including the first <END> are the reference's (what follows is not graded)")


# -- float32 ------------------------------------------------------------------

# Where an upcast gradient most likely comes from: the first of these groups
# (in the order the backward pass computes them) that holds an upcast gradient.
UPCAST_SOURCES = (
    (("W_vocab", "b_vocab"), ("前向传播（rnn_forward / lstm_forward 的 h，或得分）",
                              "the forward pass (the h of rnn_forward / lstm_forward, or the scores)")),
    (("Wx", "Wh", "b"), ("rnn_backward / lstm_backward", "rnn_backward / lstm_backward")),
    (("W_embed",), ("word_embedding_backward", "word_embedding_backward")),
    (("W_proj", "b_proj"), ("dh0 以及 W_proj、b_proj 的梯度", "dh0 and the gradients of W_proj and b_proj")),
)


def upcast_message(upcast, described):
    """(中文, English) naming the gradients (and the loss) that are not float32
    and where the upcast most likely starts."""
    shown = ", ".join(f"{k.replace('grad_', '')} ({described[k].get('dtype')})" for k in upcast)
    params = {k.replace("grad_", "") for k in upcast}
    zh_where, en_where = next((where for group, where in UPCAST_SOURCES if params & set(group)),
                              ("损失的计算", "the loss computation"))
    return (f"float32 模型返回了不是 float32 的结果：{shown}；最先出问题的地方多半在 {zh_where}",
            f"the float32 model returned results that are not float32: {shown}; the upcast most likely "
            f"starts in {en_where}")


def _float32_case(name, ctx, cell_type, seed, compare_values=True):
    """A float32 model: (the loss and gradients match at float32 precision and)
    the loss and every gradient come back float32 (no silent upcast)."""
    model, init, arrays = _model(cell_type, np.float32, seed)
    features, captions = _batch(seed + 1, dtype=np.float32)
    loss, grads = model.loss(features, captions)
    result = ctx.run(*_loss_task(init, arrays, features, captions))
    expected = {"loss": loss, **{f"grad_{k}": v for k, v in sorted(grads.items())}}
    want = ("float32 模型的损失和所有梯度都是 float32", "the loss and every gradient of a float32 model to be float32")
    if compare_values:
        values = verdict(name, ctx, result, expected, 1e-3, "model_loss",
                         variants=_loss_variants(model, features, captions, gradients=False))
        if not values.passed:
            return values
    elif result.status != "ok":
        return failed(name, want, describe_child_failure(result, ctx.limits), "model_loss", status=result.status)
    else:
        problems = [p for p in (mismatch(k, result, v, None) for k, v in expected.items()) if p]
        if problems:
            return failed(name, want, problems[0], "model_loss", status="wrong")
    upcast = [k for k in expected if result.described[k].get("dtype") != "float32"]
    if upcast:
        return failed(name, want, upcast_message(upcast, result.described), "dtype", status="mistake")
    return passed(name, "float32 模型的损失和梯度一致，且全部保持 float32",
                  "the float32 model's loss and gradients match and all stay float32")


captioning_rnn_loss = partial(_loss_check, "captioning_rnn_loss", cell_type="rnn", seed=3907)
captioning_rnn_gradient = partial(_gradient_check, "captioning_rnn_gradient", cell_type="rnn", seed=5119)
captioning_rnn_sample = partial(_sample_check, "captioning_rnn_sample", cell_type="rnn", seed=7703)
captioning_rnn_dtype = partial(_float32_case, "captioning_rnn_dtype", cell_type="rnn", seed=8819)
captioning_lstm_loss = partial(_loss_check, "captioning_lstm_loss", cell_type="lstm", seed=4421)
captioning_lstm_gradient = partial(_gradient_check, "captioning_lstm_gradient", cell_type="lstm", seed=2087)
captioning_lstm_sample = partial(_sample_check, "captioning_lstm_sample", cell_type="lstm", seed=6389)

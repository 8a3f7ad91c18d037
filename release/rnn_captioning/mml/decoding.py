"""Decoding captions from a trained CaptioningRNN: temperature sampling, beam
search, and the log-probability of a given caption.

CaptioningRNN.sample (student code) decodes greedily: it always takes the most
likely next word. The decoders here are provided code beside it and read the
same model: model.params, model.cell_type and model.word_to_idx, and one step
of the network through the public layer functions of mml.rnn_layers.

Dimension letters: N images, K beams, V vocabulary size, H hidden size,
T = max_length. Every decoder returns captions of shape (N, T), int64, in the
format of CaptioningRNN.sample: position t holds the word chosen at step t
(<START> is not included) and positions after <END> hold <NULL>.

The network runs in the model's dtype (a float32 model stays float32);
log-probabilities are accumulated in float64, so that adding a running score
never reorders two words whose float32 scores differ.

解码：温度采样、束搜索，以及一条图像描述的对数概率。网络按模型自身的 dtype 计算，
对数概率用 float64 累加。所有解码器对图像和束都是向量化的，只沿时间步循环。
"""
import numpy as np

from mml.rnn_layers import lstm_step_forward, rnn_step_forward

__all__ = ["sample_with_temperature", "beam_search", "caption_log_prob", "length_penalty_factor"]


# -- one step of the network -------------------------------------------------

def _special_words(model):
    """Indices of <NULL>, <START> and <END>, with a one-line error when missing."""
    missing = [w for w in ("<NULL>", "<START>", "<END>") if w not in model.word_to_idx]
    if missing:
        raise ValueError(f"decoding needs {', '.join(missing)} in model.word_to_idx; "
                         "build the model with the word_to_idx of a captioning dataset")
    w2i = model.word_to_idx
    return w2i["<NULL>"], w2i["<START>"], w2i["<END>"]


def _check_inputs(model, features, max_length):
    """Features as an (N, D) array of the model's dtype, and a valid max_length."""
    features = np.asarray(features)
    D = model.params["W_proj"].shape[0]
    if features.ndim != 2 or features.shape[1] != D:
        raise ValueError(f"features must have shape (N, {D}) to match model.params['W_proj'], "
                         f"got {features.shape}")
    if not isinstance(max_length, (int, np.integer)) or max_length < 1:
        raise ValueError(f"max_length must be a positive integer, got {max_length!r}")
    return features.astype(model.params["W_proj"].dtype, copy=False)


def _initial_state(model, features):
    """h0 = features W_proj + b_proj, of shape (N, H); c0 = 0 for the LSTM."""
    h = features @ model.params["W_proj"] + model.params["b_proj"]
    return h, np.zeros_like(h)


def _step(model, words, h, c):
    """Feed one word per row through the cell.

    Inputs:
    - words: word indices, of shape (M,)
    - h, c: hidden and cell state, of shape (M, H) (c is unused by the RNN)

    Returns a tuple of:
    - log_probs: log-softmax over the vocabulary, float64 of shape (M, V)
    - h, c: the next hidden and cell state, of shape (M, H)
    """
    p = model.params
    x = p["W_embed"][words]                                   # (M, W)
    if model.cell_type == "rnn":
        h, _ = rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
    elif model.cell_type == "lstm":
        h, c, _ = lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
    else:
        raise ValueError(f"model.cell_type must be 'rnn' or 'lstm', got {model.cell_type!r}")
    scores = (h @ p["W_vocab"] + p["b_vocab"]).astype(np.float64)  # (M, V)
    # Subtracting the row maximum keeps exp from overflowing.
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return log_probs, h, c


# -- temperature sampling ----------------------------------------------------

def sample_with_temperature(model, features, temperature=1.0, max_length=30, seed=None):
    """Sample captions word by word from softmax(scores / temperature).

    temperature = 1 samples from the model's own distribution; a smaller
    temperature sharpens it towards the most likely word (temperature -> 0 is
    greedy decoding, and temperature = 0 is taken to mean exactly greedy); a
    larger one flattens it towards uniform.

    Inputs:
    - model: a CaptioningRNN ('rnn' or 'lstm')
    - features: image features, of shape (N, D)
    - temperature: a number >= 0
    - max_length: maximum caption length T
    - seed: None, an int or a numpy Generator; the same int gives the same captions

    Returns:
    - captions: int64 word indices, of shape (N, T), <NULL> after <END>
    """
    if not np.isscalar(temperature) or not temperature >= 0:
        raise ValueError(f"temperature must be a number >= 0 (0 means greedy), got {temperature!r}")
    null, start, end = _special_words(model)
    features = _check_inputs(model, features, max_length)
    rng = np.random.default_rng(seed)
    N = features.shape[0]

    captions = np.full((N, max_length), null, dtype=np.int64)
    h, c = _initial_state(model, features)
    words = np.full(N, start, dtype=np.int64)
    done = np.zeros(N, dtype=bool)
    for t in range(max_length):
        log_probs, h, c = _step(model, words, h, c)           # (N, V)
        if temperature == 0:
            words = log_probs.argmax(axis=1)
        else:
            # Inverse-CDF sampling, one uniform number per image: the word is
            # the first index whose cumulative probability passes u.
            scaled = log_probs / temperature
            probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
            cdf = np.cumsum(probs, axis=1)                    # (N, V)
            u = rng.random(N) * cdf[:, -1]
            words = np.minimum((cdf <= u[:, None]).sum(axis=1), cdf.shape[1] - 1)
        captions[~done, t] = words[~done]
        done |= words == end
        if done.all():
            break
    return captions


# -- beam search -------------------------------------------------------------

def length_penalty_factor(lengths, alpha):
    """GNMT length penalty lp(L) = ((5 + L) / 6) ** alpha (Wu et al., 2016).

    A hypothesis is ranked by its total log-probability divided by lp(L),
    with L the number of words scored (<END> included). alpha = 0 ranks by
    total log-probability; larger alpha favours longer captions.
    """
    return ((5.0 + np.asarray(lengths, dtype=np.float64)) / 6.0) ** alpha


def _top_k(scores, k):
    """Column indices of the k largest entries of each row, best first; ties
    go to the smaller index, as np.argmax does. scores: (N, M) -> (N, k)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]     # (N, k), unordered
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)                 # by value, then index
    return np.take_along_axis(part, order, axis=1)


def beam_search(model, features, beam_size=3, max_length=30, length_penalty=0.7):
    """Beam search: keep the beam_size best partial captions of every image.

    At every step each kept caption is extended by every word of the
    vocabulary, and the beam_size best of the K * V extensions survive. A
    caption that has produced <END> is finished: its only extension is
    <NULL> at no cost, so it keeps its score and competes with the captions
    still growing. Captions are ranked by log P(caption) / lp(L), the GNMT
    length penalty of length_penalty_factor (L counts the words up to and
    including <END>); length_penalty = 0 ranks by log-probability alone.
    beam_size = 1 is greedy decoding.

    Inputs:
    - model: a CaptioningRNN ('rnn' or 'lstm')
    - features: image features, of shape (N, D)
    - beam_size: number of captions K kept per image
    - max_length: maximum caption length T
    - length_penalty: alpha of the length penalty, >= 0

    Returns:
    - captions: int64 word indices, of shape (N, T), <NULL> after <END>
    """
    if not isinstance(beam_size, (int, np.integer)) or beam_size < 1:
        raise ValueError(f"beam_size must be a positive integer, got {beam_size!r}")
    if not np.isscalar(length_penalty) or not length_penalty >= 0:
        raise ValueError(f"length_penalty must be a number >= 0, got {length_penalty!r}")
    null, start, end = _special_words(model)
    features = _check_inputs(model, features, max_length)
    N, K = features.shape[0], beam_size
    V = model.params["W_vocab"].shape[1]

    h, c = _initial_state(model, features)                    # (N, H)
    h, c = np.repeat(h, K, axis=0), np.repeat(c, K, axis=0)   # (N*K, H), beams of an image adjacent
    words = np.full(N * K, start, dtype=np.int64)
    # All K beams start as the same empty caption; only beam 0 is alive, so
    # the first step does not pick the same word K times.
    score = np.full((N, K), -np.inf)
    score[:, 0] = 0.0
    length = np.zeros((N, K), dtype=np.int64)
    finished = np.zeros((N, K), dtype=bool)
    tokens = np.full((N, K, max_length), null, dtype=np.int64)
    # The one extension of a finished caption: <NULL>, log-probability 0.
    pad_row = np.full(V, -np.inf)
    pad_row[null] = 0.0
    rows = np.arange(N)[:, None]

    for t in range(max_length):
        log_probs, h, c = _step(model, words, h, c)
        log_probs = log_probs.reshape(N, K, V)
        log_probs = np.where(finished[:, :, None], pad_row, log_probs)
        total = score[:, :, None] + log_probs                  # (N, K, V)
        new_length = length + ~finished                        # (N, K)
        ranked = total / length_penalty_factor(new_length, length_penalty)[:, :, None]
        best = _top_k(ranked.reshape(N, K * V), K)             # (N, K) into K*V
        parent, word = best // V, best % V

        score = total.reshape(N, K * V)[rows, best]
        was_finished = finished[rows, parent]
        length = new_length[rows, parent]
        finished = was_finished | (word == end)
        tokens = tokens[rows, parent]                          # (N, K, T): follow each beam's parent
        tokens[:, :, t] = word
        flat_parent = (rows * K + parent).reshape(-1)          # (N*K,) rows of h and c
        h, c = h[flat_parent], c[flat_parent]
        words = word.reshape(-1)
        if finished.all():
            break

    final = score / length_penalty_factor(length, length_penalty)
    return tokens[np.arange(N), final.argmax(axis=1)]


# -- scoring a given caption -------------------------------------------------

def caption_log_prob(model, features, captions):
    """Total log-probability the model gives to each caption.

    The caption is fed in after <START> (teacher forcing) and the
    log-probabilities of its words are summed up to and including the first
    <END>. A caption without <END> (cut at max_length) counts all T words,
    as the decoders chose them (a dataset caption without <END> fills all T
    positions too).

    Inputs:
    - model: a CaptioningRNN ('rnn' or 'lstm')
    - features: image features, of shape (N, D)
    - captions: int word indices, of shape (N, T), in the format the decoders
      return (no <START>, <NULL> after <END>)

    Returns:
    - log_prob: float64 of shape (N,)
    """
    null, start, end = _special_words(model)
    captions = np.asarray(captions)
    features = _check_inputs(model, features, 1)
    N = features.shape[0]
    V = model.params["W_vocab"].shape[1]
    if captions.ndim != 2 or captions.shape[0] != N or not np.issubdtype(captions.dtype, np.integer):
        raise ValueError(f"captions must be integer word indices of shape ({N}, T), "
                         f"got {captions.dtype} of shape {captions.shape}")
    if captions.size and (captions.min() < 0 or captions.max() >= V):
        raise ValueError(f"captions hold word indices outside [0, {V}); "
                         "use the word_to_idx the model was built with")
    T = captions.shape[1]
    is_end = captions == end
    last_counted = np.where(is_end.any(axis=1), is_end.argmax(axis=1), T - 1)  # (N,)
    counted = np.arange(T)[None, :] <= last_counted[:, None]                  # (N, T)

    total = np.zeros(N)
    h, c = _initial_state(model, features)
    words = np.full(N, start, dtype=np.int64)
    for t in range(T):
        log_probs, h, c = _step(model, words, h, c)
        total += np.where(counted[:, t], log_probs[np.arange(N), captions[:, t]], 0.0)
        words = captions[:, t]
    return total

"""The small captioning models the book's chapters train and look inside.

One recipe for every chapter (the overfitting setup of the assignment): a
fixed seed, a small subset of the training captions, Adam. It runs in seconds
on the embedded dataset, so the book can train at build time.

课程书各章共用的小模型：固定随机种子，在少量训练描述上用 Adam 训练，几秒即可完成。
"""
from dataclasses import dataclass

import numpy as np

from mml.captioning_solver import CaptioningSolver
from mml.classifiers.rnn import CaptioningRNN
from mml.rnn_layers import lstm_forward, rnn_forward, temporal_affine_forward, word_embedding_forward


@dataclass
class Recipe:
    """How a small model is trained: the assignment's overfit check, with a
    model half as wide (the book trains five of them at build time; they still
    overfit 50 captions)."""
    cell_type: str = "rnn"       # 'rnn' or 'lstm'
    wordvec_dim: int = 128       # D: size of a word vector (the assignment: 256)
    hidden_dim: int = 256        # H: size of the hidden state (the assignment: 512)
    num_epochs: int = 50         # passes over the small training set
    batch_size: int = 25         # captions per minibatch
    learning_rate: float = 5e-3  # Adam's step size
    lr_decay: float = 0.95       # learning rate multiplied by this each epoch
    seed: int = 231              # the same model on every build


def train(data, recipe=Recipe()):
    """A CaptioningRNN trained on all of data['train_captions'] (pass a small
    subset, e.g. load_coco_data(max_train=50)); returns (model, solver)."""
    np.random.seed(recipe.seed)
    model = CaptioningRNN(data["word_to_idx"], input_dim=data["train_features"].shape[1],
                          wordvec_dim=recipe.wordvec_dim, hidden_dim=recipe.hidden_dim,
                          cell_type=recipe.cell_type)
    solver = CaptioningSolver(model, data, update_rule="adam", num_epochs=recipe.num_epochs,
                              batch_size=recipe.batch_size, lr_decay=recipe.lr_decay,
                              optim_config={"learning_rate": recipe.learning_rate}, verbose=False)
    solver.train()
    return model, solver


def next_word_probabilities(model, features, words):
    """The model's distribution over the next word after each prefix of words.

    Greedy sampling sees, at step t, the scores the model computes after
    reading <START> and the t-1 words it already chose. Running the training-
    time forward pass over <START> + words gives exactly those scores at every
    position at once.

    Inputs:
    - model: a trained CaptioningRNN
    - features: one image's features, of shape (1, D)
    - words: the word indices sampled for it, of shape (T,)

    Returns:
    - probs: of shape (T, V); row t is the distribution the sampler chose
      words[t] from
    """
    p = model.params
    start = model.word_to_idx["<START>"]
    inputs = np.concatenate([[start], np.asarray(words[:-1])])[None, :]       # (1, T)
    initial_h = np.asarray(features, dtype=model.dtype) @ p["W_proj"] + p["b_proj"]  # (1, H)
    vectors, _ = word_embedding_forward(inputs, p["W_embed"])                  # (1, T, W)
    cell = rnn_forward if model.cell_type == "rnn" else lstm_forward
    states, _ = cell(vectors, initial_h, p["Wx"], p["Wh"], p["b"])              # (1, T, H)
    scores, _ = temporal_affine_forward(states, p["W_vocab"], p["b_vocab"])    # (1, T, V)
    scores = scores[0] - scores[0].max(axis=1, keepdims=True)                  # stable softmax
    probs = np.exp(scores)
    return probs / probs.sum(axis=1, keepdims=True)


def remember_the_first_symbol(cell_type, T=30, K=4, H=16, iterations=200, batch_size=64, seed=0):
    """A long dependency, measured: read K-symbol sequences of length T and
    say, at the last step, which symbol came first. The T-1 symbols after it
    are random distractors, so the answer depends on an input T-1 steps back.

    A tiny RNN or LSTM (reference rnn_/lstm_forward and _backward) with an
    affine read-out of its last hidden state, a softmax loss and Adam. The
    LSTM's forget gate starts mostly open (bias 3), as is common.

    Returns (accuracy on 1000 new sequences, loss_history); chance is 1/K.
    """
    from mml import optim
    from mml.rnn_layers import lstm_backward, rnn_backward

    rng = np.random.default_rng(seed)
    gates = 4 if cell_type == "lstm" else 1
    p = {"Wx": rng.standard_normal((K, gates * H)) / np.sqrt(K),
         "Wh": rng.standard_normal((H, gates * H)) / np.sqrt(H),
         "b": np.zeros(gates * H),
         "W_out": rng.standard_normal((H, K)) / np.sqrt(H), "b_out": np.zeros(K)}
    if cell_type == "lstm":
        p["b"][H:2 * H] = 3.0
    forward, backward = (lstm_forward, lstm_backward) if cell_type == "lstm" else (rnn_forward, rnn_backward)
    configs = {name: {"learning_rate": 1e-2} for name in p}

    def sequences(generator, n):
        symbols = generator.integers(0, K, size=(n, T))
        return np.eye(K)[symbols], symbols[:, 0]

    losses = []
    for _ in range(iterations):
        x, answer = sequences(rng, batch_size)
        h, cache = forward(x, np.zeros((batch_size, H)), p["Wx"], p["Wh"], p["b"])
        scores = h[:, -1] @ p["W_out"] + p["b_out"]
        probs = np.exp(scores - scores.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        losses.append(float(-np.log(probs[np.arange(batch_size), answer]).mean()))
        dscores = probs
        dscores[np.arange(batch_size), answer] -= 1
        dscores /= batch_size
        grads = {"W_out": h[:, -1].T @ dscores, "b_out": dscores.sum(axis=0)}
        dh = np.zeros_like(h)
        dh[:, -1] = dscores @ p["W_out"].T
        _, _, grads["Wx"], grads["Wh"], grads["b"] = backward(dh, cache)
        for name in p:
            p[name], configs[name] = optim.adam(p[name], grads[name], configs[name])
    x, answer = sequences(np.random.default_rng(seed + 1000), 1000)
    h, _ = forward(x, np.zeros((1000, H)), p["Wx"], p["Wh"], p["b"])
    accuracy = float(((h[:, -1] @ p["W_out"] + p["b_out"]).argmax(axis=1) == answer).mean())
    return accuracy, losses


def nearest_caption_baseline(data, image_idxs, split="val"):
    """Retrieval, the baseline a trained model must beat: for each image of
    split, the first caption of the training image whose feature vector is
    nearest (Euclidean distance). It can only repeat a caption it has seen.

    Inputs:
    - data: dict from load_coco_data
    - image_idxs: rows of data[split + '_features'] to caption, shape (M,)

    Returns a list of M caption strings.
    """
    from mml.coco_utils import decode_captions

    train = data["train_features"].astype(np.float64)
    query = data[f"{split}_features"][image_idxs].astype(np.float64)
    distances = (query ** 2).sum(1)[:, None] - 2 * query @ train.T + (train ** 2).sum(1)[None, :]
    nearest = distances.argmin(axis=1)
    first_caption = {}
    for row, owner in enumerate(data["train_image_idxs"]):
        first_caption.setdefault(int(owner), row)
    rows = [first_caption[int(i)] for i in nearest]
    return decode_captions(data["train_captions"][rows, 1:], data["idx_to_word"])


def held_out_pairs_named(caption):
    """The held-out colour-shape pairs of the embedded dataset (pairs that
    only val images show) that a caption names, as a set of (colour, shape):
    a colour word directly followed by one of the shape's names."""
    from mml.datasets.shapes import HELD_OUT_PAIRS, SHAPE_WORDS

    words = caption.split()
    return {(colour, shape) for first, second in zip(words, words[1:]) for colour, shape in HELD_OUT_PAIRS
            if first == colour and any(second in names for names in SHAPE_WORDS[shape])}


def held_out_pair_rate(captions, references):
    """The fraction of images whose caption names a held-out colour-shape pair
    that its reference captions name (references: one list of strings per image)."""
    named = [bool(held_out_pairs_named(c) & set().union(*map(held_out_pairs_named, refs)))
             for c, refs in zip(captions, references)]
    return sum(named) / max(len(named), 1)

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
    wordvec_dim: int = 128       # W: size of a word vector (the assignment: 256)
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

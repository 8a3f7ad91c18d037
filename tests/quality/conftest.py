"""Small models for the decoding tests: random ones with peaked word
distributions, and ones trained for a few seconds on a synthetic dataset."""
from types import SimpleNamespace

import numpy as np
import pytest

from mml.captioning_solver import CaptioningSolver
from mml.classifiers.rnn import CaptioningRNN

WORDS = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "red", "blue", "circle", "square", "left", "right"]
WORD_TO_IDX = {w: i for i, w in enumerate(WORDS)}
FEATURE_DIM = 12


def make_random_model(cell_type, seed, dtype=np.float64, scale=3.0):
    """An untrained CaptioningRNN; scale > 1 sharpens its word distributions
    so that greedy, beam and sampling really disagree."""
    np.random.seed(seed)
    model = CaptioningRNN(WORD_TO_IDX, input_dim=FEATURE_DIM, wordvec_dim=8, hidden_dim=16,
                          cell_type=cell_type, dtype=dtype)
    for name, value in model.params.items():
        model.params[name] = (value * scale + (np.random.randn(*value.shape) if name.startswith("b") else 0)
                              ).astype(dtype)
    return model


def make_features(n, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal((n, FEATURE_DIM)).astype(dtype)


def synthetic_data(num_images=30, seed=0):
    """A dataset dict in the format of load_coco_data: each image has a colour
    and a shape encoded in its features and two captions naming them."""
    rng = np.random.default_rng(seed)
    colour = rng.integers(2, size=num_images)
    shape = rng.integers(2, size=num_images)
    features = 0.3 * rng.standard_normal((num_images, FEATURE_DIM))
    features[np.arange(num_images), colour] += 2.0
    features[np.arange(num_images), 2 + shape] += 2.0
    captions, owners = [], []
    for i in range(num_images):
        c, s = ["red", "blue"][colour[i]], ["circle", "square"][shape[i]]
        side = ["left", "right"][i % 2]
        for words in (["a", c, s], ["a", c, s, side]):
            row = [WORD_TO_IDX[w] for w in ["<START>", *words, "<END>"]]
            captions.append(row + [0] * (7 - len(row)))
            owners.append(i)
    captions, owners = np.array(captions), np.array(owners)
    return {
        "train_captions": captions, "train_image_idxs": owners, "train_features": features,
        "val_captions": captions, "val_image_idxs": owners, "val_features": features,
        "train_urls": np.array([f"img{i}.png" for i in range(num_images)]),
        "val_urls": np.array([f"img{i}.png" for i in range(num_images)]),
        "idx_to_word": list(WORDS), "word_to_idx": dict(WORD_TO_IDX),
    }


@pytest.fixture(scope="session")
def kit():
    """The helpers above, for the test modules (which cannot import conftest
    under --import-mode=importlib)."""
    return SimpleNamespace(word_to_idx=WORD_TO_IDX, feature_dim=FEATURE_DIM,
                           random_model=make_random_model, features=make_features,
                           synthetic_data=synthetic_data)


@pytest.fixture(scope="session")
def data():
    return synthetic_data()


@pytest.fixture(scope="session", params=["rnn", "lstm"])
def trained_model(request, data):
    """A CaptioningRNN of each cell type trained for a second on the synthetic data."""
    np.random.seed(1)
    model = CaptioningRNN(WORD_TO_IDX, input_dim=FEATURE_DIM, wordvec_dim=16, hidden_dim=32,
                          cell_type=request.param, dtype=np.float64)
    solver = CaptioningSolver(model, data, update_rule="adam", num_epochs=40, batch_size=20,
                              optim_config={"learning_rate": 1e-2}, verbose=False)
    solver.train()
    return model

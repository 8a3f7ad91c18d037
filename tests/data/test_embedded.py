"""The embedded dataset itself: the shapes load_coco_data documents, found
with no arguments, and worth training on (the original's overfit checks)."""
import numpy as np
import pytest

from mml import datasets
from mml.captioning_solver import CaptioningSolver
from mml.classifiers.rnn import CaptioningRNN
from mml.coco_utils import find_data_dir, load_coco_data
from mml.datasets.shapes import HELD_OUT_PAIRS, NUM_TRAIN, NUM_VAL, SHAPE_WORDS

pytestmark = pytest.mark.xdist_group(name="embedded_dataset")


@pytest.fixture(scope="module")
def embedded():
    return datasets.ensure_embedded()


def test_load_coco_data_without_arguments_finds_the_embedded_dataset(embedded, monkeypatch, tmp_path, capsys):
    monkeypatch.delenv(datasets.ENV_DATA_DIR, raising=False)
    monkeypatch.setattr(datasets, "coco_dir", lambda: tmp_path / "no_coco_here")
    if embedded != datasets.shared_root() / datasets.EMBEDDED_NAME:
        monkeypatch.setenv(datasets.ENV_DATA_ROOT, str(tmp_path / "no_shared_folder"))
    assert find_data_dir() == (embedded, "embedded offline dataset")
    data = load_coco_data()
    assert f"embedded offline dataset from {embedded}" in capsys.readouterr().out
    shapes = {k: (v.shape, v.dtype.kind, v.dtype.itemsize) for k, v in data.items() if isinstance(v, np.ndarray)}
    urls = shapes.pop("train_urls"), shapes.pop("val_urls")
    assert shapes == {
        "train_captions": ((5 * NUM_TRAIN, 17), "i", 4), "train_image_idxs": ((5 * NUM_TRAIN,), "i", 4),
        "val_captions": ((5 * NUM_VAL, 17), "i", 4), "val_image_idxs": ((5 * NUM_VAL,), "i", 4),
        "train_features": ((NUM_TRAIN, 512), "f", 4), "val_features": ((NUM_VAL, 512), "f", 4),
    }
    assert [(shape, kind) for shape, kind, _ in urls] == [((NUM_TRAIN,), "U"), ((NUM_VAL,), "U")]
    assert 60 <= len(data["idx_to_word"]) <= 120
    assert data["train_urls"][0] == str(embedded / "images/train/00000.png")


def test_fc7_features_are_4096_wide(embedded):
    data = load_coco_data(base_dir=embedded, pca_features=False)
    assert data["train_features"].shape == (NUM_TRAIN, 4096) and data["train_features"].dtype == np.float32


def test_val_words_are_all_in_the_train_vocabulary_but_val_pairs_are_new(embedded):
    data = load_coco_data(base_dir=embedded)
    assert not (data["val_captions"] == data["word_to_idx"]["<UNK>"]).any()
    words = data["idx_to_word"]
    train_text = {" ".join(words[i] for i in row if i > 2) for row in data["train_captions"]}
    for colour, shape in HELD_OUT_PAIRS:
        for noun, _plural in SHAPE_WORDS[shape]:
            assert not any(f"{colour} {noun}" in text for text in train_text)


def overfit(cell, lr_decay):
    """The original notebook's overfit run; returns the final training loss."""
    np.random.seed(231)
    data = load_coco_data(max_train=50)
    model = CaptioningRNN(data["word_to_idx"], input_dim=data["train_features"].shape[1],
                          wordvec_dim=256, hidden_dim=512, cell_type=cell)
    solver = CaptioningSolver(model, data, update_rule="adam", num_epochs=50, batch_size=25,
                              optim_config={"learning_rate": 5e-3}, lr_decay=lr_decay, verbose=False)
    solver.train()
    return solver.loss_history[-1]


@pytest.fixture
def only_embedded(embedded, monkeypatch, tmp_path):
    monkeypatch.delenv(datasets.ENV_DATA_DIR, raising=False)
    monkeypatch.setattr(datasets, "coco_dir", lambda: tmp_path / "no_coco_here")
    if embedded != datasets.shared_root() / datasets.EMBEDDED_NAME:
        monkeypatch.setenv(datasets.ENV_DATA_ROOT, str(tmp_path / "no_shared_folder"))


def test_rnn_overfits_50_captions(only_embedded):
    assert overfit("rnn", lr_decay=0.95) < 0.1


def test_lstm_overfits_50_captions(only_embedded):
    assert overfit("lstm", lr_decay=0.995) < 0.5

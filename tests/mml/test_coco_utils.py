"""load_coco_data, sample_coco_minibatch and decode_captions on small files
the tests write, including every kind of bad dataset folder."""
import json

import h5py
import numpy as np
import pytest

from mml import datasets
from mml.coco_utils import CocoDataError, decode_captions, load_coco_data, sample_coco_minibatch


def test_loads_every_key_with_the_documented_shapes(tiny_coco, capsys):
    data = load_coco_data(tiny_coco)
    assert f"Loaded base_dir from {tiny_coco}" in capsys.readouterr().out
    assert data["train_captions"].shape == (12, 17)
    assert data["val_captions"].shape == (8, 17)
    assert data["train_image_idxs"].shape == (12,)
    assert data["train_features"].shape == (6, 8) and data["train_features"].dtype == np.float32
    assert data["val_features"].shape == (4, 8)
    assert data["idx_to_word"][:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    assert data["word_to_idx"]["square"] == 8
    # Relative image paths are resolved against the dataset folder.
    assert data["train_urls"][2] == str(tiny_coco / "images" / "train_2.png")
    assert load_coco_data(tiny_coco, pca_features=False)["train_features"].shape == (6, 32)


def test_environment_variable_is_used(tiny_coco, monkeypatch, capsys):
    monkeypatch.setenv(datasets.ENV_DATA_DIR, str(tiny_coco))
    data = load_coco_data()
    assert data["val_features"].shape == (4, 8)
    assert f"from {tiny_coco}" in capsys.readouterr().out


def test_max_train_subsamples_captions_with_the_global_seed(tiny_coco):
    np.random.seed(231)
    a = load_coco_data(tiny_coco, max_train=5)
    np.random.seed(231)
    b = load_coco_data(tiny_coco, max_train=5)
    assert a["train_captions"].shape == (5, 17)
    np.testing.assert_array_equal(a["train_image_idxs"], b["train_image_idxs"])
    full = load_coco_data(tiny_coco)
    np.random.seed(231)
    rows = np.random.randint(12, size=5)
    np.testing.assert_array_equal(a["train_captions"], full["train_captions"][rows])


def test_sample_coco_minibatch_pairs_captions_with_their_images(tiny_coco):
    data = load_coco_data(tiny_coco)
    np.random.seed(0)
    captions, features, urls = sample_coco_minibatch(data, batch_size=7, split="val")
    assert captions.shape == (7, 17) and features.shape == (7, 8) and urls.shape == (7,)
    for caption, feature, url in zip(captions, features, urls):
        image = int(url.rsplit("_", 1)[1].split(".")[0])
        np.testing.assert_array_equal(feature, data["val_features"][image])
        assert caption[2] == 5 + image % 2           # the colour written for that image
    with pytest.raises(ValueError, match="split must be 'train' or 'val', got 'test'"):
        sample_coco_minibatch(data, split="test")


def test_decode_captions_one_and_two_dimensional():
    idx_to_word = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "cat"]
    assert decode_captions(np.array([1, 4, 5, 2, 0]), idx_to_word) == "<START> a cat"
    assert decode_captions(np.array([[4, 0, 5, 2, 4], [5, 5, 0, 0, 0]]), idx_to_word) == ["a cat", "cat cat"]
    with pytest.raises(ValueError, match="word index 6 is outside the vocabulary of 6 words"):
        decode_captions(np.array([4, 6]), idx_to_word)
    with pytest.raises(ValueError, match="integer word indices"):
        decode_captions(np.array([0.5]), idx_to_word)


def one_line_error(folder, match):
    with pytest.raises(CocoDataError, match=match) as err:
        load_coco_data(folder)
    message = str(err.value)
    assert "\n" not in message and "fix:" in message
    return message


def test_missing_folder(tmp_path):
    message = one_line_error(tmp_path / "nowhere", "no such dataset folder")
    assert str(tmp_path / "nowhere") in message


def test_missing_file(tiny_coco):
    (tiny_coco / "val2014_vgg16_fc7_pca.h5").unlink()
    one_line_error(tiny_coco, r"val2014_vgg16_fc7_pca\.h5: file not found")


def test_truncated_hdf5_file(tiny_coco):
    path = tiny_coco / "coco2014_captions.h5"
    path.write_bytes(path.read_bytes()[:300])
    one_line_error(tiny_coco, r"coco2014_captions\.h5: cannot be read as HDF5")


def test_missing_key(tiny_coco):
    with h5py.File(tiny_coco / "coco2014_captions.h5", "a") as f:
        del f["val_image_idxs"]
    one_line_error(tiny_coco, r"coco2014_captions\.h5: no dataset val_image_idxs")


def test_wrong_shape(tiny_coco):
    with h5py.File(tiny_coco / "coco2014_captions.h5", "a") as f:
        del f["train_image_idxs"]
        f["train_image_idxs"] = np.zeros(5, dtype=np.int32)
    one_line_error(tiny_coco, r"train_image_idxs has shape \(5,\), expected \(12,\)")


def test_vocabulary_that_does_not_match_the_captions(tiny_coco):
    vocab = json.loads((tiny_coco / "coco2014_vocab.json").read_text())
    vocab["idx_to_word"] = vocab["idx_to_word"][:6]
    vocab["word_to_idx"] = {w: i for i, w in enumerate(vocab["idx_to_word"])}
    (tiny_coco / "coco2014_vocab.json").write_text(json.dumps(vocab))
    one_line_error(tiny_coco, r"train_captions hold word ids up to 8 but the vocabulary .* has 6 words")


def test_inconsistent_vocabulary_and_corrupt_json(tiny_coco):
    path = tiny_coco / "coco2014_vocab.json"
    vocab = json.loads(path.read_text())
    vocab["word_to_idx"]["red"] = 6
    path.write_text(json.dumps(vocab))
    one_line_error(tiny_coco, "idx_to_word and word_to_idx do not describe the same vocabulary")
    path.write_text("{not json")
    one_line_error(tiny_coco, r"coco2014_vocab\.json: not a vocabulary")


def test_image_indices_past_the_features(tiny_coco):
    with h5py.File(tiny_coco / "val2014_vgg16_fc7_pca.h5", "a") as f:
        del f["features"]
        f["features"] = np.zeros((2, 8), dtype=np.float32)
    one_line_error(tiny_coco, r"val_image_idxs point past the 2 rows of the val features")


def test_urls_that_do_not_match_the_images(tiny_coco):
    (tiny_coco / "train2014_urls.txt").write_text("a.png\n")
    one_line_error(tiny_coco, r"1 URLs for 6 train images")


def test_wrong_dtypes(tiny_coco):
    with h5py.File(tiny_coco / "coco2014_captions.h5", "a") as f:
        idxs = f["val_image_idxs"][()]
        del f["val_image_idxs"]
        f["val_image_idxs"] = idxs.astype(np.float32)
    one_line_error(tiny_coco, r"val_image_idxs must be integers, got float32")


def test_features_that_are_not_floats_name_their_file(tiny_coco):
    with h5py.File(tiny_coco / "train2014_vgg16_fc7_pca.h5", "a") as f:
        del f["features"]
        f["features"] = np.zeros((6, 8), dtype=np.int64)
    one_line_error(tiny_coco, r"train2014_vgg16_fc7_pca\.h5: features must be a 2-D float array, got int64")

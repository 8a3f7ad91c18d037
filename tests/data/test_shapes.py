"""The embedded dataset's builder: format, captions, held-out pairs,
determinism and atomic writes (on a small build of the same code)."""
import json

import h5py
import numpy as np
import pytest

from mml.coco_utils import decode_captions, load_coco_data
from mml.datasets import features, is_complete, shapes
from mml.image_utils import image_from_url

SMALL_TRAIN, SMALL_VAL = 120, 30      # as tests/data/conftest.py builds it


def read_h5(path):
    with h5py.File(path, "r") as f:
        return {k: f[k][()] for k in f}


def test_files_have_the_coco_format(small_dataset):
    captions = read_h5(small_dataset / "coco2014_captions.h5")
    for split, n in (("train", SMALL_TRAIN), ("val", SMALL_VAL)):
        assert captions[f"{split}_captions"].shape == (5 * n, 17)
        assert captions[f"{split}_captions"].dtype == np.int32
        assert captions[f"{split}_image_idxs"].dtype == np.int32
        np.testing.assert_array_equal(captions[f"{split}_image_idxs"], np.repeat(np.arange(n), 5))
        fc7 = read_h5(small_dataset / f"{split}2014_vgg16_fc7.h5")["features"]
        pca = read_h5(small_dataset / f"{split}2014_vgg16_fc7_pca.h5")["features"]
        assert fc7.shape == (n, 4096) and fc7.dtype == np.float32 and fc7.min() >= 0
        assert pca.shape == (n, 512) and pca.dtype == np.float32
    vocab = json.loads((small_dataset / "coco2014_vocab.json").read_text())
    assert vocab["idx_to_word"][:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    assert all(vocab["word_to_idx"][w] == i for i, w in enumerate(vocab["idx_to_word"]))


@pytest.mark.parametrize("split", ["train", "val"])
def test_caption_rows_are_start_words_end_then_padding(small_dataset, split):
    rows = read_h5(small_dataset / "coco2014_captions.h5")[f"{split}_captions"]
    assert (rows[:, 0] == 1).all()                                  # <START>
    ends = (rows == 2).argmax(axis=1)
    assert ((rows == 2).sum(axis=1) == 1).all() and (ends >= 2).all()
    position = np.arange(17)[None, :]
    assert (rows[position > ends[:, None]] == 0).all()              # <NULL> after <END>
    words = rows[(position > 0) & (position < ends[:, None])]
    assert (words > 3).all()                                        # no special word, no <UNK>, in val too


def test_five_different_captions_per_image(small_dataset):
    data = load_coco_data(base_dir=small_dataset)
    texts = decode_captions(data["train_captions"][:, 1:], data["idx_to_word"])
    for i in range(SMALL_TRAIN):
        assert len(set(texts[5 * i: 5 * i + 5])) == 5


def test_urls_are_relative_in_the_file_and_show_the_images(small_dataset):
    lines = (small_dataset / "val2014_urls.txt").read_text().splitlines()
    assert lines[0] == "images/val/00000.png" and len(lines) == SMALL_VAL
    data = load_coco_data(base_dir=small_dataset)
    image = image_from_url(data["val_urls"][3])
    assert image.shape == (96, 96, 3) and image.dtype == np.uint8
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 1          # not a blank canvas


def test_a_second_build_has_the_same_bytes(small_dataset, tmp_path):
    again = shapes.build(tmp_path / "again", num_train=SMALL_TRAIN, num_val=SMALL_VAL)
    assert shapes.digest(again) == shapes.digest(small_dataset)
    other_seed = shapes.build(tmp_path / "other", num_train=SMALL_TRAIN, num_val=SMALL_VAL, seed=1)
    assert shapes.digest(other_seed) != shapes.digest(small_dataset)


def test_train_never_shows_a_held_out_pair_and_val_always_does():
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(3000):
        pairs = {(o["colour"], o["shape"]) for o in shapes._sample_scene(rng, "train")["objects"]}
        assert not pairs & shapes.HELD_OUT_PAIRS
        seen |= pairs
    assert len(seen) == len(shapes.COLOURS) * len(shapes.SHAPES) - len(shapes.HELD_OUT_PAIRS)
    for _ in range(500):
        pairs = {(o["colour"], o["shape"]) for o in shapes._sample_scene(rng, "val")["objects"]}
        assert pairs & shapes.HELD_OUT_PAIRS


def test_captions_name_what_the_scene_shows():
    rng = np.random.default_rng(1)
    kinds = set()
    for _ in range(2000):
        scene = shapes._sample_scene(rng, "train")
        kinds.add(scene["kind"])
        captions = shapes.captions_for(scene, rng)
        assert len(set(captions)) == 5 and max(len(c.split()) for c in captions) <= shapes.MAX_WORDS
        for caption in captions:
            for obj in scene["objects"]:
                assert obj["colour"] in caption.split()
        if scene["kind"] == "count":
            assert all(shapes.NUMBER_WORDS[len(scene["objects"])] in c.split() or c.startswith("some ")
                       for c in captions)
    assert kinds == {"single", "count", "pair"}


def test_objects_stay_inside_the_image_and_do_not_touch():
    rng = np.random.default_rng(2)
    for _ in range(2000):
        scene = shapes._sample_scene(rng, "val")
        for obj in scene["objects"]:
            assert obj["r"] <= obj["x"] <= 96 - obj["r"] and obj["r"] <= obj["y"] <= 96 - obj["r"]
        if scene["kind"] == "pair":
            a, b = scene["objects"]
            axis = "x" if scene["relation"] in ("left", "right") else "y"
            first, second = (a, b) if scene["relation"] in ("left", "above") else (b, a)
            assert second[axis] - first[axis] >= 40


def test_interrupted_build_leaves_nothing_the_loader_accepts(small_dataset, tmp_path, monkeypatch):
    def interrupted(images):
        raise KeyboardInterrupt
    monkeypatch.setattr(features, "fc7_features", interrupted)
    with pytest.raises(KeyboardInterrupt):
        shapes.build(tmp_path / "new", num_train=10, num_val=5)
    assert not (tmp_path / "new").exists()
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == []

    # A forced rebuild that is interrupted keeps the old dataset intact.
    old = tmp_path / "old"
    monkeypatch.undo()
    shapes.build(old, num_train=10, num_val=5)
    before = shapes.digest(old)
    monkeypatch.setattr(features, "fc7_features", interrupted)
    with pytest.raises(KeyboardInterrupt):
        shapes.build(old, num_train=10, num_val=5, force=True)
    assert is_complete(old) and shapes.digest(old) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["old"]


def _scene_image(objects):
    return np.asarray(shapes.render({"objects": objects}, np.random.default_rng(0)))[None]


def test_features_see_colour_position_and_shape():
    def obj(colour="red", shape="square", x=20, y=20, r=12):
        return {"colour": colour, "shape": shape, "x": x, "y": y, "r": r}
    pooled = lambda *objects: features.pooled_features(_scene_image(objects)).reshape(7, 6, 6, 6)
    red, blue = pooled(obj()), pooled(obj(colour="blue"))
    assert red[0, :, 0, 0].argmax() == 0 and blue[0, :, 0, 0].argmax() == 4   # hue units 0 deg, 240 deg
    assert red[0, :, 5, 5].max() == 0                                          # nothing bottom right
    right = pooled(obj(x=76, y=76))
    assert right[0, 0, 5, 5] > 0 and right[0, 0, 0, 0] == 0
    # Edge energy (pooled values squared back) by orientation 0, 30, ..., 150 degrees:
    # a square's edges are at 0 and 90 (rows 1 and 4), a diamond's at 45 and 135,
    # a circle's everywhere.
    def orientation_share(shape):
        energy = (pooled(obj(shape=shape, x=48, y=48, r=16))[1:, 0] ** 2).sum(axis=(1, 2))
        return energy / energy.sum()
    square, diamond, circle = (orientation_share(s) for s in ("square", "diamond", "circle"))
    assert square[[0, 3]].sum() > 0.6 and diamond[[0, 3]].sum() < 0.1
    assert circle.max() < 1.2 * circle.min()


def test_pca_is_fitted_on_train_and_scaled():
    rng = np.random.default_rng(3)
    train = np.maximum(rng.standard_normal((700, 4096)) @ np.diag(np.linspace(2, 0.1, 4096)), 0).astype(np.float32)
    pca = features.PCA.fit(train)
    z = pca.transform(train).astype(np.float64)
    assert z.shape == (700, 512)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=2e-3)
    assert abs((z ** 2).mean() - 1) < 1e-3
    np.testing.assert_allclose(pca.components.T @ pca.components, np.eye(512), atol=1e-8)
    variances = z.var(axis=0)
    assert (np.diff(variances[:50]) <= 1e-3).all()                   # sorted by variance
    assert np.all(z * 1024 == np.round(z * 1024))                    # quantised to 2**-10

"""Bad dataset folders: each gives one line naming the file and the command
that fixes it (mml.coco_utils.load_coco_data with mml.datasets.fix_hint)."""
import json

import h5py
import pytest

from mml import datasets
from mml.coco_utils import CocoDataError, load_coco_data


def load_error(folder):
    """The one-line message load_coco_data raises for folder."""
    with pytest.raises(CocoDataError) as err:
        load_coco_data(base_dir=folder)
    message = str(err.value)
    assert "\n" not in message
    assert "fix: " in message
    return message


def rewrite_h5(path, change):
    """Rewrite an HDF5 file with change(dict of arrays) applied."""
    with h5py.File(path, "r") as f:
        arrays = {k: f[k][()] for k in f}
    change(arrays)
    path.unlink()
    with h5py.File(path, "w") as f:
        for k, v in arrays.items():
            f.create_dataset(k, data=v)


def test_missing_folder(tmp_path):
    message = load_error(tmp_path / "nowhere")
    assert message.startswith(f"{tmp_path / 'nowhere'}: no such dataset folder")


@pytest.mark.parametrize("name", datasets.EXPECTED_FILES)
def test_missing_file(broken_copy, name):
    (broken_copy / name).unlink()
    # The 4096-d files are read (and so missed) only with pca_features=False.
    pca_features = not name.endswith("fc7.h5")
    with pytest.raises(CocoDataError) as err:
        load_coco_data(base_dir=broken_copy, pca_features=pca_features)
    message = str(err.value)
    assert message.startswith(f"{broken_copy / name}: file not found; fix: ") and "\n" not in message


@pytest.mark.parametrize("name", ["coco2014_captions.h5", "train2014_vgg16_fc7_pca.h5"])
def test_truncated_hdf5_file(broken_copy, name):
    path = broken_copy / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert f"{name}: cannot be read as HDF5" in load_error(broken_copy)


def test_truncated_vocabulary(broken_copy):
    path = broken_copy / "coco2014_vocab.json"
    path.write_text(path.read_text()[:100])
    assert "coco2014_vocab.json: not a vocabulary" in load_error(broken_copy)


def test_wrong_key(broken_copy):
    rewrite_h5(broken_copy / "coco2014_captions.h5", lambda a: a.update(val_idxs=a.pop("val_image_idxs")))
    assert "coco2014_captions.h5: no dataset val_image_idxs" in load_error(broken_copy)


def test_image_idxs_of_the_wrong_length(broken_copy):
    rewrite_h5(broken_copy / "coco2014_captions.h5", lambda a: a.update(train_image_idxs=a["train_image_idxs"][:-1]))
    assert "train_image_idxs has shape" in load_error(broken_copy)


def test_image_idxs_past_the_features(broken_copy):
    rewrite_h5(broken_copy / "val2014_vgg16_fc7_pca.h5", lambda a: a.update(features=a["features"][:10]))
    message = load_error(broken_copy)
    assert "coco2014_captions.h5: val_image_idxs point past the 10 rows" in message


def test_features_of_the_wrong_shape(broken_copy):
    rewrite_h5(broken_copy / "train2014_vgg16_fc7_pca.h5", lambda a: a.update(features=a["features"].ravel()))
    assert "train2014_vgg16_fc7_pca.h5: features must be a 2-D float array" in load_error(broken_copy)


def test_urls_not_matching_the_images(broken_copy):
    path = broken_copy / "val2014_urls.txt"
    path.write_text("\n".join(path.read_text().splitlines()[:-3]))
    assert "val2014_urls.txt: 27 URLs for 30 val images" in load_error(broken_copy)


def test_vocabulary_that_does_not_match_the_captions(broken_copy):
    path = broken_copy / "coco2014_vocab.json"
    vocab = json.loads(path.read_text())
    vocab["idx_to_word"] = vocab["idx_to_word"][:20]
    vocab["word_to_idx"] = {w: i for i, w in enumerate(vocab["idx_to_word"])}
    path.write_text(json.dumps(vocab))
    assert "do not belong together" in load_error(broken_copy)


def test_vocabulary_with_special_words_moved(broken_copy):
    path = broken_copy / "coco2014_vocab.json"
    vocab = json.loads(path.read_text())
    words = vocab["idx_to_word"]
    words[1], words[2] = words[2], words[1]
    vocab["word_to_idx"] = {w: i for i, w in enumerate(words)}
    path.write_text(json.dumps(vocab))
    assert "coco2014_vocab.json: <START> must have index 1" in load_error(broken_copy)


def test_each_located_folder_names_its_repair_command(monkeypatch, broken_copy):
    monkeypatch.setenv("XDG_CACHE_HOME", str(broken_copy.parent / "cache"))
    monkeypatch.setenv(datasets.ENV_DATA_ROOT, str(broken_copy.parent / "shared"))
    (broken_copy / "coco2014_captions.h5").unlink()
    for folder, fix in ((datasets.embedded_dir(), "fix: python -m mml.datasets build --force"),
                        (datasets.coco_dir(), "fix: python -m mml.datasets download coco"),
                        (broken_copy.parent / "shared" / "shapes_captioning",
                         f"fix: python -m mml.datasets build --into "
                         f"{broken_copy.parent / 'shared'} --force (as the course administrator)")):
        folder.parent.mkdir(parents=True, exist_ok=True)
        broken_copy.rename(folder)
        assert load_error(folder).endswith(fix)
        folder.rename(broken_copy)

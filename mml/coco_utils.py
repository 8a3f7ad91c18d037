"""Loading captioning data in the classic COCO 2014 file format.

A dataset folder holds the files that mml.datasets.coco_format lists:
captions and image indices (coco2014_captions.h5), fc7 and PCA features per
split, the vocabulary (coco2014_vocab.json) and one image URL a line per split.
Caption row i describes image train_image_idxs[i], i.e. row train_image_idxs[i]
of the features and line train_image_idxs[i] of the URLs.
Special words: <NULL>=0 (padding), <START>=1, <END>=2, <UNK>=3.

数据格式与经典 COCO 2014 图像描述数据相同；load_coco_data 依次在 base_dir、
环境变量 MML_COCO_DIR、用户缓存中下载的真实 COCO 数据、课程共享数据文件夹、
用户缓存（~/.cache/mml）中的内置离线数据集中寻找数据（见 find_data_dir）。
"""
import json
import os
from pathlib import Path

import h5py
import numpy as np

from mml import datasets
from mml.datasets.coco_format import CAPTIONS_FILE, SPECIAL_WORDS, VOCAB_FILE, feature_file, urls_file

__all__ = ["load_coco_data", "sample_coco_minibatch", "decode_captions", "CocoDataError"]


class CocoDataError(ValueError):
    """A dataset folder that is missing, incomplete or inconsistent."""


def find_data_dir(base_dir=None, build=True):
    """The folder load_coco_data reads, and its kind, in this order: base_dir;
    $MML_COCO_DIR; the real COCO download in the per-user cache; the
    course-wide folder a hub administrator builds ($MML_DATA_ROOT, else
    /srv/mml/data); the embedded dataset in the per-user cache
    (~/.cache/mml, or $XDG_CACHE_HOME/mml), built there now if it is missing
    and build is True (else mml.datasets.NoDataError). Never inside mml/ or
    an assignment folder. See mml.datasets."""
    return datasets.locate(base_dir, build=build)


def _fail(path, what, fix):
    raise CocoDataError(f"{path}: {what}; {fix}")


def _read_h5(path, keys, fix):
    """Read whole datasets from an HDF5 file, with one-line errors."""
    if not path.is_file():
        _fail(path, "file not found", fix)
    try:
        with h5py.File(path, "r") as f:
            missing = [k for k in keys if k not in f]
            if missing:
                _fail(path, f"no dataset {', '.join(missing)} (has {', '.join(f.keys()) or 'nothing'})", fix)
            return {k: f[k][()] for k in keys}
    except CocoDataError:
        raise
    except Exception as err:  # truncated or not HDF5 at all
        _fail(path, f"cannot be read as HDF5 ({str(err).splitlines()[0]})", fix)


def _resolve_url(url, folder):
    """URLs are kept as they are; a relative path (the embedded dataset's
    images) is made absolute against the dataset folder."""
    if "://" in url or os.path.isabs(url):
        return url
    return str(folder / url)


def load_coco_data(base_dir=None, max_train=None, pca_features=True):
    """Load captions, image features, URLs and the vocabulary into one dict.

    Inputs:
    - base_dir: dataset folder; None finds one (see find_data_dir)
    - max_train: if given, keep this many training captions, drawn at random
      (with replacement, from np.random) as in the classic course
    - pca_features: 512-d PCA features if True, else the 4096-d fc7 features

    Returns a dict with train_captions, train_image_idxs, val_captions,
    val_image_idxs, train_features, val_features, idx_to_word, word_to_idx,
    train_urls and val_urls.
    """
    folder, name = find_data_dir(base_dir)
    fix = datasets.fix_hint(folder)
    if not folder.is_dir():
        _fail(folder, "no such dataset folder", fix)

    data = _read_h5(folder / CAPTIONS_FILE,
                    ["train_captions", "train_image_idxs", "val_captions", "val_image_idxs"], fix)
    for split in ("train", "val"):
        data[f"{split}_features"] = _read_h5(
            folder / feature_file(split, pca_features), ["features"], fix)["features"]

    vocab_path = folder / VOCAB_FILE
    try:
        vocab = json.loads(vocab_path.read_text(encoding="utf-8"))
        data["idx_to_word"] = list(vocab["idx_to_word"])
        data["word_to_idx"] = dict(vocab["word_to_idx"])
    except FileNotFoundError:
        _fail(vocab_path, "file not found", fix)
    except (ValueError, KeyError, TypeError) as err:
        _fail(vocab_path, f"not a vocabulary with idx_to_word and word_to_idx ({err})", fix)

    for split in ("train", "val"):
        url_path = folder / urls_file(split)
        if not url_path.is_file():
            _fail(url_path, "file not found", fix)
        lines = url_path.read_text(encoding="utf-8").splitlines()
        data[f"{split}_urls"] = np.asarray(
            [_resolve_url(line.strip(), folder) for line in lines if line.strip()])

    _validate(data, folder, pca_features, fix)

    if max_train is not None:
        num_train = data["train_captions"].shape[0]
        mask = np.random.randint(num_train, size=max_train)
        data["train_captions"] = data["train_captions"][mask]
        data["train_image_idxs"] = data["train_image_idxs"][mask]

    print(f"Loaded {name} from {folder} / 已加载数据集")
    return data


def _validate(data, folder, pca_features, fix):
    """Shapes, dtypes and cross-file consistency, each failure one line."""
    idx_to_word, word_to_idx = data["idx_to_word"], data["word_to_idx"]
    vocab_path = folder / VOCAB_FILE
    if len(idx_to_word) != len(word_to_idx) or any(
            word_to_idx.get(w) != i for i, w in enumerate(idx_to_word)):
        _fail(vocab_path, "idx_to_word and word_to_idx do not describe the same vocabulary", fix)
    for word, idx in SPECIAL_WORDS.items():
        if word_to_idx.get(word) != idx:
            _fail(vocab_path, f"{word} must have index {idx}", fix)

    V = len(idx_to_word)
    for split in ("train", "val"):
        captions = data[f"{split}_captions"]
        image_idxs = data[f"{split}_image_idxs"]
        features = data[f"{split}_features"]
        urls = data[f"{split}_urls"]
        cap_path = folder / CAPTIONS_FILE
        if captions.ndim != 2 or not np.issubdtype(captions.dtype, np.integer):
            _fail(cap_path, f"{split}_captions must be a 2-D integer array, got {captions.shape} {captions.dtype}", fix)
        if image_idxs.shape != (captions.shape[0],):
            _fail(cap_path, f"{split}_image_idxs has shape {image_idxs.shape}, expected ({captions.shape[0]},)", fix)
        if not np.issubdtype(image_idxs.dtype, np.integer):
            _fail(cap_path, f"{split}_image_idxs must be integers, got {image_idxs.dtype}", fix)
        if captions.size and (captions.min() < 0 or captions.max() >= V):
            _fail(cap_path, f"{split}_captions hold word ids up to {captions.max()} but the vocabulary in "
                            f"{VOCAB_FILE} has {V} words; the two files do not belong together", fix)
        feature_path = folder / feature_file(split, pca_features)
        if features.ndim != 2 or not np.issubdtype(features.dtype, np.floating):
            _fail(feature_path, f"features must be a 2-D float array, got {features.dtype} of shape {features.shape}", fix)
        if image_idxs.size and (image_idxs.min() < 0 or image_idxs.max() >= features.shape[0]):
            _fail(cap_path, f"{split}_image_idxs point past the {features.shape[0]} rows of the {split} features", fix)
        if len(urls) != features.shape[0]:
            _fail(folder / urls_file(split),
                  f"{len(urls)} URLs for {features.shape[0]} {split} images", fix)
    if data["train_features"].shape[1] != data["val_features"].shape[1]:
        _fail(folder, f"train and val features have different widths "
                      f"({data['train_features'].shape[1]} and {data['val_features'].shape[1]})", fix)


def decode_captions(captions, idx_to_word):
    """Turn word indices back into text.

    <NULL> words are skipped and decoding stops at <END>.

    Inputs:
    - captions: integer word indices, of shape (T,) or (N, T)
    - idx_to_word: list (or dict) from index to word

    Returns:
    - a string for a 1-D input, a list of N strings for a 2-D input
    """
    captions = np.asarray(captions)
    if captions.ndim not in (1, 2) or not np.issubdtype(captions.dtype, np.integer):
        raise ValueError(
            f"decode_captions: captions must be integer word indices of shape (T,) or (N, T), "
            f"got {captions.dtype} of shape {captions.shape}")
    V = len(idx_to_word)
    if captions.size and (captions.min() < 0 or captions.max() >= V):
        raise ValueError(
            f"decode_captions: word index {captions.max() if captions.max() >= V else captions.min()} "
            f"is outside the vocabulary of {V} words; pass the idx_to_word of the same dataset")
    decoded = []
    for row in np.atleast_2d(captions):
        words = []
        for idx in row:
            word = idx_to_word[int(idx)]
            if word == "<END>":
                break
            if word != "<NULL>":
                words.append(word)
        decoded.append(" ".join(words))
    return decoded[0] if captions.ndim == 1 else decoded


def sample_coco_minibatch(data, batch_size=100, split="train"):
    """A random minibatch of captions with their image features and URLs.

    Inputs:
    - data: dict from load_coco_data
    - batch_size: number of captions
    - split: 'train' or 'val'

    Returns a tuple of:
    - captions: integer array of shape (batch_size, 17)
    - image_features: array of shape (batch_size, D)
    - urls: array of batch_size strings
    """
    if split not in ("train", "val"):
        raise ValueError(f"sample_coco_minibatch: split must be 'train' or 'val', got {split!r}")
    split_size = data[f"{split}_captions"].shape[0]
    mask = np.random.choice(split_size, batch_size)
    captions = data[f"{split}_captions"][mask]
    image_idxs = data[f"{split}_image_idxs"][mask]
    image_features = data[f"{split}_features"][image_idxs]
    urls = data[f"{split}_urls"][image_idxs]
    return captions, image_features, urls

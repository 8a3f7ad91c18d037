"""The classic COCO 2014 captioning file format: its file names, its special
words, and the one writer of a dataset folder.

A dataset folder holds:
    coco2014_captions.h5        train_captions (N, 17) int32, train_image_idxs (N,) int32,
                                val_captions, val_image_idxs
    train2014_vgg16_fc7.h5      features (num_train_images, 4096) float32
    train2014_vgg16_fc7_pca.h5  features (num_train_images, 512) float32
    val2014_vgg16_fc7.h5, val2014_vgg16_fc7_pca.h5   the same for val
    coco2014_vocab.json         {"idx_to_word": [...], "word_to_idx": {...}}
    train2014_urls.txt, val2014_urls.txt             one image URL (or relative path) a line

The reader and validator is mml.coco_utils.load_coco_data; the embedded
dataset builder (mml.datasets.shapes), the download's check and the tests
all name the files through this module.

COCO 2014 图像描述数据的文件格式：文件名、特殊词，以及写出数据文件夹的唯一实现。
"""
import json
from pathlib import Path

import h5py

CAPTIONS_FILE = "coco2014_captions.h5"
VOCAB_FILE = "coco2014_vocab.json"
SPLITS = ("train", "val")
# <NULL> pads captions to 17 tokens; <START> and <END> frame each caption.
SPECIAL_WORDS = {"<NULL>": 0, "<START>": 1, "<END>": 2, "<UNK>": 3}


def feature_file(split, pca_features):
    """Name of the feature file of a split ('train' or 'val')."""
    return f"{split}2014_vgg16_fc7{'_pca' if pca_features else ''}.h5"


def urls_file(split):
    """Name of the image-URL file of a split."""
    return f"{split}2014_urls.txt"


EXPECTED_FILES = (CAPTIONS_FILE, VOCAB_FILE) + tuple(
    feature_file(split, pca) for split in SPLITS for pca in (False, True)) + tuple(urls_file(s) for s in SPLITS)


def write_h5(path, arrays):
    """An HDF5 file without timestamps, so equal arrays give equal bytes."""
    with h5py.File(path, "w", libver="earliest", track_order=False) as f:
        for name, array in arrays.items():
            f.create_dataset(name, data=array, track_times=False)


def write_coco_folder(folder, idx_to_word, splits):
    """Write a dataset folder in the format above; returns the folder.

    idx_to_word: the vocabulary, special words first (see SPECIAL_WORDS).
    splits maps 'train' and 'val' to dicts of: captions (N, 17) int32,
    image_idxs (N,) int32, fc7 (I, F) float32 and pca (I, D) float32
    features, and urls (I strings).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    idx_to_word = list(idx_to_word)
    (folder / VOCAB_FILE).write_text(
        json.dumps({"idx_to_word": idx_to_word, "word_to_idx": {w: i for i, w in enumerate(idx_to_word)}},
                   ensure_ascii=False), encoding="utf-8")
    write_h5(folder / CAPTIONS_FILE, {f"{split}_{key}": arrays[key]
                                      for split, arrays in splits.items() for key in ("captions", "image_idxs")})
    for split, arrays in splits.items():
        write_h5(folder / feature_file(split, pca_features=False), {"features": arrays["fc7"]})
        write_h5(folder / feature_file(split, pca_features=True), {"features": arrays["pca"]})
        (folder / urls_file(split)).write_text("".join(f"{url}\n" for url in arrays["urls"]), encoding="utf-8")
    return folder

"""Shared test settings and fixtures. Each area keeps its own in tests/<area>/."""
import os

# Before numpy loads: the tests' matrices are small and run in parallel
# workers, where spinning BLAS threads made training 10-40x slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import contextlib
import functools
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

from mml.datasets.coco_format import write_coco_folder

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root():
    """The repository root."""
    return ROOT


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _serve(folder):
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def serve_directory():
    """serve_directory(folder): a context manager serving folder over HTTP on
    127.0.0.1 (a free port) in a thread; it yields the base URL."""
    return _serve


def write_tiny_coco(folder, num_train_images=6, num_val_images=4, captions_per_image=2,
                    feature_dim=8, seed=0):
    """A small dataset folder in the classic COCO captioning format.

    Vocabulary: the four special words, then 'a', 'red', 'blue', 'circle',
    'square'. Captions are <START> a <colour> <shape> <END> <NULL>... (17
    tokens); colour and shape are fixed by the image index, so a model can
    learn them from the (random) features.
    """
    rng = np.random.default_rng(seed)
    idx_to_word = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "red", "blue", "circle", "square"]
    word_to_idx = {w: i for i, w in enumerate(idx_to_word)}
    splits = {}
    for split, num_images in (("train", num_train_images), ("val", num_val_images)):
        image_idxs = np.repeat(np.arange(num_images, dtype=np.int32), captions_per_image)
        captions = np.zeros((len(image_idxs), 17), dtype=np.int32)
        captions[:, 0] = word_to_idx["<START>"]
        captions[:, 1] = word_to_idx["a"]
        captions[:, 2] = word_to_idx["red"] + image_idxs % 2           # red / blue
        captions[:, 3] = word_to_idx["circle"] + (image_idxs // 2) % 2  # circle / square
        captions[:, 4] = word_to_idx["<END>"]
        splits[split] = {
            "captions": captions, "image_idxs": image_idxs,
            "fc7": rng.standard_normal((num_images, 4 * feature_dim)).astype(np.float32),
            "pca": rng.standard_normal((num_images, feature_dim)).astype(np.float32),
            "urls": [f"images/{split}_{i}.png" for i in range(num_images)],
        }
    return write_coco_folder(folder, idx_to_word, splits)


@pytest.fixture(scope="session")
def coco_writer():
    """write_coco_folder(folder, idx_to_word, splits), for areas that need
    their own data in the COCO format (conftest modules cannot be imported)."""
    return write_coco_folder


@pytest.fixture
def tiny_coco(tmp_path):
    """A small dataset folder in the classic COCO captioning format."""
    return write_tiny_coco(tmp_path / "tiny_coco")


# Debian's chromium, driven by playwright, headless and without network chatter.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    """A real chromium (playwright), one per test session; areas open their own pages."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()

"""The instructor's reference ``mml``, loaded privately as ``_mml_reference``.

REPO_ROOT is the parent of ``autograder/`` (``Path(__file__).parents[2]``),
whatever the current directory and sys.path say; see private_import for how
the tree is loaded without touching any ``mml`` the caller imported.
"""
from functools import lru_cache
from pathlib import Path

from .private_import import load_private

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_MML = REPO_ROOT / "mml"
ALIAS = "_mml_reference"


@lru_cache(maxsize=None)
def _modules():
    return load_private(REFERENCE_MML, ALIAS, [
        "rnn_layers", "classifiers.rnn", "gradient_check", "datasets", "coco_utils"])


def layers():
    """The reference mml.rnn_layers module."""
    return _modules()["rnn_layers"]


def captioning_rnn():
    """The reference CaptioningRNN class."""
    return _modules()["classifiers.rnn"].CaptioningRNN


def rel_error(x, y):
    """The course's relative error (mml.gradient_check.rel_error)."""
    return _modules()["gradient_check"].rel_error(x, y)


def coco_utils():
    """The reference mml.coco_utils module (data loading for the overfit checks)."""
    return _modules()["coco_utils"]


def datasets():
    """The reference mml.datasets module (dataset locations)."""
    return _modules()["datasets"]

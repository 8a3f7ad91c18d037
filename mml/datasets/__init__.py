"""Where the captioning datasets live, and how to get them.

Two datasets share the classic COCO 2014 file format (see mml.coco_utils):
- the real COCO 2014 features, about 1 GB, fetched by
      python -m mml.datasets download coco
  into coco_dir() in the per-user cache;
- the embedded offline dataset of simple shape scenes, built from a fixed
  seed (the same bytes on every machine) by
      python -m mml.datasets build [--into ROOT]
  into the per-user cache, or on first use.

Data never live inside the course code or an assignment folder. locate()
answers "which folder", in this order: $MML_COCO_DIR; the real COCO in the
per-user cache; the course-wide data folder a hub administrator builds once
(shared_root(): $MML_DATA_ROOT, else /srv/mml/data; read-only for students),
first its COCO, then its embedded dataset; the embedded dataset in the
per-user cache (cache_root(): $XDG_CACHE_HOME/mml, else ~/.cache/mml).

数据集位置：数据从不放在课程代码或作业文件夹里。查找顺序：环境变量 MML_COCO_DIR；
用户缓存中下载的真实 COCO；管理员预先生成的课程共享数据文件夹（MML_DATA_ROOT，默认 /srv/mml/data，
学生只读）；用户缓存（~/.cache/mml）中的内置离线数据集（首次使用时自动生成）。
"""
import os
import shutil
import time
from pathlib import Path

from mml.datasets.coco_format import EXPECTED_FILES

ENV_DATA_DIR = "MML_COCO_DIR"
ENV_DATA_ROOT = "MML_DATA_ROOT"
DEFAULT_SHARED_ROOT = Path("/srv/mml/data")
COCO_NAME = "coco_captioning"
EMBEDDED_NAME = "shapes_captioning"
COCO_KIND = "COCO 2014 (VGG-16 fc7 features)"
EMBEDDED_KIND = "embedded offline dataset"
# What a first use costs (mml/datasets/README.md, measured figures).
EMBEDDED_SIZE_MB = 135
EMBEDDED_BUILD_TIME = "15 s on an idle core, up to 2-3 min on a busy machine"
EMBEDDED_BUILD_TIME_ZH = "空闲时约 15 秒，机器繁忙时可能需要 2-3 分钟"


def cache_root():
    """The per-user data folder: $XDG_CACHE_HOME/mml, else ~/.cache/mml."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mml"


def shared_root():
    """The course-wide data folder a hub administrator builds once:
    $MML_DATA_ROOT, else /srv/mml/data."""
    return Path(os.environ.get(ENV_DATA_ROOT) or DEFAULT_SHARED_ROOT)


def coco_dir():
    """Where `download coco` installs the real COCO features by default."""
    return cache_root() / COCO_NAME


def embedded_dir():
    """Where the embedded dataset is built for this user."""
    return cache_root() / EMBEDDED_NAME


def candidates():
    """(folder, kind) pairs the loader tries after base_dir and $MML_COCO_DIR, in order."""
    shared = shared_root()
    return [(coco_dir(), COCO_KIND), (shared / COCO_NAME, COCO_KIND),
            (shared / EMBEDDED_NAME, EMBEDDED_KIND), (embedded_dir(), EMBEDDED_KIND)]


class NoDataError(LookupError):
    """No complete dataset folder, and building one was not allowed."""


def locate(base_dir=None, build=True, kinds=(COCO_KIND, EMBEDDED_KIND)):
    """The dataset folder to read and its kind, in the order of this module's
    docstring. Only complete folders count, except base_dir and $MML_COCO_DIR,
    which are returned as given (the loader then says what is missing).
    build=True builds the embedded dataset into the per-user cache when no
    folder is found; build=False raises NoDataError instead. kinds limits the
    search to the real COCO or the embedded dataset."""
    if base_dir is not None:
        return Path(base_dir), "base_dir"
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR]), f"${ENV_DATA_DIR}"
    for folder, kind in candidates():
        if kind in kinds and is_complete(folder):
            return folder, kind
    if not build or EMBEDDED_KIND not in kinds:
        tried = ", ".join(str(folder) for folder, kind in candidates() if kind in kinds)
        raise NoDataError(f"no captioning dataset in ${ENV_DATA_DIR}, {tried}; "
                          f"fix: python -m mml.datasets build")
    return ensure_embedded(), EMBEDDED_KIND



def is_complete(folder):
    """True when every expected file of the format is in folder."""
    folder = Path(folder)
    return all((folder / name).is_file() for name in EXPECTED_FILES)


def fix_hint(folder):
    """The command that repairs a dataset folder, for error messages."""
    folder = Path(folder).resolve()
    if folder == coco_dir().resolve():
        return "fix: python -m mml.datasets download coco"
    if folder == embedded_dir().resolve():
        return "fix: python -m mml.datasets build --force"
    if folder == (shared_root() / EMBEDDED_NAME).resolve():
        return f"fix: python -m mml.datasets build --into {shared_root()} --force (as the course administrator)"
    return (f"fix: point base_dir or ${ENV_DATA_DIR} at a complete dataset folder "
            "(python -m mml.datasets build makes one)")


def temporary_sibling(folder, tag):
    """A hidden path beside folder for work in progress; .gitignore ignores
    the pattern (.*.tmp*) and the loader never looks there."""
    folder = Path(folder)
    return folder.parent / f".{folder.name}.tmp-{tag}-{os.getpid()}"


def move_into_place(new, folder):
    """Rename the finished folder new to folder, replacing an older one.

    Both renames are atomic, so folder is always the old dataset, briefly
    absent, or the new one: never a mixture or a half-written folder.
    """
    folder = Path(folder)
    if folder.exists():
        old = temporary_sibling(folder, "old")
        folder.rename(old)
        shutil.rmtree(old)
    Path(new).rename(folder)


def ensure_embedded(verbose=True):
    """A complete embedded dataset's folder: the course-wide one, else the
    per-user one, built first (with a notice of where and how long) if missing."""
    shared = shared_root() / EMBEDDED_NAME
    if is_complete(shared):
        return shared
    folder = embedded_dir()
    if not is_complete(folder):
        from mml.datasets.shapes import build  # deferred: only a first use builds
        if verbose:
            print(f"首次使用：正在 {folder} 生成内置离线数据集（约 {EMBEDDED_SIZE_MB} MB，只需一次，"
                  f"{EMBEDDED_BUILD_TIME_ZH}）/ first use: building the embedded offline dataset "
                  f"(about {EMBEDDED_SIZE_MB} MB, once) in {folder}: {EMBEDDED_BUILD_TIME}", flush=True)
        start = time.perf_counter()
        build(folder)
        if verbose:
            print(f"完成 / done in {time.perf_counter() - start:.0f} s", flush=True)
    return folder

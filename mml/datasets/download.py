"""Download the real COCO 2014 captioning features (the cs231n archive, ~1 GB).

download_coco() is what `python -m mml.datasets download coco` runs:
1. download the archive into a hidden .partial file beside the dataset folder,
   with a progress bar; an interrupted download (this run's dropped
   connection, or an earlier run) resumes with an HTTP Range request; a
   server that ignores Range sends everything again and the file restarts;
2. check the archive: every member's CRC (zipfile.testzip), no member outside
   the archive's folder;
3. unpack into a hidden temporary folder and check it with the loader's own
   checks (mml.coco_utils.load_coco_data: every file, key, shape and the
   cross-file consistency) plus the 4096-d fc7 files' shapes and dtypes;
4. rename that folder into place: until this last step nothing the loader
   would accept exists, so an interrupted or corrupt download never leaves a
   half dataset.
Every failure is a DownloadError whose message is one line naming the file
or URL and what to do.

下载真实的 COCO 2014 特征数据：支持断点续传、进度条、校验压缩包与全部文件，最后原子地移动到位。
"""
import contextlib
import http.client
import io
import shutil
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import h5py

from mml import datasets

COCO_URL = "http://cs231n.stanford.edu/coco_captioning.zip"
CHUNK_BYTES = 1 << 20
TIMEOUT_SECONDS = 30
RETRIES = 5                  # reconnections after a dropped connection, per call


class DownloadError(RuntimeError):
    """A download that failed; the message is one line that says what to do."""


def _partial_path(dest):
    return dest.parent / f".{dest.name}.zip.partial"


def _open(url, offset):
    """Open url, asking for the bytes from offset on when offset > 0.

    Returns a tuple of:
    - response: the open HTTP response, or None when the file already has
      all offset bytes (the server answers 416 with "bytes */offset")
    - resumed: True if the server sent the range asked for (206), False if
      it sent the whole file (200: it ignores Range)
    - total: the size of the whole file in bytes, or None if unknown
    """
    request = urllib.request.Request(url, headers={"User-Agent": "mml-datasets"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:
            if err.headers.get("Content-Range") == f"bytes */{offset}":
                return None, True, offset              # an earlier run downloaded it all
            return _open(url, 0)                       # longer than the file: start again
        raise DownloadError(f"{url}: HTTP {err.code} {err.reason}; check the URL (--url) or try later") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise DownloadError(f"{url}: cannot connect ({reason}); check the network or the URL (--url)") from None
    resumed = response.status == 206
    if resumed:
        content_range = response.headers.get("Content-Range", "")     # "bytes start-end/total"
        span, _, total = content_range.removeprefix("bytes ").partition("/")
        if span.partition("-")[0] != str(offset):
            response.close()
            return _open(url, 0)
        return response, True, int(total) if total.isdigit() else None
    length = response.headers.get("Content-Length")
    return response, False, int(length) if length and length.isdigit() else None


def fetch(url, partial, retries=RETRIES, backoff=0.5, progress=True):
    """Download url into the file partial, resuming what is already there.

    Returns the number of bytes of the complete file. Raises DownloadError
    when the connection drops more than `retries` times in a row.
    """
    from tqdm.auto import tqdm

    partial.parent.mkdir(parents=True, exist_ok=True)
    failures = 0
    while True:
        offset = partial.stat().st_size if partial.exists() else 0
        response, resumed, total = _open(url, offset)
        if response is None:
            return offset
        if offset and not resumed:
            print("服务器不支持断点续传，从头下载 / the server ignores Range: starting again from byte 0")
            offset = 0
        with response, open(partial, "ab" if resumed else "wb") as out, tqdm(
                total=total, initial=offset, unit="B", unit_scale=True, desc=partial.name,
                disable=not progress) as bar:
            received = offset
            try:
                while chunk := response.read(CHUNK_BYTES):
                    out.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            except (OSError, ValueError, http.client.HTTPException) as err:
                reason = f"{type(err).__name__}: {err}"
            else:
                if total is None or received == total:
                    return received
                reason = f"connection closed at byte {received} of {total}"
        failures = failures + 1 if received == offset else 1   # progress resets the count
        if failures > retries:
            raise DownloadError(f"{url}: download keeps failing ({reason}); run the same command again "
                                f"to resume from {partial}")
        print(f"连接中断，正在续传 / connection dropped ({reason}); resuming from byte {received}")
        time.sleep(backoff * failures)


def _unpack(archive, folder):
    """Check every member's CRC and path, then extract into folder."""
    try:
        with zipfile.ZipFile(archive) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise DownloadError(f"{archive}: member {bad} fails its CRC check (corrupt download); "
                                    "run the same command again to download it afresh")
            for name in zf.namelist():
                if name.startswith("/") or ".." in Path(name).parts:
                    raise DownloadError(f"{archive}: member {name!r} points outside the archive; "
                                        "refusing to unpack it (check --url)")
            zf.extractall(folder)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as err:
        raise DownloadError(f"{archive}: not a readable zip archive ({err}); run the same command "
                            "again to download it afresh") from None


def _dataset_root(folder):
    """The folder inside an unpacked archive that holds the dataset files
    (the cs231n archive has them in coco_captioning/)."""
    for candidate in [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]:
        if datasets.is_complete(candidate):
            return candidate
    missing = [n for n in datasets.EXPECTED_FILES if not any(folder.rglob(n))]
    raise DownloadError(f"archive: no folder with every dataset file (missing: {', '.join(missing) or 'none'},"
                        " or they are in different folders); check --url")


def verify(folder):
    """Check an unpacked dataset folder as the loader would, plus the fc7 files.

    Raises DownloadError naming the first bad file.
    """
    from mml.coco_utils import CocoDataError, load_coco_data
    from mml.datasets.coco_format import feature_file

    try:
        with contextlib.redirect_stdout(io.StringIO()):        # the loader's "Loaded ..." line
            data = load_coco_data(base_dir=folder)
    except CocoDataError as err:
        raise DownloadError(f"archive content: {err}; check --url") from None
    for split in ("train", "val"):
        path = folder / feature_file(split, pca_features=False)
        try:
            with h5py.File(path, "r") as f:
                shape, dtype = f["features"].shape, f["features"].dtype
        except (OSError, KeyError) as err:
            raise DownloadError(f"{path}: not an HDF5 file with a 'features' dataset ({err}); check --url") from None
        rows = data[f"{split}_features"].shape[0]
        if len(shape) != 2 or shape[0] != rows or dtype.kind != "f":
            raise DownloadError(f"{path}: features are {dtype} of shape {shape}, expected floats of shape "
                                f"({rows}, D) like the PCA file; check --url")


def download_coco(url=None, dest=None, force=False, progress=True, retries=RETRIES, backoff=0.5):
    """Download, check and install the COCO captioning archive.

    Inputs:
    - url: the archive (default COCO_URL)
    - dest: the dataset folder to create (default datasets.coco_dir())
    - force: replace a complete dataset already in dest
    - progress: draw a progress bar
    - retries, backoff: reconnections after a dropped connection, and the
      seconds to wait (times the attempt number) before each

    Returns dest as a Path.
    """
    url = url or COCO_URL
    dest = Path(dest or datasets.coco_dir()).resolve()
    if datasets.is_complete(dest) and not force:
        print(f"已安装 / already installed: {dest} (--force downloads again)")
        return dest
    partial = _partial_path(dest)
    print(f"正在下载 / downloading {url}")
    fetch(url, partial, retries=retries, backoff=backoff, progress=progress)

    unpacked = datasets.temporary_sibling(dest, "unpack")
    shutil.rmtree(unpacked, ignore_errors=True)
    try:
        try:
            _unpack(partial, unpacked)
            root = _dataset_root(unpacked)
            verify(root)
        except DownloadError:
            partial.unlink(missing_ok=True)        # a corrupt archive cannot be resumed into a good one
            raise
        datasets.move_into_place(root, dest)
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)
    partial.unlink(missing_ok=True)
    print(f"完成 / installed {dest}")
    return dest

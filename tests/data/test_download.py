"""The COCO download client against a real HTTP server on 127.0.0.1."""
import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from mml.coco_utils import load_coco_data
from mml.datasets import is_complete
from mml.datasets.download import DownloadError, download_coco

FAST = {"progress": False, "backoff": 0.0}


def leftovers(parent):
    """Hidden temporary or partial files a download may leave beside dest."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def assert_same_data(dest, source):
    got, want = load_coco_data(base_dir=dest), load_coco_data(base_dir=source)
    for key in ("train_captions", "val_image_idxs", "train_features", "val_features"):
        np.testing.assert_array_equal(got[key], want[key])
    assert got["idx_to_word"] == want["idx_to_word"]


def test_happy_path_installs_a_complete_dataset(serve, archive, small_dataset, tmp_path):
    server = serve(archive)
    dest = download_coco(url=server.url, dest=tmp_path / "coco_captioning", **FAST)
    assert dest == tmp_path / "coco_captioning" and is_complete(dest)
    assert_same_data(dest, small_dataset)
    assert server.ranges == [None]
    assert leftovers(tmp_path) == []            # no .partial, no temporary folder


def test_connection_dropped_mid_file_is_resumed_with_range(serve, archive, small_dataset, tmp_path):
    server = serve(archive, mode="drop", drops=2, drop_after=len(archive) // 3)
    dest = download_coco(url=server.url, dest=tmp_path / "coco_captioning", **FAST)
    third = len(archive) // 3
    assert server.ranges == [None, f"bytes={third}-", f"bytes={2 * third}-"]
    assert_same_data(dest, small_dataset)
    assert leftovers(tmp_path) == []


def test_partial_file_of_an_earlier_run_is_resumed(serve, archive, small_dataset, tmp_path):
    (tmp_path / ".coco_captioning.zip.partial").write_bytes(archive[:1000])
    server = serve(archive)
    dest = download_coco(url=server.url, dest=tmp_path / "coco_captioning", **FAST)
    assert server.ranges == ["bytes=1000-"]
    assert_same_data(dest, small_dataset)


def test_partial_file_that_is_already_complete_is_not_downloaded_again(serve, archive, small_dataset, tmp_path):
    (tmp_path / ".coco_captioning.zip.partial").write_bytes(archive)
    server = serve(archive)
    dest = download_coco(url=server.url, dest=tmp_path / "coco_captioning", **FAST)
    assert server.ranges == [f"bytes={len(archive)}-"]
    assert_same_data(dest, small_dataset)


def test_server_without_range_support_restarts_from_zero(serve, archive, small_dataset, tmp_path, capsys):
    # A stale partial file whose bytes are wrong: appending to it would corrupt the archive.
    (tmp_path / ".coco_captioning.zip.partial").write_bytes(b"x" * 1000)
    server = serve(archive, mode="norange")
    dest = download_coco(url=server.url, dest=tmp_path / "coco_captioning", **FAST)
    assert server.ranges == ["bytes=1000-"]
    assert "ignores Range" in capsys.readouterr().out
    assert_same_data(dest, small_dataset)


def test_corrupt_archive_installs_nothing(serve, archive, tmp_path):
    middle = len(archive) // 2
    corrupt = archive[:middle] + bytes(b ^ 0xFF for b in archive[middle:middle + 64]) + archive[middle + 64:]
    server = serve(corrupt)
    with pytest.raises(DownloadError) as err:
        download_coco(url=server.url, dest=tmp_path / "coco_captioning", **FAST)
    message = str(err.value)
    assert "\n" not in message and ".coco_captioning.zip.partial" in message and "again" in message
    assert not (tmp_path / "coco_captioning").exists()
    assert leftovers(tmp_path) == []            # the corrupt archive is not kept to be resumed


def test_archive_with_inconsistent_files_installs_nothing(serve, zip_of, broken_copy, tmp_path):
    vocab = json.loads((broken_copy / "coco2014_vocab.json").read_text())
    vocab["idx_to_word"] = vocab["idx_to_word"][:10]
    vocab["word_to_idx"] = {w: i for i, w in enumerate(vocab["idx_to_word"])}
    (broken_copy / "coco2014_vocab.json").write_text(json.dumps(vocab))
    server = serve(zip_of(broken_copy))
    with pytest.raises(DownloadError, match=r"coco2014_captions\.h5.*vocabulary.*check --url") as err:
        download_coco(url=server.url, dest=tmp_path / "coco_captioning", **FAST)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "coco_captioning").exists() and leftovers(tmp_path) == []


def test_archive_without_the_dataset_files_installs_nothing(serve, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("coco_captioning/README", "not a dataset")
    server = serve(buffer.getvalue())
    with pytest.raises(DownloadError, match="missing: coco2014_captions.h5"):
        download_coco(url=server.url, dest=tmp_path / "coco_captioning", **FAST)
    assert not (tmp_path / "coco_captioning").exists() and leftovers(tmp_path) == []


def test_connection_that_keeps_dropping_fails_and_keeps_the_partial_file(serve, archive, tmp_path):
    server = serve(archive, mode="drop", drops=100, drop_after=0)
    with pytest.raises(DownloadError, match="keeps failing.*run the same command again") as err:
        download_coco(url=server.url, dest=tmp_path / "coco_captioning", retries=2, **FAST)
    assert "\n" not in str(err.value)
    assert len(server.ranges) == 3 and not (tmp_path / "coco_captioning").exists()


def test_http_error_is_one_line(serve, archive, tmp_path):
    server = serve(archive)
    with pytest.raises(DownloadError, match=r"HTTP 404.*--url") as err:
        download_coco(url=server.url.replace(".zip", ".tar"), dest=tmp_path / "c", **FAST)
    assert "\n" not in str(err.value)


def test_installed_dataset_is_kept_unless_forced(serve, archive, small_dataset, tmp_path, capsys):
    server = serve(archive)
    dest = download_coco(url=server.url, dest=tmp_path / "coco_captioning", **FAST)
    download_coco(url=server.url, dest=dest, **FAST)
    assert "already installed" in capsys.readouterr().out and server.ranges == [None]
    download_coco(url=server.url, dest=dest, force=True, **FAST)
    assert server.ranges == [None, None]
    assert_same_data(dest, small_dataset)


def test_command_line_reports_a_corrupt_archive_in_one_line(serve, archive, tmp_path):
    server = serve(archive[: len(archive) // 2] + b"\0" * 100)
    dest = tmp_path / "coco_captioning"
    result = subprocess.run(
        [sys.executable, "-m", "mml.datasets", "download", "coco", "--url", server.url, "--dest", str(dest)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("下载失败 / download failed: ") and "zip" in last and "again" in last
    assert not dest.exists() and leftovers(tmp_path) == []

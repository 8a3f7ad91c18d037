"""The one dataset locator (mml.coco_utils.find_data_dir): its order, the
first-use build into the per-user cache with its notice, and the course-wide
folder an administrator builds with `python -m mml.datasets build --into`."""
import functools
import os
import stat

import pytest

from mml import datasets
from mml.coco_utils import find_data_dir, load_coco_data
from mml.datasets import __main__ as datasets_cli
from mml.datasets import shapes


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Empty per-user cache and course-wide folder, no $MML_COCO_DIR; the
    builder makes a small dataset (same code, fewer images)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv(datasets.ENV_DATA_ROOT, str(tmp_path / "shared"))
    monkeypatch.delenv(datasets.ENV_DATA_DIR, raising=False)
    monkeypatch.setattr(shapes, "build", functools.partial(shapes.build, num_train=40, num_val=10))
    return tmp_path


def test_first_use_builds_into_the_user_cache_and_says_where_and_how_long(places, capsys):
    with pytest.raises(datasets.NoDataError, match="fix: python -m mml.datasets build"):
        find_data_dir(build=False)
    data = load_coco_data()
    out = capsys.readouterr().out
    cache = places / "cache" / "mml" / "shapes_captioning"
    assert datasets.is_complete(cache)
    first = out.splitlines()[0]
    assert first.startswith(f"首次使用：正在 {cache} 生成内置离线数据集")
    assert f"(about {datasets.EMBEDDED_SIZE_MB} MB, once) in {cache}: 15 s on an idle core" in first
    assert "完成 / done in" in out and f"embedded offline dataset from {cache}" in out
    assert data["train_features"].shape == (40, 512)
    # Second use: found, nothing built, no notice.
    assert find_data_dir() == (cache, datasets.EMBEDDED_KIND)
    assert "首次使用" not in capsys.readouterr().out


def test_order_base_dir_env_coco_shared_then_cache(places, monkeypatch, tiny_coco):
    cache, shared = places / "cache" / "mml", places / "shared"
    user_embedded = shapes.build(cache / "shapes_captioning")
    assert find_data_dir() == (user_embedded, datasets.EMBEDDED_KIND)
    shared_embedded = shapes.build(shared / "shapes_captioning")
    assert find_data_dir() == (shared_embedded, datasets.EMBEDDED_KIND)
    shared_coco = shapes.build(shared / "coco_captioning")
    assert find_data_dir() == (shared_coco, datasets.COCO_KIND)
    user_coco = shapes.build(cache / "coco_captioning")
    assert find_data_dir() == (user_coco, datasets.COCO_KIND)
    monkeypatch.setenv(datasets.ENV_DATA_DIR, str(tiny_coco))
    assert find_data_dir() == (tiny_coco, "$MML_COCO_DIR")
    assert find_data_dir(base_dir=places / "given") == (places / "given", "base_dir")
    # An incomplete folder is never chosen.
    monkeypatch.delenv(datasets.ENV_DATA_DIR)
    (user_coco / "coco2014_vocab.json").unlink()
    assert find_data_dir() == (shared_coco, datasets.COCO_KIND)


def test_nothing_is_ever_written_inside_the_course_code(places):
    import mml
    package = os.path.dirname(mml.__file__)
    for folder, _kind in datasets.candidates():
        assert not str(folder).startswith(package)
    assert not str(datasets.embedded_dir()).startswith(package)


def test_admin_builds_the_course_wide_folder_once(places, capsys, monkeypatch):
    shared = places / "shared"
    datasets_cli.main(["build", "--into", str(shared)])
    out = capsys.readouterr().out
    folder = shared / "shapes_captioning"
    assert f"building the embedded dataset (about {datasets.EMBEDDED_SIZE_MB} MB) in {folder}" in out
    assert datasets.is_complete(folder)
    # Readable by every student, and what a student with an empty cache finds.
    modes = {stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*.h5")}
    assert modes == {0o644}
    assert find_data_dir(build=False) == (folder, datasets.EMBEDDED_KIND)
    assert not (places / "cache" / "mml" / "shapes_captioning").exists()
    datasets_cli.main(["build", "--into", str(shared)])
    assert f"已存在 / already built: {folder}" in capsys.readouterr().out
    # Elsewhere than the default: the command says what students must set.
    datasets_cli.main(["build", "--into", str(places / "other")])
    assert f"export MML_DATA_ROOT={places / 'other'}" in capsys.readouterr().out
    datasets_cli.main(["info"])
    assert f"load_coco_data() 读取 / reads: {folder} (embedded offline dataset)" in capsys.readouterr().out


def test_a_read_only_target_is_one_line_naming_the_folder(places):
    import subprocess
    import sys
    import tempfile
    target = tempfile.mkdtemp(prefix="mml-locked-")  # pytest's own tmp folders are private to root
    os.chmod(target, 0o555)
    done = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "mml.datasets",
         "build", "--into", str(target)],
        capture_output=True, text=True, timeout=120, cwd="/",
        env=dict(os.environ, HOME=target, PYTHONPATH=os.path.dirname(os.path.dirname(datasets.__file__))))
    assert done.returncode != 0
    os.rmdir(target)
    assert done.stderr.strip().splitlines() == [
        f"{target}/.shapes_captioning.tmp-lock: not writable; fix: run as a user who may write there, "
        "or choose another folder with --into"]

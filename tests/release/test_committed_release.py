"""The committed release/ is what `make release` builds now, and it passes the leak guard."""
import subprocess
import sys

import pytest

from release_guard import check_release
from release_layout import release_files

pytestmark = pytest.mark.xdist_group(name="release_committed")


def snapshot(folder):
    """{relative path: bytes} of a release, git-ignored local leftovers skipped."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in release_files(folder)}


def test_committed_release_is_what_make_release_builds(repo_root, tmp_path):
    committed = repo_root / "release" / "rnn_captioning"
    done = subprocess.run([sys.executable, str(repo_root / "tools" / "build_release.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=repo_root)
    assert done.returncode == 0, done.stderr
    fresh, old = snapshot(tmp_path / "rnn_captioning"), snapshot(committed) if committed.is_dir() else {}
    stale = sorted(p for p in set(fresh) | set(old) if fresh.get(p) != old.get(p))
    assert not stale, (f"发布包已过期，请运行 make release 并提交 / release/ is stale, run `make release` "
                       f"and commit it: {len(stale)} files differ, e.g. {stale[:5]}")


def test_committed_release_passes_the_leak_guard(repo_root):
    assert check_release(repo_root / "release" / "rnn_captioning") == []

"""A private copy of a submission in which no link leads outside it.

Regular files and folders are copied; a symbolic link is resolved *inside the
submission*: a link whose target (followed all the way) stays in the
submission is copied as the file or folder it names, a link that leaves the
submission, dangles or loops is left out and reported. Devices, sockets and
pipes are left out as well. The copy therefore holds no link at all.
"""
import os
import shutil
import stat
from pathlib import Path


def copy_submission(src, dst, *, max_mb=512, folders=None):
    """Copy src into the new folder dst; returns the skipped entries as
    [(relative path, reason)]. Raises ValueError past max_mb of files.
    folders: when given, only these top-level folders are copied (with every
    top-level file)."""
    src = Path(src).resolve()
    dst = Path(dst)
    dst.mkdir(parents=True)
    skipped, budget = [], [int(max_mb * 2 ** 20)]
    _copy_dir(src, src, dst, skipped, budget, depth=0, folders=folders)
    return skipped


def _inside(root, path):
    return path == root or root in path.parents


def _copy_dir(root, folder, dst, skipped, budget, depth, folders=None):
    if depth > 32:
        skipped.append((str(folder.relative_to(root)), "nested too deep"))
        return
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            source = Path(entry.path)
            rel = str(source.relative_to(root))
            target = dst / entry.name
            info = os.lstat(source)
            if stat.S_ISLNK(info.st_mode):
                try:
                    resolved = source.resolve(strict=True)
                except (OSError, RuntimeError):
                    skipped.append((rel, "link that dangles or loops"))
                    continue
                if not _inside(root, resolved):
                    skipped.append((rel, "link that leads outside the submission"))
                    continue
                info = os.stat(resolved)
                source = resolved
            if stat.S_ISDIR(info.st_mode):
                if folders is not None and entry.name not in folders:
                    continue
                if source == root or source in Path(folder).parents:
                    skipped.append((rel, "link to a folder that contains it"))
                    continue
                target.mkdir()
                _copy_dir(root, source, target, skipped, budget, depth + 1)
            elif stat.S_ISREG(info.st_mode):
                budget[0] -= info.st_size
                if budget[0] < 0:
                    raise ValueError(f"{root}: the submission is larger than the copy limit; "
                                     f"fix: remove large files (data, checkpoints) from it")
                shutil.copyfile(source, target, follow_symlinks=False)
            else:
                skipped.append((rel, "not a regular file or folder"))

"""Import an ``mml`` source tree under a private name, by explicit location.

Why: the judge must compute with the instructor's ``mml`` even when the
current directory (``sys.path[0]``) holds a student's ``mml/``, and it must
never replace whatever ``mml`` the caller already imported (a notebook kernel
may hold the student's). So the tree is executed from its folder alone:

1. every ``mml`` / ``mml.*`` entry of ``sys.modules`` is set aside;
2. a meta-path finder placed first answers ``mml`` and ``mml.*`` from the
   given folder only (a missing file is a ModuleNotFoundError, never a fall
   back to sys.path or to the editable install);
3. the wanted modules are imported; their absolute ``from mml.x import y``
   statements therefore bind objects of the same tree;
4. the loaded modules are re-registered as ``<alias>.*`` (e.g.
   ``_mml_reference.rnn_layers``) and the caller's ``mml`` entries come back.

This file uses only the standard library: the sandboxed child loads it by
path too (for the instructor's provided solver and optimiser).
"""
import importlib
import importlib.abc
import importlib.util
import sys
import threading
from pathlib import Path

__all__ = ["load_private"]

_LOCK = threading.Lock()


class _TreeFinder(importlib.abc.MetaPathFinder):
    """Finds ``mml`` and ``mml.*`` in one folder and nowhere else."""

    def __init__(self, package_dir):
        self.package_dir = Path(package_dir)

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "mml" and not fullname.startswith("mml."):
            return None
        base = self.package_dir.joinpath(*fullname.split(".")[1:])
        if (base / "__init__.py").is_file():
            return importlib.util.spec_from_file_location(
                fullname, base / "__init__.py", submodule_search_locations=[str(base)])
        if base.with_suffix(".py").is_file() and fullname != "mml":
            return importlib.util.spec_from_file_location(fullname, base.with_suffix(".py"))
        raise ModuleNotFoundError(f"{fullname} is not in {self.package_dir}", name=fullname)


def _is_mml(name):
    return name == "mml" or name.startswith("mml.")


def load_private(package_dir, alias, modules):
    """Load ``modules`` (names relative to the package, e.g. ``"rnn_layers"``,
    ``"classifiers.rnn"``) of the ``mml`` package in ``package_dir``.

    Returns a dict from each relative name to its module object; the modules
    are also registered in sys.modules as ``<alias>.<name>``.
    """
    package_dir = Path(package_dir).resolve()
    finder = _TreeFinder(package_dir)
    with _LOCK:
        set_aside = {k: sys.modules.pop(k) for k in [k for k in sys.modules if _is_mml(k)]}
        sys.meta_path.insert(0, finder)
        try:
            loaded = {name: importlib.import_module(f"mml.{name}") for name in modules}
            ours = {k: sys.modules[k] for k in sys.modules if _is_mml(k)}
        finally:
            sys.meta_path.remove(finder)
            for k in [k for k in sys.modules if _is_mml(k)]:
                del sys.modules[k]
            sys.modules.update(set_aside)
    for k, module in ours.items():
        sys.modules[alias + k[len("mml"):]] = module
    return loaded

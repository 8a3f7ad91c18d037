"""Import a released mml and call each student function; print the problems as one JSON list.

    python -I -B tools/release_probe.py RELEASE_DIR '["mml.rnn_layers:rnn_forward", ...]'

Run by release_guard.py in its own interpreter (-I: no PYTHONPATH, no user
site, no current folder) so that only RELEASE_DIR provides ``mml``: the
reference library installed in the virtualenv must not answer the import.
Every module must load from RELEASE_DIR, and every student function must
raise NotImplementedError (the stub), called with placeholder arguments;
methods are called on an instance made without arguments, or on a small
real one where a recipe says how (provided code runs before the stub:
CaptioningRNN.loss checks its inputs first).

在只由发布包提供 mml 的独立解释器中导入所有模块，并确认每个学生函数都抛出 NotImplementedError。
"""
import importlib
import inspect
import json
import sys
from pathlib import Path
from unittest import mock


def _captioning_rnn_calls(cls):
    """(instance, args) pairs covering both cell types, with valid small inputs."""
    import numpy as np
    word_to_idx = {"<NULL>": 0, "<START>": 1, "<END>": 2, "cat": 3}
    features = np.zeros((2, 4))
    captions = np.array([[1, 3, 2, 0], [1, 3, 3, 2]])
    for cell_type in ("rnn", "lstm"):
        model = cls(word_to_idx, input_dim=4, wordvec_dim=3, hidden_dim=5, cell_type=cell_type)
        yield model, {"loss": (features, captions), "sample": (features,)}


# How to build instances of the classes that hold student methods.
INSTANCE_RECIPES = {"CaptioningRNN": _captioning_rnn_calls}


def _calls(obj, qualname):
    """The (callable, args) pairs that exercise the student function qualname of obj (a module or instance)."""
    owner_name, _, name = qualname.rpartition(".")
    if not owner_name:
        function = getattr(obj, name)
        required = [p for p in inspect.signature(function).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        return [(function, tuple(mock.MagicMock(name=p.name) for p in required))]
    cls = getattr(obj, owner_name)
    recipe = INSTANCE_RECIPES.get(owner_name)
    if recipe is not None:
        return [(getattr(instance, name), args[name]) for instance, args in recipe(cls)]
    try:
        instance = cls()
    except TypeError:
        raise LookupError(f"{owner_name}() needs arguments; add a recipe to INSTANCE_RECIPES in {__file__}") from None
    return _calls(instance, name)


def probe(release_dir, student_functions):
    """Problems (one line each) with the mml released in release_dir."""
    release_dir = Path(release_dir).resolve()
    sys.path.insert(0, str(release_dir))
    # An editable install of the reference answers any mml.* the release lacks: drop it.
    sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
    problems = []
    for path in sorted((release_dir / "mml").rglob("*.py")):
        rel = path.relative_to(release_dir).with_suffix("")
        if rel.name == "__main__":
            continue  # running it is the demo, not an import
        name = ".".join(rel.parts).removesuffix(".__init__")
        try:
            module = importlib.import_module(name)
        except Exception as err:  # noqa: BLE001 - any failure to import is the finding
            problems.append(f"{path}: import {name} failed: {type(err).__name__}: {err}")
            continue
        if Path(getattr(module, "__file__", None) or "?").resolve() != path:
            problems.append(f"{path}: import {name} loaded {getattr(module, '__file__', None)} instead; "
                            f"the release must provide every module itself")
    for name, module in sorted(sys.modules.items()):
        where = Path(getattr(module, "__file__", None) or "?").resolve()
        if (name == "mml" or name.startswith("mml.")) and release_dir not in where.parents:
            problems.append(f"{release_dir / 'mml'}: module {name} came from {where}, not from the release")
    for item in student_functions:
        module_name, _, qualname = item.partition(":")
        where = f"{release_dir / 'mml'}: {module_name}.{qualname}()"
        try:
            calls = _calls(importlib.import_module(module_name), qualname)
        except Exception as err:  # noqa: BLE001
            problems.append(f"{where}: cannot be called: {type(err).__name__}: {err}")
            continue
        for function, args in calls:
            try:
                function(*args)
            except NotImplementedError:
                continue
            except Exception as err:  # noqa: BLE001
                problems.append(f"{where} raised {type(err).__name__} ({err}) instead of NotImplementedError")
                break
            problems.append(f"{where} returned instead of raising NotImplementedError: "
                            f"the solution is still there or the stub is missing")
            break
    return problems


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1], json.loads(sys.argv[2])), ensure_ascii=False))

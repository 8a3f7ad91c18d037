"""The sandboxed child: imports the STUDENT's mml, computes, returns pure data.

Loaded by the sandbox's boot.py (mml_sandbox) inside the sandbox, which
calls ``main(task, workdir, input_fd, result_fd)`` in the private copy of the
submission. sys.path is the standard library and the venv's packages, with
the student folder last (so a student file cannot shadow numpy or the
standard library). Nothing is judged here: this process runs untrusted code
and may be rebound by it. The inputs come as one .npz on input_fd; the one
result goes back on result_fd (a file the parent opened; not stdout) as an
.npz read with allow_pickle=False: the returned arrays plus ``__record__``,
the JSON of {"status": "ok", "outputs": {...}} or an error record, which the
parent checks as data.

Uses only the standard library and numpy, and no file of the judge except
private_import.py (by path), to load the provided solver.
"""
import json
import os
import sys
import traceback

import numpy as np

TASK = {}
STUDENT_DIR = ""
RESULT_FD = None

# The provided decoders (temperature sampling, beam search) contain a complete
# decoding loop. What is judged here must be the student's own code, so it
# cannot import them: a CaptioningRNN.sample that calls them fails its check.
PROVIDED_DECODERS = ("mml.decoding", "mml.caption_metrics")
for _name in PROVIDED_DECODERS:
    sys.modules[_name] = None  # makes `import mml.decoding` raise ImportError


class StudentImportError(Exception):
    """The student's mml cannot be imported from the student folder."""


def _send(record, arrays=None):
    """The one result: arrays and the record, as one .npz on the parent's descriptor."""
    payload = dict(arrays or {})
    payload["__record__"] = np.frombuffer(json.dumps(record).encode("utf-8"), dtype=np.uint8)
    os.ftruncate(RESULT_FD, 0)
    os.lseek(RESULT_FD, 0, os.SEEK_SET)
    with os.fdopen(RESULT_FD, "wb", closefd=False) as out:
        np.savez(out, **payload)


def _inside_student_dir(module):
    path = getattr(module, "__file__", None)
    return bool(path) and os.path.realpath(path).startswith(STUDENT_DIR + os.sep)


def import_student(name):
    """import mml.<name> from the student folder, and prove where it came from."""
    import importlib
    for full in ("mml", f"mml.{name}"):
        try:
            module = importlib.import_module(full)
        except ModuleNotFoundError as err:
            if err.name is not None and (err.name == "mml" or err.name.startswith("mml.")):
                raise StudentImportError(f"missing {err.name.replace('.', '/')}(.py) in the student folder") from None
            raise
        if not _inside_student_dir(module):
            raise StudentImportError(f"{full} was found outside the student folder ({getattr(module, '__file__', None)})")
    for key, module in list(sys.modules.items()):
        if module is None:  # a blocked provided decoder, see PROVIDED_DECODERS
            continue
        if (key == "mml" or key.startswith("mml.")) and not _inside_student_dir(module):
            raise StudentImportError(f"{key} was found outside the student folder")
    return module


def _arrays(input_fd):
    with os.fdopen(input_fd, "rb") as f, np.load(f, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _describe(value):
    """Pure-data form of one returned value: (array or None, description)."""
    kind = type(value).__name__
    if value is None:
        return None, {"kind": "none", "type": kind}
    if isinstance(value, (np.ndarray, np.generic, int, float, bool)):
        array = np.asarray(value)
        if array.dtype != object:
            return array, {"kind": "array", "type": kind, "dtype": str(array.dtype), "shape": list(array.shape)}
    return None, {"kind": "other", "type": kind}


def _unpack(result, names, what):
    """A tuple result -> {name: value}; names[i] None means 'not returned to the parent'."""
    if len(names) == 1:
        return {names[0]: result}
    if not isinstance(result, tuple) or len(result) != len(names):
        got = f"a tuple of {len(result)}" if isinstance(result, tuple) else type(result).__name__
        raise TypeError(f"{what} returned {got}, expected a tuple of {len(names)}")
    return dict(zip(names, result))


def run_call(task, arrays):
    module = import_student(task["module"])
    fn = getattr(module, task["function"])
    result = fn(*[arrays[a] for a in task["args"]])
    return _unpack(result, task["outputs"], task["function"])


def run_forward_backward(task, arrays):
    module = import_student(task["module"])
    forward = _unpack(getattr(module, task["forward"])(*[arrays[a] for a in task["args"]]),
                      task["forward_outputs"] + ["cache"], task["forward"])
    cache = forward.pop("cache")
    backward = getattr(module, task["backward"])(*[arrays[a] for a in task["upstream"]], cache)
    return {**forward, **_unpack(backward, task["outputs"], task["backward"])}


def _as_literals(value):
    """Strings as a notebook's literals pass them: JSON decoding makes new str
    objects, a literal such as 'rnn' is interned, and student code may compare
    with `is` (``self.cell_type is "rnn"``) as it does in the notebook."""
    if isinstance(value, str):
        return sys.intern(value)
    if isinstance(value, dict):
        return {_as_literals(k): _as_literals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_literals(v) for v in value]
    return value


def _build_model(task, arrays):
    module = import_student("classifiers.rnn")
    init = dict(_as_literals(task["init"]), dtype=getattr(np, task["init"]["dtype"]))
    model = module.CaptioningRNN(**init)
    for key in task.get("params", []):
        model.params[key] = arrays[f"param_{key}"].copy()
    return model


def run_model(task, arrays):
    model = _build_model(task, arrays)
    args = [arrays[a] for a in task["args"]]
    if task["method"] == "sample":
        return {"captions": model.sample(*args, **_as_literals(task.get("kwargs", {})))}
    returned = _unpack(model.loss(*args), ["loss", "grads"], "CaptioningRNN.loss")
    loss, grads = returned["loss"], returned["grads"]
    if not isinstance(grads, dict):
        raise TypeError(f"CaptioningRNN.loss returned grads of type {type(grads).__name__}, expected a dict")
    return {"loss": loss, **{f"grad_{k}": v for k, v in grads.items() if isinstance(k, str)}}


def run_overfit(task, arrays):
    # The instructor's solver, optimiser and minibatch sampler (provided code:
    # a student's edits to their copies must not count), loaded before any
    # student module, under a private name.
    loader_path = os.path.join(TASK["judge_dir"], "private_import.py")
    import importlib.util
    spec = importlib.util.spec_from_file_location("_mml_judge_private_import", loader_path)
    loader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loader)
    solver_module = loader.load_private(TASK["reference_mml"], "_mml_provided", ["captioning_solver"])["captioning_solver"]
    np.random.seed(task["seed"])
    model = _build_model(task, arrays)
    data = {k: arrays[k] for k in ("train_captions", "train_image_idxs", "train_features", "train_urls")}
    # Train in chunks of epochs (train() keeps the optimiser state and the
    # learning-rate decay between calls) and stop early once the last few
    # losses are all well below the threshold: the verdict is the same, sooner.
    epochs, chunk = task["solver"]["num_epochs"], task["chunk_epochs"]
    solver = solver_module.CaptioningSolver(model, data, verbose=False, **dict(task["solver"], num_epochs=chunk))
    for _ in range(0, epochs, chunk):
        solver.train()
        recent = solver.loss_history[-task["stop_window"]:]
        if max(recent) < task["stop_below"]:
            break
    params = {f"param_{k}": v for k, v in model.params.items() if isinstance(k, str)}
    return {"loss_history": np.asarray(solver.loss_history, dtype=np.float64), **params}


RUNNERS = {"call": run_call, "forward_backward": run_forward_backward,
           "model": run_model, "overfit": run_overfit}


def _where(tb):
    """The innermost frame of the traceback that is in the student's files."""
    frames = [f for f in traceback.extract_tb(tb) if os.path.realpath(f.filename).startswith(STUDENT_DIR + os.sep)]
    if not frames:
        return ""
    f = frames[-1]
    return f"{os.path.relpath(f.filename, STUDENT_DIR)}:{f.lineno} in {f.name}"


def main(task, workdir, input_fd, result_fd):
    global TASK, STUDENT_DIR, RESULT_FD
    TASK, STUDENT_DIR, RESULT_FD = task, os.path.realpath(workdir), result_fd
    sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) != STUDENT_DIR] + [STUDENT_DIR]
    try:
        arrays = _arrays(input_fd)
        outputs = RUNNERS[TASK["kind"]](TASK, arrays)
    except StudentImportError as err:
        _send({"status": "import", "message": str(err)})
        return
    except BaseException as err:  # noqa: BLE001 - every failure of student code is a verdict
        _send({"status": "error", "type": type(err).__name__,
               "message": (str(err).splitlines() or [""])[0][:300],
               "where": _where(err.__traceback__)})
        return
    saved, described = {}, {}
    for name, value in outputs.items():
        if name is None:
            continue
        array, described[name] = _describe(value)
        if array is not None:
            saved[name] = array
    _send({"status": "ok", "outputs": described}, saved)

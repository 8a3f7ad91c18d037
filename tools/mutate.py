"""Mutation testing of the judge: how many broken copies of the reference
solution do the hidden tests catch?

    .venv/bin/python tools/mutate.py [--random N] [--seed S] [--jobs J] [--classic-only] [--json PATH]

A mutant is a copy of mml/ with one edit inside a solution region
(nbgrader's BEGIN/END SOLUTION markers, read from the course configuration):

- classic mistakes, by name (CLASSIC below): the errors students really make,
  e.g. backpropagation through time without the carried gradient, dW[x] +=
  dout, a float64 array in a float32 model, hard-coded <START>/<END>;
- random operator mutants, made from the syntax tree of the regions:
  arithmetic operator swaps (+ -, * /, @ *), comparison swaps (== !=, < <=),
  index shifts (an integer, or the loop index in a subscript, +-1), dropped
  terms (a + b -> a, -x -> x, += -> =).

Each mutant is judged by the judge's fast checks (the two training checks take
minutes and are left out), a classic mistake's own check first, then the checks
of the mutated function, stopping at the first failure: the mutant is KILLED
(and a classic mistake is DIAGNOSED when its own check names its own idea).
A mutant that passes every check is put to an independent check that shares
no code with the judge's: its layers and CaptioningRNN run beside the
reference on random inputs of several shapes (T=1 and N=1 among them), in
float64 and float32, with the special words at other indices; the same outputs
everywhere (sampled captions up to the first <END>) make it EQUIVALENT (no
test can kill it), any difference makes it MISSED (a gap in the hidden tests).
The score is killed / (all - equivalent).

First the unchanged reference is judged the same way (it must pass every check
and the independent check), then the mutants, in parallel, --jobs at a time.
Prints one line per mutant that was not killed and a summary; --json writes
every result.
"""
import argparse
import ast
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from release_markers import qualified_functions, solution_regions

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
MML = ROOT / "mml"
MUTATED_FILES = ("rnn_layers.py", "classifiers/rnn.py")


@dataclass
class Mutant:
    name: str
    kind: str          # "classic" or "random"
    file: str          # relative to mml/
    function: str      # qualified name of the function it edits
    line: int
    change: str        # what was edited, e.g. "a + b -> a - b"
    text: str          # the whole mutated file


# name: (file, old text (exactly once in the file), new text, the check that
# must diagnose it, the idea its message names). Each is one classic mistake;
# all of them must be killed. The judge's tests plant these too.
LSTM_H = "h = np.empty((N, T, H), dtype=x.dtype)\n    step_caches = []\n    prev_h, prev_c = h0"
RNN_H = "h = np.empty((N, T, H), dtype=x.dtype)\n    step_caches = []\n    prev_h = h0\n"
CLASSIC = {
    "step_without_bias": ("rnn_layers.py", "np.tanh(x @ Wx + prev_h @ Wh + b)", "np.tanh(x @ Wx + prev_h @ Wh)",
        "rnn_step_forward", "rnn_step_forward"),
    "tanh_derivative_without_square": ("rnn_layers.py", "(1 - next_h ** 2)", "(1 - next_h)",
        "rnn_step_backward", "rnn_step_backward"),
    "db_not_summed_over_batch": ("rnn_layers.py", "dWh = prev_h.T @ da\n    db = da.sum(axis=0)\n    ### END SOLUTION\n"
                                 "    return dx, dprev_h, dWx", "dWh = prev_h.T @ da\n    db = da[0]\n    ### END SOLUTION\n"
                                 "    return dx, dprev_h, dWx",
        "rnn_step_backward", "rnn_step_backward"),
    "forward_starts_from_zero": ("rnn_layers.py", RNN_H, RNN_H.replace("prev_h = h0", "prev_h = np.zeros_like(h0)"),
        "rnn_forward", "rnn_forward"),
    "bptt_no_carry": ("rnn_layers.py", "dh[:, t, :] + dprev_h, cache[t])", "dh[:, t, :], cache[t])",
        "rnn_backward", "bptt_carry"),
    "bptt_weights_not_summed": ("rnn_layers.py", "dh[:, t, :] + dprev_h, cache[t])\n        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t",
                                "dh[:, t, :] + dprev_h, cache[t])\n        dWx, dWh, db = dWx_t, dWh_t, db_t",
        "rnn_backward", "bptt"),
    "bptt_dh0_zero": ("rnn_layers.py", "+ dprev_h, cache[t])\n        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t\n    dh0 = dprev_h",
                      "+ dprev_h, cache[t])\n        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t\n    dh0 = np.zeros_like(dprev_h)",
        "rnn_backward", "bptt_dh0"),
    "embedding_lost_repeats": ("rnn_layers.py", "np.add.at(dW, x, dout)", "dW[x] += dout",
        "word_embedding_backward", "embedding_repeats"),
    "float32_upcast_rnn_forward": ("rnn_layers.py", RNN_H, RNN_H.replace(", dtype=x.dtype", ""),
        "captioning_rnn_dtype", "dtype"),
    "float32_upcast_lstm_forward": ("rnn_layers.py", LSTM_H, LSTM_H.replace(", dtype=x.dtype", ""),
        "captioning_lstm_gradient", "dtype"),
    "float32_upcast_embedding_backward": ("rnn_layers.py", "dW = np.zeros(W_shape, dtype=dout.dtype)",
                                          "dW = np.zeros(W_shape)",
        "captioning_rnn_dtype", "dtype"),
    "lstm_gates_out_of_order": ("rnn_layers.py", "i = sigmoid(a[:, 0 * H:1 * H])", "i = sigmoid(a[:, 1 * H:2 * H])",
        "lstm_step_forward", "lstm_step_forward"),
    "lstm_no_cell_path": ("rnn_layers.py", "dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)", "dc = dnext_c",
        "lstm_step_backward", "lstm_cell_path"),
    "lstm_bptt_no_cell_carry": ("rnn_layers.py", "dh[:, t, :] + dprev_h, dprev_c, cache[t])",
                                "dh[:, t, :] + dprev_h, np.zeros_like(dprev_c), cache[t])",
        "lstm_backward", "lstm_bptt"),
    "loss_ignores_mask": ("classifiers/rnn.py", "= temporal_softmax_loss(scores, captions_out, mask)",
                          "= temporal_softmax_loss(scores, captions_out, np.ones_like(mask))",
        "captioning_rnn_loss", "mask"),
    "mask_hard_coded_null": ("classifiers/rnn.py", "mask = captions_out != self._null", "mask = captions_out != 0",
        "captioning_rnn_loss", "special_indices"),
    "loss_uses_captions_in": ("classifiers/rnn.py", "= temporal_softmax_loss(scores, captions_out, mask)",
                              "= temporal_softmax_loss(scores, captions_in, mask)",
        "captioning_rnn_loss", "model_loss"),
    "lstm_model_uses_rnn_backward": ("classifiers/rnn.py",
                                     "dx, dh0, grads[\"Wx\"], grads[\"Wh\"], grads[\"b\"] = lstm_backward(dh, cell_cache)",
                                     "dx, dh0, grads[\"Wx\"], grads[\"Wh\"], grads[\"b\"] = rnn_backward(dh, cell_cache)",
        "captioning_lstm_loss", "model_loss"),
    "sample_feeds_scores": ("classifiers/rnn.py", "x = W_embed[word]", "x = W_embed[word] if t == 0 else scores @ W_embed",
        "captioning_rnn_sample", "sample_indices"),
    "sample_never_updates_word": ("classifiers/rnn.py", "x = W_embed[word]", "x = W_embed[np.full(N, self._start)]",
        "captioning_rnn_sample", "sample_update"),
    "sample_starts_from_null": ("classifiers/rnn.py", "word = np.full(N, self._start, dtype=np.int64)",
                                "word = np.full(N, self._null, dtype=np.int64)",
        "captioning_rnn_sample", "sample_start"),
    "sample_hard_coded_start": ("classifiers/rnn.py", "word = np.full(N, self._start, dtype=np.int64)",
                                "word = np.full(N, 1, dtype=np.int64)",
        "captioning_rnn_sample", "special_indices"),
    "sample_hard_coded_end": ("classifiers/rnn.py", "done |= word == self._end", "done |= word == 2",
        "captioning_rnn_sample", "special_indices"),
    "sample_lstm_cell_not_carried": ("classifiers/rnn.py", "h, c, _ = lstm_step_forward(x, h, c, Wx, Wh, b)",
                                     "h, _, _ = lstm_step_forward(x, h, c, Wx, Wh, b)",
        "captioning_lstm_sample", "sample"),
    "one_step_captions_squeezed": ("classifiers/rnn.py", "x, embed_cache = word_embedding_forward(captions_in, W_embed)",
                                   "x, embed_cache = word_embedding_forward(captions_in.squeeze(), W_embed)",
        "captioning_rnn_gradient", "model_loss"),
}


def _regions(relpath, text):
    return solution_regions(text, f"mml/{relpath}")


def _function_at(regions, line):
    return next((r.function for r in regions if r.begin < line < r.end), None)


def _function_around(text, line):
    """The qualified name of the innermost function holding line."""
    holding = [(node.lineno, name) for name, node in qualified_functions(ast.parse(text)).items()
               if node.lineno <= line <= node.end_lineno]
    return max(holding)[1] if holding else "?"


def classic_mutants():
    found = []
    for name, (relpath, old, new, _, _) in CLASSIC.items():
        text = (MML / relpath).read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise SystemExit(f"tools/mutate.py: classic mutant {name}: its text occurs {text.count(old)} times "
                             f"in mml/{relpath}, not once; fix: update CLASSIC to the reference solution")
        line = text[:text.index(old)].count("\n") + 1
        found.append(Mutant(name, "classic", relpath, _function_around(text, line), line, f"{old!r} -> {new!r}"[:160],
                            text.replace(old, new)))
    return found


# -- random operator mutants ----------------------------------------------------

ARITHMETIC = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
              ast.MatMult: ast.Mult, ast.Pow: ast.Mult}
COMPARISON = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt,
              ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Is: ast.IsNot, ast.IsNot: ast.Is}


def _replacements(node, in_subscript):
    """(description, new node) of each operator mutation of one node."""
    if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
        swapped = copy.deepcopy(node)
        swapped.op = ARITHMETIC[type(node.op)]()
        yield "operator swap", swapped
        if isinstance(node.op, (ast.Add, ast.Sub)):
            yield "dropped term", node.left
            if isinstance(node.op, ast.Add):
                yield "dropped term", node.right
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARISON:
        swapped = copy.deepcopy(node)
        swapped.ops = [COMPARISON[type(node.ops[0])]()]
        yield "comparison swap", swapped
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield "dropped term", node.operand
    elif isinstance(node, ast.AugAssign) and type(node.op) in ARITHMETIC:
        swapped = copy.deepcopy(node)
        swapped.op = ARITHMETIC[type(node.op)]()
        yield "operator swap", swapped
        yield "dropped term", ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno)
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        for delta in (1, -1):
            yield "index shift", ast.Constant(node.value + delta)
    elif isinstance(node, ast.Name) and in_subscript:
        for op in (ast.Add, ast.Sub):
            yield "index shift", ast.BinOp(node, op(), ast.Constant(1))


def _subscript_names(tree):
    """ids of Name nodes that are (part of) a subscript's index: x[:, t, :]."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            inside.update(id(p) for p in parts if isinstance(p, ast.Name))
    return inside


def _splice(text, node, replacement):
    """text with node's source replaced by replacement's (byte offsets, as ast gives them)."""
    lines = text.encode("utf-8").splitlines(keepends=True)
    start = sum(len(line) for line in lines[:node.lineno - 1]) + node.col_offset
    end = sum(len(line) for line in lines[:node.end_lineno - 1]) + node.end_col_offset
    new = ast.unparse(replacement)
    if isinstance(node, ast.expr):
        new = f"({new})"
    raw = text.encode("utf-8")
    return (raw[:start] + new.encode("utf-8") + raw[end:]).decode("utf-8")


def random_mutants():
    found, seen = [], set()
    for relpath in MUTATED_FILES:
        text = (MML / relpath).read_text(encoding="utf-8")
        regions = _regions(relpath, text)
        tree = ast.parse(text)
        subscript_names = _subscript_names(tree)
        for node in ast.walk(tree):
            if not hasattr(node, "end_lineno") or not any(
                    r.begin < node.lineno and node.end_lineno < r.end for r in regions):
                continue
            for what, replacement in _replacements(node, id(node) in subscript_names):
                mutated = _splice(text, node, replacement)
                try:
                    ast.parse(mutated)
                except SyntaxError:
                    continue
                if mutated in seen or mutated == text:
                    continue
                seen.add(mutated)
                change = f"{ast.get_source_segment(text, node)} -> {ast.unparse(replacement)}"
                found.append(Mutant(f"{relpath}:{node.lineno}:{len(found)}", "random", relpath,
                                    _function_at(regions, node.lineno), node.lineno, f"{what}: {change}"[:160],
                                    mutated))
    return found


# -- judging a mutant -----------------------------------------------------------

def _write_student(mutant, folder):
    """folder/mml: the reference's .py files with the mutant's file."""
    for src in MML.rglob("*.py"):
        target = folder / "mml" / src.relative_to(MML)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    (folder / "mml" / mutant.file).write_text(mutant.text, encoding="utf-8")


def _checks_in_order(mutant):
    """The judge's fast checks: a classic mistake's own check first, then
    those named after the mutated function, then the rest."""
    from mml_judge.table import CHECKS, TRAINING
    short = (mutant.function or "").split(".")[-1]
    own = CLASSIC[mutant.name][3] if mutant.kind == "classic" else None
    fast = [c.name for c in CHECKS if c.kind != TRAINING]
    return sorted(fast, key=lambda name: (name != own, short not in name))


def judge_mutant(mutant):
    """(status, the check that killed it or None, its message or the oracle's difference)."""
    import mml_judge
    with tempfile.TemporaryDirectory(prefix="mml_mutant_") as tmp:
        folder = Path(tmp)
        _write_student(mutant, folder)
        for name in _checks_in_order(mutant):
            verdict = mml_judge.judge(name, folder)
            if not verdict.passed:
                return "killed", name, verdict.details.get("idea", "")
        difference = oracle_difference(folder)
    return ("missed", None, difference) if difference else ("equivalent", None, "")


def oracle_difference(folder, timeout=300):
    """The independent check, in a process of its own (a mutant may loop)."""
    try:
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--oracle", str(folder)],
                             capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"did not finish within {timeout} s"
    if out.returncode != 0:
        return f"the independent check failed: {(out.stderr.strip().splitlines() or ['?'])[-1]}"
    return out.stdout.strip()


# -- the independent check ------------------------------------------------------

def _same(a, b, dtype, skip_last=False):
    """Outputs a and b (a value or a tuple; skip_last: the tuple ends with a
    cache, not compared) have the same shapes, dtypes and values."""
    import numpy as np
    a, b = tuple(a) if isinstance(a, tuple) else (a,), tuple(b) if isinstance(b, tuple) else (b,)
    if len(a) != len(b):
        return False
    if skip_last:
        a, b = a[:-1], b[:-1]
    tol = {"rtol": 1e-9, "atol": 1e-12} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-6}
    try:
        for x, y in zip(a, b):
            x, y = np.asarray(x), np.asarray(y)
            if x.shape != y.shape or x.dtype != y.dtype or not np.allclose(x, y, **tol):
                return False
    except (TypeError, ValueError):
        return False
    return True


def oracle(folder):
    """'' when the mutant in folder/mml computes what the reference computes on
    every input tried here, else the first difference."""
    import numpy as np
    from mml_judge.private_import import load_private
    modules = ["rnn_layers", "classifiers.rnn"]
    ref = load_private(MML, "_mml_reference", modules)
    mut = load_private(Path(folder) / "mml", "_mml_mutant", modules)
    rng = np.random.default_rng(2024)

    def run(mod, fn, *args):
        try:
            return getattr(mod["rnn_layers"], fn)(*args)
        except Exception as err:  # noqa: BLE001 - a raising mutant differs
            return err

    def compare(what, fn_ref, fn_mut, dtype):
        expected, got = fn_ref(), fn_mut()
        if isinstance(got, Exception) or not _same(expected, got, dtype, skip_last="forward" in what):
            raise _Differs(what)
        return expected, got

    try:
        for (N, T, D, H), dtype in [(s, d) for s in ((1, 1, 2, 3), (3, 4, 5, 6), (4, 7, 3, 2))
                                    for d in (np.float64, np.float32)]:
            def r(*shape):
                return rng.normal(size=shape).astype(dtype)
            x1, h, c, x = r(N, D), r(N, H), r(N, H), r(N, T, D)
            for cell, G in (("rnn", 1), ("lstm", 4)):
                Wx, Wh, b = r(D, G * H) * 0.5, r(H, G * H) * 0.5, r(G * H)
                step_args = (x1, h, Wx, Wh, b) if cell == "rnn" else (x1, h, c, Wx, Wh, b)
                fwd = f"{cell}_step_forward"
                e, g = compare(fwd, lambda: run(ref, fwd, *step_args), lambda: run(mut, fwd, *step_args), dtype)
                ups = (r(N, H),) if cell == "rnn" else (r(N, H), r(N, H))
                bwd = f"{cell}_step_backward"
                compare(bwd, lambda: run(ref, bwd, *ups, e[-1]), lambda: run(mut, bwd, *ups, g[-1]), dtype)
                seq = (x, h, Wx, Wh, b)
                e, g = compare(f"{cell}_forward", lambda: run(ref, f"{cell}_forward", *seq),
                               lambda: run(mut, f"{cell}_forward", *seq), dtype)
                dh = r(N, T, H)
                compare(f"{cell}_backward", lambda: run(ref, f"{cell}_backward", dh, e[-1]),
                        lambda: run(mut, f"{cell}_backward", dh, g[-1]), dtype)
            V = 5
            words, W = rng.integers(0, V, size=(N, T)), r(V, D)
            e, g = compare("word_embedding_forward", lambda: run(ref, "word_embedding_forward", words, W),
                           lambda: run(mut, "word_embedding_forward", words, W), dtype)
            dout = r(N, T, D)
            compare("word_embedding_backward", lambda: run(ref, "word_embedding_backward", dout, e[-1]),
                    lambda: run(mut, "word_embedding_backward", dout, g[-1]), dtype)
        _oracle_model(ref, mut, rng)
    except _Differs as differs:
        return f"differs in {differs}"
    return ""


class _Differs(Exception):
    pass


def _oracle_model(ref, mut, rng):
    import numpy as np
    vocabularies = (["<NULL>", "<START>", "<END>", "a", "b", "c", "d"],
                    ["a", "b", "e", "<UNK>", "<END>", "c", "<NULL>", "d", "<START>"])
    for words in vocabularies:
        word_to_idx = {w: i for i, w in enumerate(words)}
        null, start, end = word_to_idx["<NULL>"], word_to_idx["<START>"], word_to_idx["<END>"]
        ordinary = [i for i, w in enumerate(words) if not w.startswith("<")]
        for cell in ("rnn", "lstm"):
            for dtype in (np.float64, np.float32):
                models = []
                params = None
                for side in (ref, mut):
                    state = np.random.get_state()
                    model = side["classifiers.rnn"].CaptioningRNN(word_to_idx, input_dim=4, wordvec_dim=3,
                                                                  hidden_dim=5, cell_type=cell, dtype=dtype)
                    np.random.set_state(state)
                    if params is None:
                        params = {k: (rng.normal(size=v.shape) * 0.7).astype(dtype) for k, v in model.params.items()}
                    model.params = {k: v.copy() for k, v in params.items()}
                    models.append(model)
                for N, T in ((1, 1), (4, 1), (3, 6)):
                    captions = np.full((N, T + 1), null)
                    captions[:, 0] = start
                    for i in range(N):
                        length = int(rng.integers(1, T + 1))
                        captions[i, 1:length] = rng.choice(ordinary, size=length - 1)
                        captions[i, length] = end
                    features = rng.normal(size=(N, 4)).astype(dtype)
                    what = f"CaptioningRNN.loss ({cell}, {np.dtype(dtype).name}, T={T})"
                    try:
                        expected = models[0].loss(features, captions)
                        got = models[1].loss(features, captions)
                    except Exception:  # noqa: BLE001
                        raise _Differs(what) from None
                    keys = sorted(expected[1])
                    if sorted(got[1]) != keys or not _same((expected[0], *[expected[1][k] for k in keys]),
                                                           (got[0], *[got[1][k] for k in keys]), dtype):
                        raise _Differs(what)
                for bias in (-100.0, 0.0, 2.0):
                    for model in models:
                        model.params["b_vocab"] = params["b_vocab"].copy()
                        model.params["b_vocab"][end] += bias
                    features = rng.normal(size=(5, 4)).astype(dtype)
                    what = f"CaptioningRNN.sample ({cell}, {np.dtype(dtype).name})"
                    for max_length in (1, 9):
                        try:
                            expected = np.asarray(models[0].sample(features, max_length=max_length))
                            got = np.asarray(models[1].sample(features, max_length=max_length))
                        except Exception:  # noqa: BLE001
                            raise _Differs(what) from None
                        graded = ~((np.cumsum(expected == end, axis=1) - (expected == end)) > 0)
                        if got.shape != expected.shape or np.any((got != expected) & graded):
                            raise _Differs(what)


# -- the run --------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(prog="tools/mutate.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--random", type=int, default=None, metavar="N",
                   help="judge N random operator mutants drawn with --seed (default: all of them)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draw of random mutants")
    p.add_argument("--jobs", type=int, default=2, help="mutants judged at once")
    p.add_argument("--classic-only", action="store_true", help="only the classic mistakes")
    p.add_argument("--only", action="append", metavar="NAME", help="only this mutant (repeatable; a classic "
                   "mistake's name or a random mutant's file:line:number as printed)")
    p.add_argument("--json", type=Path, help="write every result to this file")
    p.add_argument("--oracle", metavar="FOLDER", help=argparse.SUPPRESS)  # the independent check, in a child
    args = p.parse_args(argv)
    if args.oracle:
        print(oracle(args.oracle))
        return 0
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    from mml_judge import reference
    reference.layers()  # load the reference once, before the threads
    mutants = classic_mutants()
    if not args.classic_only:
        pool = random_mutants()
        chosen = pool if args.random is None else random.Random(args.seed).sample(pool, min(args.random, len(pool)))
        mutants += chosen
        print(f"{len(pool)} random operator mutants in the solution regions; judging {len(chosen)}", flush=True)
    if args.only:
        unknown = set(args.only) - {m.name for m in mutants}
        if unknown:
            p.error(f"--only: no mutant named {', '.join(sorted(unknown))}; see CLASSIC in tools/mutate.py")
        mutants = [m for m in mutants if m.name in args.only]
    control = Mutant("reference", "control", "rnn_layers.py", "", 0, "",
                     (MML / "rnn_layers.py").read_text(encoding="utf-8"))
    status, check, detail = judge_mutant(control)
    if status != "equivalent":
        sys.exit(f"tools/mutate.py: the unchanged reference does not pass ({check or detail}); "
                 "fix: make the judge pass the reference first (tests/judge)")
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as executor:
        outcomes = list(executor.map(judge_mutant, mutants))
    seconds = time.monotonic() - start
    results = []
    for mutant, (status, check, detail) in zip(mutants, outcomes):
        result = {**{k: v for k, v in asdict(mutant).items() if k != "text"},
                  "status": status, "killed_by": check, "detail": detail}
        if mutant.kind == "classic":
            expected = CLASSIC[mutant.name][3:]
            result["diagnosed"] = (check, detail) == expected
            if status == "killed" and not result["diagnosed"]:
                print(f"{'killed':10s} {mutant.kind:7s} {mutant.name:40s} by {check} as {detail!r}, "
                      f"not by {expected[0]} as {expected[1]!r}")
        results.append(result)
        if status != "killed":
            print(f"{status:10s} {mutant.kind:7s} {mutant.name:40s} {mutant.function}: {mutant.change} [{detail}]")
    summary = summarize(results)
    summary["seconds"] = round(seconds, 1)
    for kind in ("classic", "random"):
        s = summary[kind]
        if s["total"]:
            print(f"{kind:8s} mutants: {s['total']:4d}, killed {s['killed']:4d}, equivalent {s['equivalent']:3d}, "
                  f"missed {s['missed']:3d}; killed {s['score']:.1%} of the non-equivalent")
    if summary["classic"]["total"]:
        print(f"classic mistakes named by their own check and diagnosis: {summary['classic']['diagnosed']} "
              f"of {summary['classic']['total']}")
    print(f"{len(mutants)} mutants judged in {seconds:.0f} s with {args.jobs} jobs")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"summary": summary, "mutants": results}, indent=1, ensure_ascii=False),
                             encoding="utf-8")
    return 0


def summarize(results):
    summary = {}
    for kind in ("classic", "random"):
        mine = [r for r in results if r["kind"] == kind]
        counts = {s: sum(r["status"] == s for r in mine) for s in ("killed", "equivalent", "missed")}
        judged = counts["killed"] + counts["missed"]
        summary[kind] = dict(total=len(mine), **counts, score=counts["killed"] / judged if judged else 1.0)
    summary["classic"]["diagnosed"] = sum(bool(r.get("diagnosed")) for r in results if r["kind"] == "classic")
    return summary


if __name__ == "__main__":
    sys.exit(main())

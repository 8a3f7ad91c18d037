"""一次 CaptioningRNN.loss（前向 + 反向）在 COCO 规模下的耗时：numpy 对比 PyTorch CPU。
The time of one CaptioningRNN.loss (forward + backward) at COCO scale: numpy vs PyTorch CPU.

Shapes (the classic assignment's COCO run): N=50 captions of T=16 input words,
V=1004 words, D=512 image features, W=256 word vectors, H=512 hidden units;
cells 'rnn' and 'lstm', dtypes float32 and float64.

Beside the model, the same run measures the machine's own matrix-multiply rate:
- "gemm": numpy replaying exactly the matrix products one loss call makes (same
  shapes, same transposed views, same order), with nothing else in between.
  That is the fastest this model can go in numpy; the model's GFLOP/s over the
  gemm GFLOP/s is the share of time spent doing useful matrix work.
- "peak": one large square float matmul (2048^3), the machine's top BLAS rate.

If PyTorch is installed (`pip install -c constraints.txt torch==2.13.0`), an
equivalent model (nn.Linear, nn.Embedding, nn.RNN(tanh) / nn.LSTM, nn.Linear, the
same masked loss) gets the SAME weights, is checked equal to numpy's loss and
gradients, and is timed in the same run (numpy and PyTorch take turns in blocks,
so both see the same machine load). Each figure is the median of the repeats.

OpenBLAS: where OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set (older OpenBLAS
builds need them on some processors), a current numpy runs an older, slower
kernel. This script therefore re-runs itself once with both unset (for this
process only) and records which kernel OpenBLAS then uses; --as-is keeps them.

Usage:
    .venv/bin/python benchmarks/bench_model.py [--repeats 15] [--threads N] [--profile]
                                                [--as-is] [--json PATH]
Writes benchmarks/results/model.json and prints a table. On a shared, busy
machine two BLAS threads that keep losing their core slow down many times over;
--threads 1 then gives the steadier comparison (both libraries get one thread).
"""
import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from mml.classifiers.rnn import CaptioningRNN  # noqa: E402

N, T, V, D, W, H = 50, 16, 1004, 512, 256, 512
CELLS = ("rnn", "lstm")
DTYPES = (np.float32, np.float64)
GATES = {"rnn": 1, "lstm": 4}
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# Equality of numpy and PyTorch: max |a - b| / max |b| over each array.
TOLERANCE = {np.float32: 1e-4, np.float64: 1e-10}
# Targets: numpy time / PyTorch time, and share of the gemm rate.
TARGET_RATIO, TARGET_GEMM_SHARE = 0.8, 0.60
# PyTorch orders the LSTM gates i, f, g, o; ours are i, f, o, g. Swapping the
# last two H-blocks maps one onto the other, both ways.
LSTM_BLOCKS_TO_TORCH = [0, 1, 3, 2]


# -- the problem ------------------------------------------------------------

def make_problem(cell, dtype, seed=0):
    """A COCO-sized model and minibatch; captions padded with <NULL> like COCO's.

    Returns (model, features (N, D), captions (N, T+1) int64).
    """
    words = ["<NULL>", "<START>", "<END>", "<UNK>"] + [f"w{i}" for i in range(4, V)]
    word_to_idx = {w: i for i, w in enumerate(words)}
    np.random.seed(seed)  # CaptioningRNN draws its weights from the global generator
    model = CaptioningRNN(word_to_idx, input_dim=D, wordvec_dim=W, hidden_dim=H,
                          cell_type=cell, dtype=dtype)
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((N, D))
    captions = np.zeros((N, T + 1), dtype=np.int64)  # <NULL> everywhere
    lengths = rng.integers(8, T, size=N)             # words between <START> and <END>
    for n, length in enumerate(lengths):
        captions[n, 0] = word_to_idx["<START>"]
        captions[n, 1:length + 1] = rng.integers(4, V, size=length)
        captions[n, length + 1] = word_to_idx["<END>"]
    return model, features, captions


def model_gemms(cell, dtype, rng):
    """Every matrix product of one loss call, as (a, b) operand pairs in call order.

    The operands have the model's shapes, memory layouts (x_t is a strided view
    of x (N, T, W); x_t.T and da @ Wx.T are transposed views) and sharing (the
    same Wx, Wh and W_vocab at every step, as in the model, so the caches see
    what they see in the model). FLOPs of one product = 2 m k n.
    """
    G = GATES[cell] * H
    draw = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    features, W_proj, dh0 = draw(N, D), draw(D, H), draw(N, H)
    x, Wx, Wh = draw(N, T, W), draw(W, G), draw(H, G)
    prev_h = [draw(N, H) for _ in range(T)]          # h_{t-1} at each step
    da = [draw(N, G) for _ in range(T)]              # gradient of each step's pre-activation
    h_flat, W_vocab, dscores = draw(N * T, H), draw(H, V), draw(N * T, V)
    forward = [(features, W_proj)]                                        # h0
    for t in range(T):
        forward += [(x[:, t, :], Wx), (prev_h[t], Wh)]                    # x_t Wx + h_{t-1} Wh
    forward += [(h_flat, W_vocab)]                                        # scores
    backward = [(dscores, W_vocab.T), (h_flat.T, dscores)]                # dh, dW_vocab
    for t in reversed(range(T)):
        backward += [(da[t], Wx.T), (da[t], Wh.T),                        # dx_t, dh_{t-1}
                     (x[:, t, :].T, da[t]), (prev_h[t].T, da[t])]         # dWx_t, dWh_t
    backward += [(features.T, dh0)]                                       # dW_proj
    return forward + backward


def gemm_flops(gemms):
    """2 m k n summed over the (a (m, k), b (k, n)) pairs."""
    return sum(2 * a.shape[0] * a.shape[1] * b.shape[1] for a, b in gemms)


def model_flops(cell):
    """Matrix-product FLOPs of one loss call (elementwise work is not counted)."""
    return gemm_flops(model_gemms(cell, np.float32, np.random.default_rng(0)))


def gemm_replay(cell, dtype, rng):
    """A function that performs exactly the loss call's matrix products, in order."""
    gemms = model_gemms(cell, dtype, rng)

    def run():
        for a, b in gemms:
            a @ b
    return run


def square_matmul(dtype, rng, size=2048):
    """A function multiplying two size x size matrices, and its FLOPs."""
    a = rng.standard_normal((size, size)).astype(dtype)
    b = rng.standard_normal((size, size)).astype(dtype)
    return (lambda: a @ b), 2 * size ** 3


# -- the PyTorch twin ---------------------------------------------------------

def torch_twin(model, torch):
    """A PyTorch model with the numpy model's weights, and a function giving
    (loss, grads) for (features, captions) with grads in numpy's names and layouts."""
    p = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in model.params.items()}
    dtype = p["Wx"].dtype
    lstm = model.cell_type == "lstm"
    proj = torch.nn.Linear(D, H, dtype=dtype)
    embed = torch.nn.Embedding(V, W, dtype=dtype)
    rnn = (torch.nn.LSTM(W, H, batch_first=True, dtype=dtype) if lstm else
           torch.nn.RNN(W, H, nonlinearity="tanh", batch_first=True, dtype=dtype))
    vocab = torch.nn.Linear(H, V, dtype=dtype)

    def to_torch_gates(a):  # (..., 4H) in i, f, o, g -> i, f, g, o (an involution)
        return a if not lstm else torch.cat(
            [a[..., j * H:(j + 1) * H] for j in LSTM_BLOCKS_TO_TORCH], dim=-1)

    with torch.no_grad():  # PyTorch stores weights as (out, in): the transpose of ours
        proj.weight.copy_(p["W_proj"].T)
        proj.bias.copy_(p["b_proj"])
        embed.weight.copy_(p["W_embed"])
        rnn.weight_ih_l0.copy_(to_torch_gates(p["Wx"]).T)
        rnn.weight_hh_l0.copy_(to_torch_gates(p["Wh"]).T)
        rnn.bias_ih_l0.copy_(to_torch_gates(p["b"]))
        rnn.bias_hh_l0.zero_()  # ours has one bias; PyTorch adds two
        vocab.weight.copy_(p["W_vocab"].T)
        vocab.bias.copy_(p["b_vocab"])
    rnn.bias_hh_l0.requires_grad_(False)
    trained = [proj.weight, proj.bias, embed.weight, rnn.weight_ih_l0, rnn.weight_hh_l0,
               rnn.bias_ih_l0, vocab.weight, vocab.bias]
    null = model.word_to_idx["<NULL>"]

    def loss_and_grads(features, captions, want_grads=True):
        for param in trained:
            param.grad = None
        features_t = torch.from_numpy(features).to(dtype)
        captions_t = torch.from_numpy(captions)
        captions_in, captions_out = captions_t[:, :-1], captions_t[:, 1:]
        mask = (captions_out != null).reshape(-1).to(dtype)            # (N*T,)
        h0 = proj(features_t).unsqueeze(0)                              # (1, N, H)
        x = embed(captions_in)                                          # (N, T, W)
        h, _ = rnn(x, (h0, torch.zeros_like(h0))) if lstm else rnn(x, h0)  # (N, T, H)
        scores = vocab(h).reshape(N * T, V)
        per_word = torch.nn.functional.cross_entropy(
            scores, captions_out.reshape(-1), reduction="none")
        loss = (per_word * mask).sum() / features.shape[0]  # sum over time, mean over batch
        loss.backward()
        if not want_grads:
            return None
        g = {name: param.grad for name, param in zip(
            ["W_proj", "b_proj", "W_embed", "Wx", "Wh", "b", "W_vocab", "b_vocab"], trained)}
        grads = {
            "W_proj": g["W_proj"].T, "b_proj": g["b_proj"], "W_embed": g["W_embed"],
            "Wx": to_torch_gates(g["Wx"].T), "Wh": to_torch_gates(g["Wh"].T),
            "b": to_torch_gates(g["b"]), "W_vocab": g["W_vocab"].T, "b_vocab": g["b_vocab"],
        }
        return float(loss.detach()), {k: v.numpy() for k, v in grads.items()}
    return loss_and_grads


def max_rel_diff(a, b):
    """max |a - b| / max |b|: one number per array, robust to entries near zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


def check_equal(model, twin, features, captions):
    """Compare numpy's loss and gradients with PyTorch's; returns the worst difference
    and raises if it exceeds the dtype's tolerance (a wrong mapping, not noise)."""
    loss_np, grads_np = model.loss(features, captions)
    loss_t, grads_t = twin(features, captions)
    diffs = {"loss": max_rel_diff(loss_np, loss_t)}
    diffs.update({k: max_rel_diff(grads_np[k], grads_t[k]) for k in grads_np})
    worst = max(diffs, key=diffs.get)
    if diffs[worst] > TOLERANCE[model.dtype]:
        raise SystemExit(
            f"bench_model: numpy 与 PyTorch 不一致 / numpy and PyTorch disagree "
            f"({model.cell_type}, {np.dtype(model.dtype).name}): {worst} differs by "
            f"{diffs[worst]:.2e} > {TOLERANCE[model.dtype]:.0e}; check the weight mapping")
    return worst, diffs[worst]


# -- where the time goes ---------------------------------------------------

def layer_parts(model, features, captions):
    """One function per stage of model.loss, on the stage's real inputs, for a
    breakdown: name -> function. The cell's matrix products are inside 'cell'."""
    from mml import rnn_layers as L
    p = model.params
    lstm = model.cell_type == "lstm"
    cell_forward = L.lstm_forward if lstm else L.rnn_forward
    cell_backward = L.lstm_backward if lstm else L.rnn_backward
    captions_in, captions_out = captions[:, :-1], captions[:, 1:]
    mask = captions_out != model.word_to_idx["<NULL>"]
    features = features.astype(model.dtype)
    h0 = features @ p["W_proj"] + p["b_proj"]
    x, embed_cache = L.word_embedding_forward(captions_in, p["W_embed"])
    h, cell_cache = cell_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    scores, affine_cache = L.temporal_affine_forward(h, p["W_vocab"], p["b_vocab"])
    _, dscores = L.temporal_softmax_loss(scores, captions_out, mask)
    dh, _, _ = L.temporal_affine_backward(dscores, affine_cache)
    dx, _, _, _, _ = cell_backward(dh, cell_cache)
    return {
        "cell forward": lambda: cell_forward(x, h0, p["Wx"], p["Wh"], p["b"]),
        "cell backward": lambda: cell_backward(dh, cell_cache),
        "vocab affine f+b": lambda: (L.temporal_affine_forward(h, p["W_vocab"], p["b_vocab"]),
                                     L.temporal_affine_backward(dscores, affine_cache)),
        "softmax loss": lambda: L.temporal_softmax_loss(scores, captions_out, mask),
        "embedding f+b": lambda: (L.word_embedding_forward(captions_in, p["W_embed"]),
                                  L.word_embedding_backward(dx, embed_cache)),
    }


# -- timing -------------------------------------------------------------------

def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_rounds(contenders, repeats, blocks=3, pause=0.5):
    """Time each contender (name -> function) `repeats` times. Returns name -> list of s.

    The repeats run in `blocks` blocks per contender, the contenders taking
    turns block by block (A A A B B B A A A ...), so that a change in machine
    load reaches all of them. Between turns the process sleeps `pause` seconds
    and each block starts with an untimed call: the idle threads of the previous
    library's thread pool (OpenBLAS, OpenMP) spin for a while after its last
    call, and on 2 cores they would steal the next library's time.
    """
    times = {name: [] for name in contenders}
    sizes = [len(part) for part in np.array_split(range(repeats), blocks)]
    for size in sizes:
        for name, fn in contenders.items():
            time.sleep(pause)
            fn()
            times[name] += [timed(fn) for _ in range(size)]
    return times


def summary(seconds):
    """Median in ms and the spread (interquartile range / median, %)."""
    q1, med, q3 = np.percentile(seconds, [25, 50, 75])
    return {"median_ms": 1e3 * med, "iqr_pct": 100 * (q3 - q1) / med,
            "min_ms": 1e3 * min(seconds), "all_ms": [round(1e3 * s, 3) for s in seconds]}


# -- environment --------------------------------------------------------------

def reexec_without_openblas_overrides(args):
    """Run this script again with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset (this
    process only), unless --as-is; returns the values that were set."""
    found = {k: os.environ[k] for k in OPENBLAS_VARS if k in os.environ}
    if found and not args.as_is:
        env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
        env["BENCH_MODEL_UNSET_OPENBLAS"] = json.dumps(found)
        os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]], env)
    return json.loads(os.environ.get("BENCH_MODEL_UNSET_OPENBLAS", "{}")), found


def blas_info():
    """numpy's BLAS (library, version, kernel, threads) as threadpoolctl sees it."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {"note": "threadpoolctl not installed: kernel unknown"}
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return {k: pool.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
    return {"note": "no BLAS found by threadpoolctl"}


_BLAS_LIMITS = []  # keeps the threadpoolctl limiter alive for the whole run


def limit_blas_threads(n):
    """Make numpy's BLAS use n threads (threadpoolctl), or stop with a one-line error."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise SystemExit("bench_model: --threads 需要 threadpoolctl / --threads needs threadpoolctl: "
                         ".venv/bin/pip install -c constraints.txt threadpoolctl")
    _BLAS_LIMITS.append(threadpool_limits(limits=n, user_api="blas"))


def load_average():
    return [round(x, 2) for x in os.getloadavg()]


# -- main ---------------------------------------------------------------------

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeats", type=int, default=15, help="timed rounds per case (median)")
    parser.add_argument("--as-is", action="store_true",
                        help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE as set")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for numpy's BLAS and PyTorch (default: what numpy's BLAS uses)")
    parser.add_argument("--profile", action="store_true",
                        help="also time each stage of the numpy loss (where the time goes)")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "model.json",
                        help="where to write the figures")
    args = parser.parse_args()
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1; 线程数至少为 1")
    if args.repeats < 3:
        parser.error("--repeats must be at least 3 (the median of fewer is noise); 至少 3 次")
    try:  # find out now, not after minutes of timing, that the result cannot be written
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.with_suffix(".json.tmp").touch()
    except OSError as err:
        parser.error(f"--json {args.json}: 无法写入 / cannot write ({err.strerror}); pick a writable path")
    return args


def bench_case(cell, dtype, repeats, torch, peak_gflops, profile=False):
    """Time one (cell, dtype): numpy loss, its gemm replay and, if present, PyTorch."""
    model, features, captions = make_problem(cell, dtype)
    contenders = {"numpy": lambda: model.loss(features, captions),
                  "gemm": gemm_replay(cell, dtype, np.random.default_rng(1))}
    row = {"cell": cell, "dtype": np.dtype(dtype).name, "gflop": model_flops(cell) / 1e9}
    if torch is not None:
        twin = torch_twin(model, torch)
        row["check_worst"], row["check_max_rel_diff"] = check_equal(model, twin, features, captions)
        contenders["torch"] = lambda: twin(features, captions, want_grads=False)
    if profile:
        contenders.update(layer_parts(model, features, captions))
    times = {k: summary(v) for k, v in time_rounds(contenders, repeats).items()}
    row["times"] = times
    numpy_s = times["numpy"]["median_ms"] / 1e3
    row["numpy_gflops"] = row["gflop"] / numpy_s
    row["gemm_gflops"] = row["gflop"] / (times["gemm"]["median_ms"] / 1e3)
    row["share_of_gemm"] = row["numpy_gflops"] / row["gemm_gflops"]
    row["share_of_peak"] = row["numpy_gflops"] / peak_gflops
    if torch is not None:
        row["torch_gflops"] = row["gflop"] / (times["torch"]["median_ms"] / 1e3)
        row["ratio_numpy_over_torch"] = times["numpy"]["median_ms"] / times["torch"]["median_ms"]
        row["ratio_of_minima"] = times["numpy"]["min_ms"] / times["torch"]["min_ms"]
    return row


def print_table(result):
    print("\n模型基准：一次 loss（前向 + 反向） / Model benchmark: one loss call (forward + backward)")
    print(f"N={N} T={T} V={V} D={D} W={W} H={H}; BLAS {result['blas']}; "
          f"threads numpy={result['threads']} torch={result['torch_threads']}")
    print("peak (2048^3 matmul): " + ", ".join(
        f"{k} {v['gflops']:.0f} GFLOP/s" for k, v in result["peak"].items()))
    head = (f"{'cell':5} {'dtype':8} {'GFLOP':>6} {'numpy ms':>9} {'±%':>4} {'GFLOP/s':>8} "
            f"{'gemm ms':>8} {'%gemm':>6} {'%peak':>6} {'torch ms':>9} {'±%':>4} "
            f"{'np/torch':>8} {'(mins)':>6} {'check':>8}  targets")
    print(head)
    for r in result["rows"]:
        t = r["times"]
        torch_ms = f"{t['torch']['median_ms']:9.1f} {t['torch']['iqr_pct']:4.0f}" if "torch" in t else f"{'-':>9} {'-':>4}"
        ratio = (f"{r['ratio_numpy_over_torch']:8.2f} {r['ratio_of_minima']:6.2f}" if "torch" in t
                 else f"{'-':>8} {'-':>6}")
        check = f"{r['check_max_rel_diff']:8.0e}" if "torch" in t else f"{'-':>8}"
        ok_ratio = "-" if "torch" not in t else ("ok" if r["ratio_numpy_over_torch"] <= TARGET_RATIO else "MISS")
        ok_gemm = "ok" if r["share_of_gemm"] >= TARGET_GEMM_SHARE else "MISS"
        print(f"{r['cell']:5} {r['dtype']:8} {r['gflop']:6.2f} {t['numpy']['median_ms']:9.1f} "
              f"{t['numpy']['iqr_pct']:4.0f} {r['numpy_gflops']:8.0f} {t['gemm']['median_ms']:8.1f} "
              f"{100 * r['share_of_gemm']:5.0f}% {100 * r['share_of_peak']:5.0f}% {torch_ms} "
              f"{ratio} {check}  ratio<={TARGET_RATIO}:{ok_ratio} gemm>={TARGET_GEMM_SHARE:.0%}:{ok_gemm}")
    stages = [k for k in result["rows"][0]["times"] if k not in ("numpy", "gemm", "torch")]
    if stages:
        print("numpy stages, median ms (the gemm replay is all the matrix products):")
        print(f"{'cell':5} {'dtype':8} " + " ".join(f"{k:>17}" for k in ["numpy", "gemm", *stages]))
        for r in result["rows"]:
            print(f"{r['cell']:5} {r['dtype']:8} " + " ".join(
                f"{r['times'][k]['median_ms']:17.2f}" for k in ["numpy", "gemm", *stages]))
    print(f"load average before {result['load_before']} after {result['load_after']}; "
          f"±% = interquartile range / median of {result['repeats']} rounds; "
          f"(mins) = numpy/torch of the fastest rounds")


def main():
    args = parse_args()
    unset, kept = reexec_without_openblas_overrides(args)
    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch 未安装，只测 numpy / PyTorch not installed: numpy only "
              "(pip install -c constraints.txt torch==2.13.0)")
    if args.threads is not None:
        limit_blas_threads(args.threads)
    blas = blas_info()
    threads = blas.get("num_threads") or os.cpu_count()
    if torch is not None:
        torch.set_num_threads(threads)  # the same cores numpy's BLAS uses
    result = {"shapes": dict(N=N, T=T, V=V, D=D, W=W, H=H), "repeats": args.repeats,
              "machine": {"cpu_count": os.cpu_count(), "processor": platform.processor() or platform.machine()},
              "numpy": np.__version__, "torch": None if torch is None else torch.__version__,
              "blas": blas, "threads": threads,
              "torch_threads": None if torch is None else torch.get_num_threads(),
              "openblas_env_unset_for_this_run": unset, "openblas_env_kept": kept,
              "targets": {"ratio_numpy_over_torch_max": TARGET_RATIO, "share_of_gemm_min": TARGET_GEMM_SHARE},
              "load_before": load_average()}
    rng = np.random.default_rng(2)
    result["peak"] = {}
    for dtype in DTYPES:
        fn, flops = square_matmul(dtype, rng)
        ms = summary(time_rounds({"peak": fn}, args.repeats)["peak"])["median_ms"]
        result["peak"][np.dtype(dtype).name] = {"median_ms": ms, "gflops": flops / ms / 1e6}
    result["rows"] = [bench_case(cell, dtype, args.repeats, torch,
                                 result["peak"][np.dtype(dtype).name]["gflops"], args.profile)
                      for dtype in DTYPES for cell in CELLS]
    result["load_after"] = load_average()
    print_table(result)
    tmp = args.json.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=1))
    tmp.replace(args.json)  # never a half-written file
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()

"""解码速度与图像描述质量：贪心、束搜索（3 和 5）与温度采样。
Decoding speed and caption quality: greedy, beam search (3 and 5) and temperature sampling.

1. Trains the reference RNN and LSTM CaptioningRNN (the Recipe below) on the
   training split of the dataset load_coco_data finds (the embedded offline
   dataset unless $MML_COCO_DIR or the real COCO download is there).
2. Speed: captions per second of greedy decoding (CaptioningRNN.sample), beam
   search with beam 3 and 5, and temperature sampling, on the first 1,000 val
   images (median of --repeats runs; each run decodes all images in one call).
3. Quality: the COCO caption metrics (mml.caption_metrics.evaluate_captions:
   one caption per val image, all its references) of every decoder, and the
   mean log-probability of the chosen captions.

Usage:
    .venv/bin/python benchmarks/bench_decoding.py [--epochs 4] [--images 1000] [--repeats 3] [--json PATH]
Writes benchmarks/results/decoding.json and prints a table.
"""
import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

# One BLAS thread: these matrices are small, and on a loaded machine a second
# OpenBLAS thread spin-waits for a core (20x slower training was measured).
# Set OPENBLAS_NUM_THREADS yourself to measure otherwise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

from mml.caption_metrics import evaluate_captions  # noqa: E402
from mml.captioning_solver import CaptioningSolver  # noqa: E402
from mml.classifiers.rnn import CaptioningRNN  # noqa: E402
from mml.coco_utils import find_data_dir, load_coco_data  # noqa: E402
from mml.decoding import beam_search, caption_log_prob, sample_with_temperature  # noqa: E402

MAX_LENGTH = 16  # the dataset's captions hold at most 15 words + <END>
# (name, decoder, decoder kwargs) for evaluate_captions; the same for timing.
DECODERS = [
    ("greedy", "greedy", {}),
    ("beam 3", "beam", {"beam_size": 3}),
    ("beam 5", "beam", {"beam_size": 5}),
    ("temperature 0.7", "temperature", {"temperature": 0.7, "seed": 0}),
]
METRICS = ("BLEU-1", "BLEU-4", "METEOR", "ROUGE-L", "CIDEr-D")


@dataclass
class Recipe:
    """How the reference models are trained; small enough for a laptop CPU."""
    wordvec_dim: int = 128       # W: size of a word vector
    hidden_dim: int = 256        # H: size of the hidden state
    num_epochs: int = 4          # passes over all training captions
    batch_size: int = 100        # captions per minibatch
    learning_rate: float = 5e-3  # Adam's step size
    lr_decay: float = 0.8        # learning rate multiplied by this each epoch
    seed: int = 231              # the same models on every run


def train(data, cell_type, recipe):
    np.random.seed(recipe.seed)
    model = CaptioningRNN(data["word_to_idx"], input_dim=data["train_features"].shape[1],
                          wordvec_dim=recipe.wordvec_dim, hidden_dim=recipe.hidden_dim,
                          cell_type=cell_type)
    solver = CaptioningSolver(model, data, update_rule="adam", num_epochs=recipe.num_epochs,
                              batch_size=recipe.batch_size, lr_decay=recipe.lr_decay,
                              optim_config={"learning_rate": recipe.learning_rate}, verbose=False)
    start = time.perf_counter()
    solver.train()
    return model, time.perf_counter() - start, float(np.mean(solver.loss_history[-50:]))


def decode(model, features, decoder, kwargs):
    if decoder == "greedy":
        return model.sample(features, max_length=MAX_LENGTH)
    if decoder == "beam":
        return beam_search(model, features, max_length=MAX_LENGTH, **kwargs)
    return sample_with_temperature(model, features, max_length=MAX_LENGTH, **kwargs)


def measure(model, data, images, repeats):
    """Speed, mean log-probability and metrics of every decoder, for one model."""
    features = data["val_features"][np.unique(data["val_image_idxs"])[:images]]
    rows = []
    for name, decoder, kwargs in DECODERS:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            captions = decode(model, features, decoder, kwargs)
            times.append(time.perf_counter() - start)
        seconds = float(np.median(times))
        metrics = evaluate_captions(model, data, "val", decoder, max_images=images,
                                    max_length=MAX_LENGTH, **kwargs)
        rows.append({"decoder": name, "images": len(features), "seconds": seconds,
                     "captions_per_second": len(features) / seconds,
                     "mean_log_prob": float(caption_log_prob(model, features, captions).mean()),
                     "mean_words": float(np.mean([(c != 0).sum() - (c == 2).sum() for c in captions])),
                     **metrics})
    return rows


def print_table(results):
    head = f"{'cell':<5} {'decoder':<16} {'capt/s':>8} {'log P':>7} {'words':>6} " + \
        " ".join(f"{m:>8}" for m in METRICS)
    print(head)
    print("-" * len(head))
    for cell, rows in results.items():
        for r in rows:
            metrics = " ".join(f"{r[m]:8.3f}" if m in r else f"{'-':>8}" for m in METRICS)
            print(f"{cell:<5} {r['decoder']:<16} {r['captions_per_second']:8.0f} "
                  f"{r['mean_log_prob']:7.2f} {r['mean_words']:6.2f} {metrics}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--epochs", type=int, default=Recipe.num_epochs, help="training epochs per model")
    parser.add_argument("--images", type=int, default=1000, help="val images to caption")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per decoder (median)")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "decoding.json",
                        help="where to write the figures")
    args = parser.parse_args()
    if args.epochs < 1 or args.images < 1 or args.repeats < 1:
        sys.exit("bench_decoding.py: --epochs, --images and --repeats must be positive integers")

    recipe = Recipe(num_epochs=args.epochs)
    data_dir, data_name = find_data_dir()
    data = load_coco_data()
    results, training = {}, {}
    for cell in ("rnn", "lstm"):
        model, seconds, loss = train(data, cell, recipe)
        training[cell] = {"seconds": seconds, "final_loss": loss}
        print(f"trained {cell}: {seconds:.0f} s, loss {loss:.3f}", flush=True)
        results[cell] = measure(model, data, args.images, args.repeats)

    print_table(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "dataset": data_name, "data_dir": str(data_dir), "recipe": asdict(recipe),
        "max_length": MAX_LENGTH, "training": training, "results": results,
        "machine": {"python": platform.python_version(), "numpy": np.__version__,
                    "processor": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                    "OPENBLAS_NUM_THREADS": os.environ["OPENBLAS_NUM_THREADS"],
                    "load_average": os.getloadavg()[0]},
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()

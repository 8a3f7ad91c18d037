"""嵌入式数据集值得训练吗？LSTM 在验证集上的 BLEU-4 与最近邻检索基线对比。
Is the embedded dataset worth training on? Val BLEU-4 of a trained LSTM vs a retrieval baseline.

1. Train the reference CaptioningRNN (cell 'lstm') on all train captions of the
   embedded dataset with adam, a fixed number of iterations (a fixed seed, so
   a rerun gives the same model up to BLAS rounding).
2. Caption every val image greedily (model.sample).
3. Retrieval baseline: for every val image, the first caption of the training
   image whose 512-d PCA feature vector is nearest (Euclidean).
4. Score both against the 5 val references of each image with the COCO
   metrics (mml.caption_metrics.score_captions, pycocoevalcap's Bleu; the
   pure-Python tokeniser, so the figures do not depend on Java).

Every val image shows a colour-shape pair that train never shows, so the
baseline cannot copy a right caption; the model must compose one.

Usage:
    .venv/bin/python benchmarks/bench_captioning_quality.py [--iterations 1500]
Writes benchmarks/results/captioning_quality.json and prints a table.
"""
import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

# One BLAS thread: this model's matrices are small, and OpenBLAS threads that
# spin-wait for each other cost more than they give (measured: 0.06 s of CPU
# per iteration with one thread, 1.6 s with two on a busy 2-core machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after the BLAS setting)

from mml.captioning_solver import CaptioningSolver
from mml.caption_metrics import references_by_image, score_captions
from mml.classifiers.rnn import CaptioningRNN
from mml.coco_utils import decode_captions, load_coco_data
from mml.datasets import ensure_embedded

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "book"))
from small_models import nearest_caption_baseline  # noqa: E402  (the book's baseline, one definition)

RESULTS = Path(__file__).resolve().parent / "results" / "captioning_quality.json"


def train_lstm(data, iterations, hidden_dim, wordvec_dim, batch_size, learning_rate):
    """The trained model, its final loss (mean of the last 50 iterations), the
    wall and CPU seconds of training (CPU: all threads; on a shared machine
    the wall time grows with the load, the CPU time does not) and the number
    of iterations."""
    np.random.seed(231)
    model = CaptioningRNN(data["word_to_idx"], input_dim=data["train_features"].shape[1],
                          wordvec_dim=wordvec_dim, hidden_dim=hidden_dim, cell_type="lstm")
    num_train = data["train_captions"].shape[0]
    per_epoch = max(num_train // batch_size, 1)
    epochs = max(1, round(iterations / per_epoch))
    solver = CaptioningSolver(model, data, update_rule="adam", num_epochs=epochs, batch_size=batch_size,
                              optim_config={"learning_rate": learning_rate}, lr_decay=0.9, verbose=False)
    wall, cpu = time.perf_counter(), time.process_time()
    solver.train()
    seconds = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
    return model, float(np.mean(solver.loss_history[-50:])), seconds, epochs * per_epoch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--iterations", type=int, default=1500, help="training iterations (rounded to whole epochs)")
    parser.add_argument("--hidden", type=int, default=256, help="LSTM hidden size H")
    parser.add_argument("--wordvec", type=int, default=128, help="word vector size D")
    parser.add_argument("--batch", type=int, default=100, help="captions per minibatch")
    parser.add_argument("--lr", type=float, default=5e-3, help="adam learning rate")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the figures")
    args = parser.parse_args()

    data = load_coco_data(base_dir=ensure_embedded())
    image_idxs, references = references_by_image(data, "val")

    start = time.perf_counter()
    baseline_captions = nearest_caption_baseline(data, image_idxs)
    baseline = score_captions(references, dict(zip(references, baseline_captions)), java=False)
    baseline_seconds = time.perf_counter() - start

    model, final_loss, train_seconds, iterations = train_lstm(
        data, args.iterations, args.hidden, args.wordvec, args.batch, args.lr)
    generated = decode_captions(model.sample(data["val_features"][image_idxs]), data["idx_to_word"])
    lstm = score_captions(references, dict(zip(references, generated)), java=False)

    results = {
        "dataset": ensure_embedded().name, "val_images": len(image_idxs),
        "lstm": {**lstm, "train_wall_seconds": round(train_seconds["wall"], 1),
                 "train_cpu_seconds": round(train_seconds["cpu"], 1), "iterations": iterations,
                 "final_loss": round(final_loss, 4), "hidden": args.hidden, "wordvec": args.wordvec,
                 "batch": args.batch, "learning_rate": args.lr},
        "nearest_train_caption": {**baseline, "seconds": round(baseline_seconds, 1)},
        "examples": [{"reference": references[int(i)][0], "lstm": g, "nearest": b}
                     for i, g, b in list(zip(image_idxs, generated, baseline_captions))[:8]],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "numpy": np.__version__, "load_average": os.getloadavg()[0]},
    }
    print(f"\n{'val (1 caption/image vs 5 refs)':34s} {'BLEU-1':>7s} {'BLEU-4':>7s} {'CIDEr-D':>8s}")
    for name, row in (("LSTM (greedy)", lstm), ("nearest training feature", baseline)):
        print(f"{name:34s} {row['BLEU-1']:7.3f} {row['BLEU-4']:7.3f} {row['CIDEr-D']:8.3f}")
    print(f"LSTM: {iterations} iterations in {train_seconds['wall']:.0f} s wall, {train_seconds['cpu']:.0f} s CPU, "
          f"final loss {final_loss:.3f} "
          f"(H={args.hidden}, D={args.wordvec}, batch {args.batch})")
    for example in results["examples"][:4]:
        print(f"  ref: {example['reference']}\n  lstm: {example['lstm']}\n  nn:   {example['nearest']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()

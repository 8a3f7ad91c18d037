"""Overfitting checks: the student's model, trained in the child, on 50
training captions, with the original assignment's hyperparameters.

The data are loaded here, by the reference loader, and only the 50 captions
and their image features travel to the child. Training there uses the
instructor's CaptioningSolver and optimiser (provided code; a student's edits
to their copies do not count). The child returns its loss history AND the
trained parameters; the verdict needs both a final loss below the threshold
and, recomputed here by the reference model, a low loss of those parameters
on the 50 captions (so a loss that only reports small numbers cannot pass).
"""
import contextlib
import io

import numpy as np

from . import reference
from .messages import describe_child_failure, failed, passed

# The original's settings (RNN_Captioning / LSTM_Captioning), a seed of our own.
SOLVER = {"update_rule": "adam", "num_epochs": 50, "batch_size": 25,
          "optim_config": {"learning_rate": 5e-3}}
SETTINGS = {
    "rnn": {"threshold": 0.1, "lr_decay": 0.95},
    "lstm": {"threshold": 0.5, "lr_decay": 0.995},
}
# The recomputed loss over all 50 captions may sit a little above the last
# minibatch's; twice the threshold still separates a trained model (a fresh
# one starts near 30) from one that only reports small numbers.
RECOMPUTED_FACTOR = 2.0
MAX_TRAIN, SEED = 50, 4271
# Early stop, checked every CHUNK_EPOCHS epochs: when the last STOP_WINDOW
# minibatch losses are all below STOP_FRACTION * threshold, more epochs would
# not change the verdict.
CHUNK_EPOCHS, STOP_WINDOW, STOP_FRACTION = 5, 5, 0.5


class JudgeDataError(RuntimeError):
    """The grading machine has no captioning data (an instructor-side problem)."""


def data_dir():
    """The folder the reference loader finds (mml.coco_utils.find_data_dir); never built here."""
    try:
        return reference.coco_utils().find_data_dir(build=False)[0]
    except reference.datasets().NoDataError as err:
        raise JudgeDataError(f"mml_judge: {err} (from {reference.REPO_ROOT})") from None


def small_data():
    """50 random training captions, with only the features of their images."""
    state = np.random.get_state()
    np.random.seed(SEED)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the loader's "Loaded ..." line
            data = reference.coco_utils().load_coco_data(base_dir=data_dir(), max_train=MAX_TRAIN)
    finally:
        np.random.set_state(state)
    images, image_idxs = np.unique(data["train_image_idxs"], return_inverse=True)
    return {"train_captions": data["train_captions"], "train_image_idxs": image_idxs,
            "train_features": data["train_features"][images],
            "train_urls": np.full(len(images), "")}, data["word_to_idx"]  # the sampler returns urls too


def _overfit(name, ctx, cell_type):
    settings = SETTINGS[cell_type]
    arrays, word_to_idx = small_data()
    init = {"word_to_idx": word_to_idx, "input_dim": int(arrays["train_features"].shape[1]),
            "hidden_dim": 512, "wordvec_dim": 256, "cell_type": cell_type, "dtype": "float32"}
    threshold = settings["threshold"]
    task = {"kind": "overfit", "init": init, "seed": SEED,
            "solver": dict(SOLVER, lr_decay=settings["lr_decay"]),
            "chunk_epochs": CHUNK_EPOCHS, "stop_window": STOP_WINDOW, "stop_below": STOP_FRACTION * threshold}
    want = (f"训练结束时损失小于 {threshold:g}", f"a final training loss below {threshold:g}")
    result = ctx.run(task, arrays, training=True)
    if result.status != "ok":
        return failed(name, want, describe_child_failure(result, ctx.limits), "overfit", status=result.status)
    history = result.outputs.get("loss_history")
    if history is None or history.ndim != 1 or history.size == 0 or not np.all(np.isfinite(history)):
        return failed(name, want, ("损失出现 NaN 或无穷大", "a loss of NaN or infinity"), "overfit", status="wrong")
    final = float(history[-1])
    model = reference.captioning_rnn()(word_to_idx, input_dim=init["input_dim"], hidden_dim=512,
                                       wordvec_dim=256, cell_type=cell_type, dtype=np.float32)
    for key in model.params:
        trained = result.outputs.get(f"param_{key}")
        if trained is None or trained.shape != model.params[key].shape:
            return failed(name, want, (f"训练后的参数 {key} 缺失或形状不对", f"the trained parameter {key} is missing or misshapen"),
                          "overfit", status="wrong")
        model.params[key] = trained.astype(np.float32)
    recomputed, _ = model.loss(arrays["train_features"][arrays["train_image_idxs"]], arrays["train_captions"])
    recomputed = float(recomputed)
    details = {"final_loss": final, "recomputed_loss": recomputed, "iterations": int(history.size)}
    if final >= threshold:
        return failed(name, want, (f"最终损失为 {final:.4f}", f"a final loss of {final:.4f}"), "overfit",
                      status="wrong", **details)
    if not recomputed < RECOMPUTED_FACTOR * threshold:
        return failed(name, want, (f"报告的最终损失为 {final:.4f}，但用参考模型重新计算训练后参数的损失为 {recomputed:.4f}",
                                   f"a reported final loss of {final:.4f}, but the reference model gives the trained "
                                   f"parameters a loss of {recomputed:.4f}"), "model_loss", status="wrong", **details)
    return passed(name, f"最终训练损失 {final:.4f} < {threshold:g}", f"final training loss {final:.4f} < {threshold:g}",
                  **details)


def rnn_overfit(ctx):
    return _overfit("rnn_overfit", ctx, "rnn")


def lstm_overfit(ctx):
    return _overfit("lstm_overfit", ctx, "lstm")

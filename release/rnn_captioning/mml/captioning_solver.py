"""CaptioningSolver: minibatch training of a captioning model.

The model it trains must provide:
- model.params: dict from parameter name to numpy array
- model.loss(features, captions) -> (loss, grads), with grads a dict of the
  same keys as model.params

Example:

    data = load_coco_data(max_train=50)
    model = CaptioningRNN(data['word_to_idx'], input_dim=data['train_features'].shape[1])
    solver = CaptioningSolver(model, data, update_rule='adam', num_epochs=50,
                              batch_size=25, optim_config={'learning_rate': 5e-3},
                              lr_decay=0.95, verbose=True, print_every=10)
    solver.train()
    solver.loss_history  # one loss per iteration

求解器：按小批量反复计算损失和梯度，并用所选的更新规则更新模型参数。
"""
import numpy as np

from mml import optim
from mml.coco_utils import sample_coco_minibatch

__all__ = ["CaptioningSolver", "clip_by_norm"]

_OPTIONS = {
    "update_rule": "sgd",   # a function name in mml.optim: sgd, sgd_momentum, rmsprop, adam
    "optim_config": None,   # hyperparameters of the update rule, e.g. {'learning_rate': 5e-3}
    "lr_decay": 1.0,        # the learning rate is multiplied by this after every epoch
    "batch_size": 100,      # captions per minibatch
    "num_epochs": 10,       # passes over the training captions
    "print_every": 10,      # iterations between loss prints (verbose only)
    "verbose": True,        # print progress and show a progress bar
    "grad_clip": None,      # clip by norm: rescale all gradients together so their norm is at most this
}


def clip_by_norm(grads, max_norm):
    """Gradient clipping by norm: grads (a dict of arrays) as one vector g;
    if |g| > max_norm, every array is multiplied by max_norm / |g|.
    Returns a new dict (the arrays are not changed in place)."""
    norm = np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads.values()))
    if norm <= max_norm:
        return dict(grads)
    scale = max_norm / norm
    return {name: g * np.asarray(scale, dtype=g.dtype) for name, g in grads.items()}


class CaptioningSolver:
    """Trains a captioning model with minibatch gradient descent.

    After train(), loss_history holds the loss of every iteration.
    """

    def __init__(self, model, data, **kwargs):
        """
        Required inputs:
        - model: an object with params and loss(features, captions), see above
        - data: dict from load_coco_data (train_captions, train_image_idxs,
          train_features, ...)

        Optional keyword arguments, with their defaults:
        - update_rule ('sgd'), optim_config (None), lr_decay (1.0),
          batch_size (100), num_epochs (10), print_every (10), verbose (True)
        - grad_clip (None): gradient clipping by norm. If the norm of all
          gradients together, g = (grads of every parameter) as one vector,
          exceeds grad_clip, every gradient is multiplied by grad_clip / |g|,
          so the step keeps its direction and its length is at most grad_clip
          (before the update rule). None (the default) never clips.
        """
        unknown = sorted(set(kwargs) - set(_OPTIONS))
        if unknown:
            raise ValueError(
                f"CaptioningSolver: unrecognised argument(s) {', '.join(unknown)}; "
                f"expected some of {', '.join(_OPTIONS)}")
        for key in ("train_captions", "train_image_idxs", "train_features"):
            if key not in data:
                raise ValueError(f"CaptioningSolver: data has no {key!r}; pass the dict from load_coco_data")

        self.model = model
        self.data = data
        options = {**_OPTIONS, **kwargs}
        self.update_rule_name = options["update_rule"]
        self.optim_config = dict(options["optim_config"] or {})
        self.lr_decay = options["lr_decay"]
        self.batch_size = options["batch_size"]
        self.num_epochs = options["num_epochs"]
        self.print_every = options["print_every"]
        self.verbose = options["verbose"]
        self.grad_clip = options["grad_clip"]
        if self.grad_clip is not None and not (np.isfinite(self.grad_clip) and self.grad_clip > 0):
            raise ValueError(f"CaptioningSolver: grad_clip must be a positive number or None, got {self.grad_clip!r}")

        if not hasattr(optim, self.update_rule_name) or self.update_rule_name.startswith("_"):
            raise ValueError(
                f"CaptioningSolver: unknown update_rule {self.update_rule_name!r}; "
                f"choose one of {', '.join(optim.__all__)}")
        self.update_rule = getattr(optim, self.update_rule_name)
        self._reset()

    def _reset(self):
        """Fresh bookkeeping; each parameter gets its own optimiser state."""
        self.epoch = 0
        self.loss_history = []
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self):
        """One gradient update on one random minibatch."""
        captions, features, _urls = sample_coco_minibatch(
            self.data, batch_size=self.batch_size, split="train")
        loss, grads = self.model.loss(features, captions)
        self.loss_history.append(float(loss))
        if self.grad_clip is not None:
            grads = clip_by_norm(grads, self.grad_clip)
        for p, w in self.model.params.items():
            next_w, next_config = self.update_rule(w, grads[p], self.optim_configs[p])
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def train(self):
        """Run num_epochs epochs of optimisation; fills loss_history."""
        num_train = self.data["train_captions"].shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        progress = None
        if self.verbose:
            from tqdm.auto import tqdm  # imported here: only a verbose run draws a bar
            progress = tqdm(total=num_iterations, desc="train", unit="it")

        for t in range(num_iterations):
            self._step()
            if progress is not None:
                progress.update(1)
                progress.set_postfix(loss=f"{self.loss_history[-1]:.4f}", refresh=False)
                if t % self.print_every == 0:
                    progress.write(f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}")
            if not np.isfinite(self.loss_history[-1]):
                if progress is not None:
                    progress.close()
                raise FloatingPointError(
                    f"loss became {self.loss_history[-1]} at iteration {t + 1}; "
                    "lower optim_config['learning_rate'] or check the backward pass")
            if (t + 1) % iterations_per_epoch == 0:
                self.epoch += 1
                for config in self.optim_configs.values():
                    config["learning_rate"] *= self.lr_decay

        if progress is not None:
            progress.close()

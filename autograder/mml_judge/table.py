"""The judge's checks, in the order of the assignment: one row per check.

Each row names the check, the function that judges it (``function(ctx) ->
Verdict``), its kind ("ordinary", or "training" for a check that trains a model
and gets the longer time limit), the notebook that calls it and the grade_id of
that notebook's test cell. The check modules only define functions; this table
is the one place that lists them.
"""
from dataclasses import dataclass
from typing import Callable

from . import checks_lstm, checks_model, checks_rnn, checks_train

ORDINARY, TRAINING = "ordinary", "training"
RNN_NOTEBOOK, LSTM_NOTEBOOK = "RNN_Captioning.ipynb", "LSTM_Captioning.ipynb"


@dataclass(frozen=True)
class Check:
    """One row of the table."""
    name: str
    function: Callable
    kind: str
    notebook: str

    @property
    def grade_id(self):
        """The grade_id of the notebook's test cell that calls this check."""
        return "test-" + self.name.replace("_", "-")

    @property
    def training(self):
        return self.kind == TRAINING


CHECKS = (
    Check("rnn_step_forward", checks_rnn.rnn_step_forward, ORDINARY, RNN_NOTEBOOK),
    Check("rnn_step_backward", checks_rnn.rnn_step_backward, ORDINARY, RNN_NOTEBOOK),
    Check("rnn_forward", checks_rnn.rnn_forward, ORDINARY, RNN_NOTEBOOK),
    Check("rnn_backward", checks_rnn.rnn_backward, ORDINARY, RNN_NOTEBOOK),
    Check("word_embedding_forward", checks_rnn.word_embedding_forward, ORDINARY, RNN_NOTEBOOK),
    Check("word_embedding_backward", checks_rnn.word_embedding_backward, ORDINARY, RNN_NOTEBOOK),
    Check("captioning_rnn_loss", checks_model.captioning_rnn_loss, ORDINARY, RNN_NOTEBOOK),
    Check("captioning_rnn_gradient", checks_model.captioning_rnn_gradient, ORDINARY, RNN_NOTEBOOK),
    Check("captioning_rnn_sample", checks_model.captioning_rnn_sample, ORDINARY, RNN_NOTEBOOK),
    Check("captioning_rnn_dtype", checks_model.captioning_rnn_dtype, ORDINARY, RNN_NOTEBOOK),
    Check("rnn_overfit", checks_train.rnn_overfit, TRAINING, RNN_NOTEBOOK),
    Check("lstm_step_forward", checks_lstm.lstm_step_forward, ORDINARY, LSTM_NOTEBOOK),
    Check("lstm_step_backward", checks_lstm.lstm_step_backward, ORDINARY, LSTM_NOTEBOOK),
    Check("lstm_forward", checks_lstm.lstm_forward, ORDINARY, LSTM_NOTEBOOK),
    Check("lstm_backward", checks_lstm.lstm_backward, ORDINARY, LSTM_NOTEBOOK),
    Check("captioning_lstm_loss", checks_model.captioning_lstm_loss, ORDINARY, LSTM_NOTEBOOK),
    Check("captioning_lstm_gradient", checks_model.captioning_lstm_gradient, ORDINARY, LSTM_NOTEBOOK),
    Check("lstm_overfit", checks_train.lstm_overfit, TRAINING, LSTM_NOTEBOOK),
    Check("captioning_lstm_sample", checks_model.captioning_lstm_sample, ORDINARY, LSTM_NOTEBOOK),
)
BY_NAME = {check.name: check for check in CHECKS}


def check_names():
    """Every check name, in the order of the assignment."""
    return [check.name for check in CHECKS]


def get(name):
    """The row of check `name`; ValueError naming the choices when there is none."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"mml_judge: unknown check {name!r}; choose one of {', '.join(BY_NAME)}") from None


def checks_for_cell(grade_id):
    """The names of the checks a notebook test cell (by its grade_id) stands for."""
    return [check.name for check in CHECKS if check.grade_id == grade_id]

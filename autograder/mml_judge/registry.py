"""The table of checks: name -> function(ctx) -> Verdict.

The check modules register themselves on import; ``all_checks()`` imports them.
"""
CHECKS = {}
TRAINING = set()  # checks that train a model (their own, longer time limit)


def register(name, training=False):
    def add(fn):
        CHECKS[name] = fn
        if training:
            TRAINING.add(name)
        return fn
    return add


# The order of the assignment (and of the team's list of check names).
ORDER = [
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "word_embedding_forward", "word_embedding_backward",
    "captioning_rnn_loss", "captioning_rnn_gradient", "captioning_rnn_sample", "captioning_rnn_dtype",
    "rnn_overfit",
    "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
    "captioning_lstm_loss", "captioning_lstm_gradient", "lstm_overfit", "captioning_lstm_sample",
]


def all_checks():
    """name -> check function, in ORDER."""
    from . import checks_lstm, checks_model, checks_rnn, checks_train  # noqa: F401 - they register
    return {name: CHECKS[name] for name in ORDER}

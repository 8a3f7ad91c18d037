"""Temperature sampling, beam search and caption log-probabilities
(mml.decoding), checked against greedy decoding, exhaustive search and the
model's own training loss."""
import itertools

import numpy as np
import pytest

from mml import decoding
from mml.decoding import beam_search, caption_log_prob, length_penalty_factor, sample_with_temperature

# The special words of the tests' vocabulary (tests/quality/conftest.py), as in every dataset.
NULL, START, END = 0, 1, 2
CELLS = ["rnn", "lstm"]


def normalised_score(model, features, captions, alpha):
    """log P(caption) / lp(L), L = words up to and including <END>."""
    ended = (captions == END).any(axis=1)
    length = np.where(ended, (captions == END).argmax(axis=1) + 1, captions.shape[1])
    return caption_log_prob(model, features, captions) / length_penalty_factor(length, alpha)


# -- caption_log_prob --------------------------------------------------------

@pytest.mark.parametrize("cell", CELLS)
def test_caption_log_prob_matches_training_loss(cell, kit):
    """For captions ending in <END> then <NULL>, the training loss (summed over
    time, averaged over the batch) is -mean(log P(caption))."""
    model = kit.random_model(cell, seed=3)
    features = kit.features(4)
    captions = np.array([[4, 5, 7, END, NULL], [4, END, NULL, NULL, NULL],
                         [6, 6, 8, 9, END], [END, NULL, NULL, NULL, NULL]])
    loss, _ = model.loss(features, np.hstack([np.full((4, 1), START), captions]))
    log_prob = caption_log_prob(model, features, captions)
    assert log_prob.shape == (4,) and log_prob.dtype == np.float64
    np.testing.assert_allclose(-log_prob.mean(), loss, rtol=1e-10)


def test_caption_log_prob_stops_at_end(kit):
    model = kit.random_model("rnn", seed=4)
    features = kit.features(1)
    base = caption_log_prob(model, features, np.array([[4, 5, END, NULL]]))
    after_end = caption_log_prob(model, features, np.array([[4, 5, END, 7]]))
    two_words = caption_log_prob(model, features, np.array([[4, 5]]))
    no_end = caption_log_prob(model, features, np.array([[4, 5, NULL]]))
    assert after_end[0] == base[0]
    assert base[0] < two_words[0] < 0  # <END> adds one more (negative) log-probability
    assert no_end[0] < two_words[0]    # without <END> every position counts, <NULL> too


# -- beam search -------------------------------------------------------------

@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("seed", [0, 1])
def test_beam_size_one_is_greedy(cell, seed, kit):
    model = kit.random_model(cell, seed=seed, dtype=np.float32)
    features = kit.features(300, seed=seed, dtype=np.float32)
    greedy = model.sample(features, max_length=10)
    np.testing.assert_array_equal(beam_search(model, features, beam_size=1, max_length=10), greedy)


def test_beam_size_one_is_greedy_on_trained_model(trained_model, data):
    greedy = trained_model.sample(data["val_features"], max_length=8)
    beam = beam_search(trained_model, data["val_features"], beam_size=1, max_length=8)
    np.testing.assert_array_equal(beam, greedy)


def test_length_penalty_is_the_gnmt_form():
    """lp(L) = ((5 + L) / 6) ** alpha: 1 for one word, 2 ** alpha for seven."""
    np.testing.assert_allclose(length_penalty_factor([1, 7, 13], 0.7), [1.0, 2 ** 0.7, 3 ** 0.7])
    np.testing.assert_allclose(length_penalty_factor([1, 7, 13], 0.0), [1.0, 1.0, 1.0])


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_wide_beam_finds_the_best_caption_of_an_exhaustive_search(cell, alpha, kit):
    """With beam_size >= V**(T-1) nothing is ever pruned, so beam search must
    return the best of all V**T word sequences under its own ranking."""
    model = kit.random_model(cell, seed=5)
    V, T = len(kit.word_to_idx), 3
    features = kit.features(3, seed=5)
    every = np.array(list(itertools.product(range(V), repeat=T)))  # (V**T, T)
    for i in range(3):
        f = np.repeat(features[i:i + 1], len(every), axis=0)
        best = normalised_score(model, f, every, alpha).max()
        found = beam_search(model, features[i:i + 1], beam_size=V ** (T - 1), max_length=T,
                            length_penalty=alpha)
        assert normalised_score(model, features[i:i + 1], found, alpha)[0] == pytest.approx(best, abs=1e-9)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_beam_never_below_greedy_on_random_models(cell, seed, kit):
    """Mean over 200 images, beam 3 and 5: log-probability (alpha = 0) and the
    length-normalised score beam search ranks by (alpha = 0.7)."""
    model = kit.random_model(cell, seed=seed)
    features = kit.features(200, seed=seed)
    greedy = model.sample(features, max_length=10)
    for beam_size in (3, 5):
        for alpha in (0.0, 0.7):
            beam = beam_search(model, features, beam_size=beam_size, max_length=10, length_penalty=alpha)
            assert (normalised_score(model, features, beam, alpha).mean()
                    >= normalised_score(model, features, greedy, alpha).mean())
        # And it does better than greedy by a margin on these peaked models.
        beam = beam_search(model, features, beam_size=beam_size, max_length=10, length_penalty=0.0)
        gain = caption_log_prob(model, features, beam).mean() - caption_log_prob(model, features, greedy).mean()
        assert gain > 0.1


def test_beam_never_below_greedy_on_trained_model(trained_model, data):
    features = data["val_features"]
    greedy = trained_model.sample(features, max_length=8)
    for alpha in (0.0, 0.7):
        beam = beam_search(trained_model, features, beam_size=3, max_length=8, length_penalty=alpha)
        assert (normalised_score(trained_model, features, beam, alpha).mean()
                >= normalised_score(trained_model, features, greedy, alpha).mean() - 1e-12)


def test_beam_output_format(kit):
    model = kit.random_model("lstm", seed=6, dtype=np.float32)
    captions = beam_search(model, kit.features(50, dtype=np.float32), beam_size=4, max_length=9)
    assert captions.shape == (50, 9) and captions.dtype == np.int64
    for row in captions:
        ends = np.flatnonzero(row == END)
        if ends.size:  # <NULL> after the first <END>, and nothing else
            assert (row[ends[0] + 1:] == NULL).all()


# -- temperature sampling ----------------------------------------------------

@pytest.mark.parametrize("cell", CELLS)
def test_low_temperature_approaches_greedy(cell, kit):
    model = kit.random_model(cell, seed=7, dtype=np.float32)
    features = kit.features(300, seed=7, dtype=np.float32)
    greedy = model.sample(features, max_length=10)
    np.testing.assert_array_equal(sample_with_temperature(model, features, 0, 10, seed=1), greedy)
    agreement = [(sample_with_temperature(model, features, t, 10, seed=1) == greedy).all(axis=1).mean()
                 for t in (3.0, 1.0, 0.3, 0.1, 0.01, 0.001)]
    assert agreement == sorted(agreement) and agreement[0] < 0.3 and agreement[-1] > 0.98, agreement


def test_temperature_one_samples_the_model_distribution(kit):
    """First words of 20,000 samples for one image follow softmax(scores)."""
    model = kit.random_model("rnn", seed=8, scale=1.0)
    features = np.repeat(kit.features(1, seed=8), 20000, axis=0)
    first = sample_with_temperature(model, features, temperature=1.0, max_length=1, seed=0)[:, 0]
    h0 = features[:1] @ model.params["W_proj"] + model.params["b_proj"]
    h1 = np.tanh(model.params["W_embed"][[START]] @ model.params["Wx"] + h0 @ model.params["Wh"] + model.params["b"])
    scores = (h1 @ model.params["W_vocab"] + model.params["b_vocab"])[0]
    for temperature in (1.0,):
        probs = np.exp(scores / temperature) / np.exp(scores / temperature).sum()
        freq = np.bincount(first, minlength=len(probs)) / len(first)
        # 4 standard errors of a frequency estimated from 20,000 draws.
        np.testing.assert_array_less(np.abs(freq - probs), 4 * np.sqrt(probs * (1 - probs) / 20000) + 1e-4)


def test_seeds_are_reproducible(kit):
    model = kit.random_model("lstm", seed=9)
    features = kit.features(100, seed=9)
    a = sample_with_temperature(model, features, temperature=1.0, seed=123)
    b = sample_with_temperature(model, features, temperature=1.0, seed=123)
    c = sample_with_temperature(model, features, temperature=1.0, seed=124)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()
    assert a.shape == (100, 30) and a.dtype == np.int64


# -- dtype and bad input -----------------------------------------------------

@pytest.mark.parametrize("cell", CELLS)
def test_float32_model_runs_in_float32(cell, kit, monkeypatch):
    """Every call into the layer functions gets float32 arrays, the model is
    left untouched, and the captions are int64."""
    model = kit.random_model(cell, seed=10, dtype=np.float32)
    before = {k: v.copy() for k, v in model.params.items()}
    seen = []
    name = f"{cell}_step_forward"
    real = getattr(decoding, name)

    def spy(*args):
        seen.extend(a.dtype for a in args)
        return real(*args)

    monkeypatch.setattr(decoding, name, spy)
    features = kit.features(20, dtype=np.float64)  # float64 input is cast to the model's dtype
    outputs = [sample_with_temperature(model, features, seed=0, max_length=5),
               beam_search(model, features, beam_size=3, max_length=5)]
    caption_log_prob(model, features, outputs[1])
    assert seen and set(seen) == {np.dtype(np.float32)}
    assert all(o.dtype == np.int64 for o in outputs)
    for k, v in model.params.items():
        assert v.dtype == np.float32 and np.array_equal(v, before[k])


@pytest.mark.parametrize("call, match", [
    (lambda m, f: sample_with_temperature(m, f, temperature=-1.0), "temperature must be a number >= 0"),
    (lambda m, f: beam_search(m, f, beam_size=0), "beam_size must be a positive integer"),
    (lambda m, f: beam_search(m, f, length_penalty=-0.5), "length_penalty must be a number >= 0"),
    (lambda m, f: beam_search(m, f[:, :5]), r"features must have shape \(N, 12\)"),
    (lambda m, f: sample_with_temperature(m, f, max_length=0), "max_length must be a positive integer"),
    (lambda m, f: caption_log_prob(m, f, np.zeros((len(f), 3)) + 0.5), "captions must be integer"),
    (lambda m, f: caption_log_prob(m, f, np.full((len(f), 3), 99)), r"outside \[0, 11\)"),
])
def test_bad_input_gives_one_line_error(call, match, kit):
    model = kit.random_model("rnn", seed=11)
    with pytest.raises(ValueError, match=match) as err:
        call(model, kit.features(2))
    assert "\n" not in str(err.value)


def test_missing_special_word_is_named(kit):
    model = kit.random_model("rnn", seed=12)
    model.word_to_idx = {w: i for w, i in kit.word_to_idx.items() if w != "<END>"}
    with pytest.raises(ValueError, match="decoding needs <END> in model.word_to_idx"):
        beam_search(model, kit.features(1))

"""CaptioningRNN beyond the original's checks: dtypes, the <NULL> mask,
sampling, and clear errors for bad input at the model's boundary."""
import numpy as np
import pytest

from mml.classifiers.rnn import CaptioningRNN
from mml.coco_utils import decode_captions
from mml.rnn_layers import temporal_softmax_loss

WORDS = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "cat", "dog", "sits"]
WORD_TO_IDX = {w: i for i, w in enumerate(WORDS)}


def make_model(cell_type, dtype=np.float32, seed=0, input_dim=6):
    np.random.seed(seed)
    return CaptioningRNN(WORD_TO_IDX, input_dim=input_dim, wordvec_dim=5, hidden_dim=7,
                         cell_type=cell_type, dtype=dtype)


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_float32_model_stays_float32(cell_type):
    model = make_model(cell_type, np.float32)
    rng = np.random.default_rng(1)
    features = rng.standard_normal((3, 6))            # float64 input on purpose
    captions = rng.integers(0, len(WORDS), size=(3, 9))
    loss, grads = model.loss(features, captions)
    assert np.asarray(loss).dtype == np.float32
    for name, grad in grads.items():
        assert grad.dtype == np.float32, name
        assert grad.shape == model.params[name].shape, name
    for name, param in model.params.items():
        assert param.dtype == np.float32, name
    sampled = model.sample(features, max_length=5)
    assert sampled.shape == (3, 5) and np.issubdtype(sampled.dtype, np.integer)


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_fully_masked_caption_contributes_nothing(cell_type):
    model = make_model(cell_type, np.float64)
    rng = np.random.default_rng(2)
    features = rng.standard_normal((2, 6))
    captions = rng.integers(3, len(WORDS), size=(2, 6))
    captions[1, 1:] = WORD_TO_IDX["<NULL>"]            # caption 1: nothing to predict
    loss_both, grads_both = model.loss(features, captions)

    # The loss averages over the minibatch (N=2), so the single caption's
    # loss is twice the pair's; and the masked caption adds no gradient.
    loss_first, grads_first = model.loss(features[:1], captions[:1])
    assert loss_both == pytest.approx(loss_first / 2, rel=1e-12)
    for name in grads_both:
        np.testing.assert_allclose(grads_both[name], grads_first[name] / 2, rtol=1e-10, atol=1e-14)


def test_temporal_softmax_loss_ignores_masked_scores():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5, 6))
    y = rng.integers(0, 6, size=(4, 5))
    mask = rng.random((4, 5)) > 0.4
    loss, dx = temporal_softmax_loss(x, y, mask)
    x2 = x.copy()
    x2[~mask] = rng.standard_normal((int((~mask).sum()), 6)) * 100   # change only masked scores
    loss2, dx2 = temporal_softmax_loss(x2, y, mask)
    assert loss2 == pytest.approx(loss, rel=1e-12)
    assert np.all(dx[~mask] == 0)
    np.testing.assert_allclose(dx2, dx)
    # Summed over time, averaged over the batch: by hand for the kept positions.
    log_probs = x - np.log(np.exp(x).sum(axis=2, keepdims=True))
    by_hand = -np.take_along_axis(log_probs, y[..., None], axis=2)[..., 0][mask].sum() / 4
    assert loss == pytest.approx(by_hand, rel=1e-12)


def test_temporal_softmax_loss_rejects_mask_of_wrong_shape():
    x = np.zeros((2, 3, 4))
    y = np.zeros((2, 3), dtype=int)
    with pytest.raises(ValueError, match=r"mask must have shape \(N, T\) = \(2, 3\)"):
        temporal_softmax_loss(x, y, np.ones((3, 2), dtype=bool))


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_sample_is_greedy_and_null_padded_after_end(cell_type):
    model = make_model(cell_type, np.float64, seed=4)
    V = len(WORDS)
    # The contract, checked against a step-by-step greedy decode written here
    # with the public single-step layers.
    from mml.rnn_layers import lstm_step_forward, rnn_step_forward
    rng = np.random.default_rng(5)
    features = rng.standard_normal((4, 6))
    model.params["b_vocab"][WORD_TO_IDX["<END>"]] += 1.5     # endings happen
    sampled = model.sample(features, max_length=8)
    p = model.params
    h = features @ p["W_proj"] + p["b_proj"]
    c = np.zeros_like(h)
    word = np.full(4, WORD_TO_IDX["<START>"])
    ended = np.zeros(4, dtype=bool)
    for t in range(8):
        if cell_type == "rnn":
            h, _ = rnn_step_forward(p["W_embed"][word], h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = lstm_step_forward(p["W_embed"][word], h, c, p["Wx"], p["Wh"], p["b"])
        word = (h @ p["W_vocab"] + p["b_vocab"]).argmax(axis=1)
        expected = np.where(ended, WORD_TO_IDX["<NULL>"], word)
        np.testing.assert_array_equal(sampled[:, t], expected)
        ended |= word == WORD_TO_IDX["<END>"]
    assert ended.any(), "the test should exercise the padding after <END>"
    assert sampled.min() >= 0 and sampled.max() < V


def test_decode_sample_round_trip():
    model = make_model("rnn", np.float64, seed=6)
    features = np.random.default_rng(7).standard_normal((3, 6))
    sampled = model.sample(features, max_length=6)
    texts = decode_captions(sampled, WORDS)
    assert isinstance(texts, list) and len(texts) == 3
    for row, text in zip(sampled, texts):
        words = []
        for idx in row:
            if WORDS[idx] == "<END>":
                break
            if WORDS[idx] != "<NULL>":
                words.append(WORDS[idx])
        assert text == " ".join(words)
        assert decode_captions(row, WORDS) == text       # 1-D gives a string
    # Encoding a decoded caption and decoding it again is the identity.
    caption = "a cat sits"
    encoded = np.array([WORD_TO_IDX["<START>"]] + [WORD_TO_IDX[w] for w in caption.split()]
                       + [WORD_TO_IDX["<END>"], 0, 0])
    assert decode_captions(encoded, WORDS) == "<START> a cat sits"
    assert decode_captions(encoded[1:], WORDS) == caption


def test_bad_input_gives_one_line_errors():
    model = make_model("rnn", input_dim=6)
    captions = np.zeros((2, 5), dtype=int)
    with pytest.raises(ValueError, match=r"features must have shape \(N, input_dim=6\), got \(2, 4\)") as err:
        model.loss(np.zeros((2, 4)), captions)
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match=r"vocabulary has V=8 words") as err:
        model.loss(np.zeros((2, 6)), np.full((2, 5), 8))
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match=r"captions must have shape \(N=2, T\+1\)"):
        model.loss(np.zeros((2, 6)), np.zeros((3, 5), dtype=int))
    with pytest.raises(ValueError, match=r"integer word indices"):
        model.loss(np.zeros((2, 6)), np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"features must have shape"):
        model.sample(np.zeros((2, 7)))
    with pytest.raises(ValueError, match=r"cell_type must be 'rnn' or 'lstm', got 'gru'"):
        CaptioningRNN(WORD_TO_IDX, cell_type="gru")
    with pytest.raises(ValueError, match=r"'<NULL>'"):
        CaptioningRNN({"a": 0})

"""The COCO caption metrics (mml.caption_metrics) against values worked out by
hand, and evaluate_captions on a small synthetic dataset."""
import math

import numpy as np
import pytest

from mml import caption_metrics
from mml.caption_metrics import evaluate_captions, references_by_image, score_captions, simple_tokenize

# Two images, two references each, lowercase words without punctuation, so
# both tokenisers leave them as they are.
REFERENCES = {
    1: ["a cat sat on a mat", "the cat is on the mat"],
    2: ["a dog runs in the park", "a dog plays"],
}
CANDIDATES = {1: "a cat sat on the mat", 2: "dog dog"}


def expected_bleu():
    """Corpus BLEU by hand.

    n-gram matches are clipped at the largest count in any one reference of
    the same image, then summed over both images:
      c1 = "a cat sat on the mat" (6 words), c2 = "dog dog" (2 words)
      1-grams: c1 6/6 ("the" is in reference 2); c2: "dog" twice, clipped to 1 -> 1/2.  p1 = 7/8
      2-grams: c1 "a cat" "cat sat" "sat on" (ref 1), "on the" "the mat" (ref 2) -> 5/5;
               c2 "dog dog" 0/1.                                                 p2 = 5/6
      3-grams: c1 "a cat sat" "cat sat on" "on the mat" yes, "sat on the" no -> 3/4;
               c2 has none.                                                      p3 = 3/4
      4-grams: c1 "a cat sat on" yes, "cat sat on the" "sat on the mat" no.      p4 = 1/3
    Brevity penalty: reference length closest to each candidate: 6 for c1
    (both are 6), 3 for c2 (|3-2| < |6-2|), so r = 9 against c = 8 words:
      BP = exp(1 - r/c) = exp(1 - 9/8) = exp(-1/8)
    BLEU-n = BP * (p1 ... pn) ** (1/n).
    """
    p = [7 / 8, 5 / 6, 3 / 4, 1 / 3]
    bp = math.exp(-1 / 8)
    return [bp * math.prod(p[:n]) ** (1 / n) for n in range(1, 5)]


def expected_rouge_l():
    """ROUGE-L by hand: per image, P = max over references of LCS / len(c),
    R = max of LCS / len(r) (taken separately, as pycocoevalcap does), then
    F = (1 + b^2) P R / (R + b^2 P) with b = 1.2; the mean over images.
      image 1: LCS(c1, ref 1) = "a cat sat on mat" = 5, LCS(c1, ref 2) = "cat on the mat" = 4;
               P = R = 5/6, so F = 5/6.
      image 2: LCS("dog dog", either reference) = 1 ("dog");
               P = 1/2, R = max(1/6, 1/3) = 1/3.
    """
    b2 = 1.2 ** 2
    f2 = (1 + b2) * (1 / 2) * (1 / 3) / (1 / 3 + b2 * (1 / 2))
    return (5 / 6 + f2) / 2


def expected_cider_d():
    """CIDEr-D by hand.

    idf(g) = log(number of images) - log(max(1, images whose references hold g)).
    With 2 images, "a" and "the" are in the references of both: idf 0, they
    vanish. Every other n-gram (found in one image, or nowhere) has
    idf log 2, the same for all, so it cancels from each cosine below.
    Per reference r and n: min(g_c, g_r) . g_r / (|g_c| |g_r|) (the
    candidate's tf-idf clipped at the reference's), times the length
    penalty exp(-(l_c - l_r)^2 / 72); averaged over n = 1..4, summed over
    references, divided by their number, times 10.
      image 1 (all lengths 6, penalty 1); the vectors count n-grams without a, the:
        n=1: c1 {cat sat on mat}; ref 1 {cat sat on mat} -> 4/4 = 1; ref 2 {cat is on mat} -> 3/4
        n=2: 5 bigrams each; ref 1 shares 3 -> 3/5; ref 2 shares "on the" "the mat" -> 2/5
        n=3: 4 trigrams each; ref 1 shares 2 -> 1/2; ref 2 shares 1 -> 1/4
        n=4: 3 each; ref 1 shares "a cat sat on" -> 1/3; ref 2 none -> 0
        score = 10 * (1 + 3/4 + 3/5 + 2/5 + 1/2 + 1/4 + 1/3) / 4 / 2 = 115/24
      image 2: c2 = {dog: 2}, |c2| = 2; the clip min(2, 1) = 1 makes the numerator 1:
        ref 1 {dog runs in park}: n=1 -> 1 / (2 * 2) = 1/4, penalty exp(-(2-6)^2/72)
        ref 2 {dog plays}:        n=1 -> 1 / (2 * sqrt 2),    penalty exp(-(2-3)^2/72)
        n=2..4 share nothing.
        score = 10 * (1/4 e^(-16/72) + 1/(2 sqrt 2) e^(-1/72)) / 4 / 2
    CIDEr-D is the mean of the two.
    """
    image1 = 115 / 24
    image2 = 10 * (0.25 * math.exp(-16 / 72) + math.exp(-1 / 72) / (2 * math.sqrt(2))) / 4 / 2
    return (image1 + image2) / 2


@pytest.mark.parametrize("java", [True, False])
def test_metrics_match_hand_worked_example(java):
    scores = score_captions(REFERENCES, CANDIDATES, java=java)
    for n, value in enumerate(expected_bleu(), start=1):
        assert scores[f"BLEU-{n}"] == pytest.approx(value, rel=1e-6)
    assert scores["ROUGE-L"] == pytest.approx(expected_rouge_l(), rel=1e-12)
    assert scores["CIDEr-D"] == pytest.approx(expected_cider_d(), rel=1e-12)
    assert ("METEOR" in scores) == java
    if java:
        assert 0.2 < scores["METEOR"] < 0.8


def test_meteor_without_java_is_skipped_with_a_notice(capsys, monkeypatch):
    monkeypatch.setattr(caption_metrics, "java_available", lambda: False)
    scores = score_captions(REFERENCES, CANDIDATES)
    assert set(scores) == {"BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "ROUGE-L", "CIDEr-D"}
    notice = capsys.readouterr().err.strip().splitlines()
    assert len(notice) == 1 and "METEOR skipped: Java not found" in notice[0]
    # Asking for no Java explicitly is not news: no notice.
    assert score_captions(REFERENCES, CANDIDATES, java=False) == scores
    assert capsys.readouterr().err == ""


def test_perfect_and_unrelated_captions(capsys):
    refs = {k: ["a red circle above a blue square"] for k in range(3)}
    perfect = score_captions(refs, {k: "a red circle above a blue square" for k in range(3)}, java=False)
    unrelated = score_captions(refs, {k: "green triangles dance" for k in range(3)}, java=False)
    for name in ("BLEU-1", "BLEU-4", "ROUGE-L"):
        assert perfect[name] == pytest.approx(1.0, rel=1e-6) and unrelated[name] < 1e-6
    assert unrelated["CIDEr-D"] == 0


def test_simple_tokenizer_agrees_with_ptb():
    """The Java-free tokeniser gives the PTB step's tokens on caption-like text."""
    refs = {0: ["A Dog's ball, red!", "Two people don't walk... on a snow-covered road."],
            1: ["The cat: sitting; on (a) [mat]?", ""]}
    cands = {0: "a man's hat", 1: "It's a bus-stop, isn't it?"}
    ptb_refs, ptb_cands = caption_metrics._tokenize(refs, cands, java=True)
    for k in refs:
        assert ptb_refs[k] == [simple_tokenize(r) for r in refs[k]]
        assert ptb_cands[k] == [simple_tokenize(cands[k])]
    assert simple_tokenize("A Dog's ball, red!") == "a dog 's ball red"


@pytest.mark.parametrize("refs, cands, match", [
    ({1: ["a b"]}, {2: "a b"}, "must have the same keys"),
    ({1: "a b"}, {1: "a b"}, r"references\[1\] must be a non-empty list of strings"),
    ({1: []}, {1: "a b"}, r"references\[1\] must be a non-empty list of strings"),
    ({1: ["a b"]}, {1: ["a b"]}, r"candidates\[1\] must be one string"),
    ({}, {}, "candidates is empty"),
])
def test_bad_input_gives_one_line_error(refs, cands, match):
    with pytest.raises(ValueError, match=match) as err:
        score_captions(refs, cands, java=False)
    assert "\n" not in str(err.value)


# -- evaluate_captions -------------------------------------------------------

def test_references_by_image(data):
    image_idxs, refs = references_by_image(data, "val", max_images=4)
    np.testing.assert_array_equal(image_idxs, [0, 1, 2, 3])
    # Image 0 of the synthetic data has two captions naming its colour and shape.
    assert len(refs[0]) == 2 and refs[0][1].startswith(refs[0][0] + " ")
    assert all(not r.startswith("<START>") for rs in refs.values() for r in rs)


def test_evaluate_decodes_each_image_once_and_scores_all_references(trained_model, data, monkeypatch, capsys):
    """Equals score_captions on the hand-made inputs; one decoder call with
    one row per image (30 images, 60 captions). METEOR is left out to keep
    the test fast (a Java start costs seconds)."""
    calls = []
    real = caption_metrics.beam_search

    def spy(model, features, **kwargs):
        calls.append(features.shape[0])
        return real(model, features, **kwargs)

    monkeypatch.setattr(caption_metrics, "beam_search", spy)
    got = evaluate_captions(trained_model, data, decoder="beam", java=False, beam_size=3, max_length=8)
    assert calls == [30]

    owners = data["val_image_idxs"]
    from mml.coco_utils import decode_captions
    refs = {i: decode_captions(data["val_captions"][owners == i, 1:], data["idx_to_word"]) for i in range(30)}
    cands = dict(enumerate(decode_captions(
        real(trained_model, data["val_features"], beam_size=3, max_length=8), data["idx_to_word"])))
    assert got == score_captions(refs, cands, java=False)
    assert got["BLEU-1"] > 0.8  # the trained model names colour and shape


def test_evaluate_rejects_unknown_decoder(trained_model, data):
    with pytest.raises(ValueError, match="decoder must be one of greedy, beam, temperature, got 'nucleus'"):
        evaluate_captions(trained_model, data, decoder="nucleus")

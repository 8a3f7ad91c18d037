"""The COCO caption metrics: BLEU-1..4, METEOR, ROUGE-L and CIDEr-D.

score_captions wraps the official COCO caption evaluation code (the
pycocoevalcap package) the way the COCO server runs it:

1. Tokenise every caption with the Stanford PTB tokeniser (Java), lowercased,
   punctuation removed. Without Java, simple_tokenize below does the same for
   plain text: lowercase, split off punctuation and the clitics 's and n't,
   drop the punctuation tokens the PTB step drops.
2. BLEU-1..4: corpus BLEU (clipped n-gram counts summed over all images, the
   geometric mean of the n-gram precisions, one brevity penalty from the
   summed lengths, the reference length closest to each candidate's).
3. METEOR 1.5 (Java; skipped with a one-line notice without it).
4. ROUGE-L: per image, the F-measure (beta = 1.2) of the best LCS precision
   and recall over the references; averaged over images.
5. CIDEr-D: pycocoevalcap's ``Cider`` class already is CIDEr-D (Vedantam et
   al., 2015, section 5), the variant the COCO server reports as "CIDEr":
   tf-idf n-gram vectors (n = 1..4, idf from the references of the images
   being scored), the candidate's tf-idf clipped at the reference's, a
   Gaussian length penalty exp(-(l_c - l_r)^2 / (2 * 6^2)), averaged over
   references and n-grams and multiplied by 10. No stemming. So it is used
   as it is, under its accurate name.

evaluate_captions decodes one caption per image of a split and scores it
against all the references of that image.

COCO 图像描述指标：BLEU-1..4、METEOR、ROUGE-L 和 CIDEr-D，使用官方 pycocoevalcap。
没有 Java 时使用纯 Python 分词器，并跳过 METEOR（打印一行提示）。
"""
import re
import shutil
import sys

import numpy as np

from mml.coco_utils import decode_captions
from mml.decoding import beam_search, sample_with_temperature

__all__ = ["score_captions", "evaluate_captions", "simple_tokenize", "java_available"]

# The tokens the PTB step of pycocoevalcap drops (its PUNCTUATIONS list).
PTB_PUNCTUATION = {"''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-",
                   ".", "?", "!", ",", ":", "-", "--", "...", ";"}
_PTB_BRACKETS = {"(": "-lrb-", ")": "-rrb-", "[": "-lsb-", "]": "-rsb-", "{": "-lcb-", "}": "-rcb-"}
# A word (letters, digits, inner hyphens/apostrophes handled below), or one
# non-space symbol.
_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|\.\.\.|--|\S")


def java_available():
    """True when a `java` executable is on PATH (PTB tokeniser and METEOR need it)."""
    return shutil.which("java") is not None


def simple_tokenize(text):
    """Pure-Python stand-in for the PTB tokeniser step: lowercase, split words
    from punctuation, split the clitics 's / n't as PTB does ("dog's" ->
    "dog 's", "don't" -> "do n't"), rename brackets as PTB does ("(" ->
    "-lrb-"; the lowercased names escape the punctuation filter, in the
    official pipeline too) and drop PTB_PUNCTUATION. Other symbols are kept
    as single tokens."""
    tokens = []
    for tok in _TOKEN.findall(text.lower()):
        if tok.endswith("n't") and len(tok) > 3:
            tokens += [tok[:-3], "n't"]
        elif tok.endswith("'s") and len(tok) > 2:
            tokens += [tok[:-2], "'s"]
        elif tok in _PTB_BRACKETS:
            tokens.append(_PTB_BRACKETS[tok])
        elif tok not in PTB_PUNCTUATION:
            tokens.append(tok)
    return " ".join(tokens)


def _tokenize(references, candidates, java):
    """Tokenised copies: {key: [str, ...]} and {key: [str]}."""
    if not java:
        return ({k: [simple_tokenize(r) for r in refs] for k, refs in references.items()},
                {k: [simple_tokenize(c)] for k, c in candidates.items()})
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer
    # The PTB wrapper feeds one caption a line; a newline inside a caption
    # would shift every later line, so it is flattened first. Keys are
    # wrapped so that references and candidates share one Java run.
    batch = {("ref", k): [{"caption": r.replace("\n", " ")} for r in refs]
             for k, refs in references.items()}
    batch.update({("cand", k): [{"caption": c.replace("\n", " ")}] for k, c in candidates.items()})
    out = PTBTokenizer().tokenize(batch)
    return ({k: out[("ref", k)] for k in references}, {k: out[("cand", k)] for k in candidates})


def _check_inputs(references, candidates):
    if not isinstance(references, dict) or not isinstance(candidates, dict):
        raise TypeError("score_captions(references, candidates): both must be dicts "
                        "(references: key -> list of str, candidates: key -> str)")
    if not candidates:
        raise ValueError("score_captions: candidates is empty; pass one caption per image key")
    if set(references) != set(candidates):
        missing = sorted(map(str, set(candidates) ^ set(references)))[:3]
        raise ValueError(f"score_captions: references and candidates must have the same keys; "
                         f"they differ at {', '.join(missing)}")
    for k, refs in references.items():
        if isinstance(refs, str) or not refs or not all(isinstance(r, str) for r in refs):
            raise ValueError(f"score_captions: references[{k!r}] must be a non-empty list of "
                             f"strings, got {refs!r:.60}")
        if not isinstance(candidates[k], str):
            raise ValueError(f"score_captions: candidates[{k!r}] must be one string, "
                             f"got {candidates[k]!r:.60}")


def score_captions(references, candidates, *, java=None):
    """Corpus-level COCO caption metrics of candidates against references.

    Inputs:
    - references: dict from an image key to the list of its reference captions
    - candidates: dict from the same keys to one generated caption each
    - java: use Java (PTB tokeniser and METEOR); None detects it, and
      prints a one-line notice when METEOR is skipped for want of it

    Returns:
    - dict with 'BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'METEOR' (only with
      Java), 'ROUGE-L' and 'CIDEr-D', floats; BLEU, METEOR and ROUGE-L lie in
      [0, 1], CIDEr-D in [0, 10]
    """
    try:  # imported here: the rest of mml works without the evaluation package
        from pycocoevalcap.bleu.bleu import Bleu
        from pycocoevalcap.cider.cider import Cider
        from pycocoevalcap.rouge.rouge import Rouge
    except ImportError:
        raise ImportError("score_captions needs the COCO caption evaluation package; "
                          "install it with: pip install pycocoevalcap") from None
    _check_inputs(references, candidates)
    detected = java is None
    if detected:
        java = java_available()
    refs, cands = _tokenize(references, candidates, java)

    results = {}
    bleu, _ = Bleu(4).compute_score(refs, cands, verbose=0)
    for n, value in enumerate(bleu, start=1):
        results[f"BLEU-{n}"] = float(value)
    if java:
        from pycocoevalcap.meteor.meteor import Meteor
        meteor = Meteor()
        try:
            results["METEOR"] = float(meteor.compute_score(refs, cands)[0])
        finally:
            # Close the Java process now rather than whenever Python collects it
            # (its __del__ repeats these calls harmlessly).
            meteor.meteor_p.stdin.close()
            meteor.meteor_p.kill()
            meteor.meteor_p.wait()
            meteor.meteor_p.stdout.close()
            meteor.meteor_p.stderr.close()
    elif detected:  # java=False asked for no METEOR: no need to say so
        print("未找到 Java，跳过 METEOR · METEOR skipped: Java not found (install a JRE to compute it)",
              file=sys.stderr)
    results["ROUGE-L"] = float(Rouge().compute_score(refs, cands)[0])
    results["CIDEr-D"] = float(Cider().compute_score(refs, cands)[0])
    return results


# -- evaluating a model on a dataset split -----------------------------------

DECODERS = ("greedy", "beam", "temperature")


def _decode(model, features, decoder, decoder_kwargs):
    if decoder == "greedy":
        return model.sample(features, **decoder_kwargs)
    if decoder == "beam":
        return beam_search(model, features, **decoder_kwargs)
    if decoder == "temperature":
        return sample_with_temperature(model, features, **decoder_kwargs)
    raise ValueError(f"decoder must be one of {', '.join(DECODERS)}, got {decoder!r}")


def references_by_image(data, split="val", max_images=None):
    """The images of a split that have captions, and all their reference texts.

    Inputs:
    - data: dict from load_coco_data
    - split: 'train' or 'val'
    - max_images: keep the first max_images images (by index), or all

    Returns a tuple of:
    - image_idxs: sorted int array of shape (M,), rows of data[split + '_features']
    - references: dict from each image index to its list of caption strings
    """
    if split not in ("train", "val"):
        raise ValueError(f"split must be 'train' or 'val', got {split!r}")
    captions = np.asarray(data[f"{split}_captions"])
    owners = np.asarray(data[f"{split}_image_idxs"])
    start = data["word_to_idx"]["<START>"]
    if captions.size and not (captions[:, 0] == start).all():
        raise ValueError(f"data['{split}_captions'] must begin with <START> in column 0, as "
                         "load_coco_data returns them")
    image_idxs = np.unique(owners)
    if max_images is not None:
        image_idxs = image_idxs[:max_images]
    keep = np.isin(owners, image_idxs)
    texts = decode_captions(captions[keep, 1:], data["idx_to_word"])  # column 0 is <START>
    references = {int(i): [] for i in image_idxs}
    for owner, text in zip(owners[keep], texts):
        references[int(owner)].append(text)
    return image_idxs, references


def evaluate_captions(model, data, split="val", decoder="greedy", max_images=None, *, java=None,
                      **decoder_kwargs):
    """Caption every image of a split once and score against all its references.

    Inputs:
    - model: a trained CaptioningRNN
    - data: dict from load_coco_data
    - split: 'train' or 'val'
    - decoder: 'greedy' (model.sample), 'beam' (beam_search) or
      'temperature' (sample_with_temperature)
    - max_images: score only the first max_images images (by index)
    - java: as score_captions (None detects it; False skips METEOR, which
      saves the seconds a Java start costs)
    - decoder_kwargs: passed on to the decoder (e.g. beam_size=3, seed=0)

    Returns:
    - dict of metrics, as score_captions
    """
    if decoder not in DECODERS:
        raise ValueError(f"decoder must be one of {', '.join(DECODERS)}, got {decoder!r}")
    image_idxs, references = references_by_image(data, split, max_images)
    features = data[f"{split}_features"][image_idxs]
    generated = decode_captions(_decode(model, features, decoder, decoder_kwargs), data["idx_to_word"])
    candidates = dict(zip(references, generated))
    return score_captions(references, candidates, java=java)

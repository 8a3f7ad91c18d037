"""The embedded offline dataset: simple shape scenes with 5 captions each.

Every image is a 96x96 RGB scene of one of three kinds:
- single: one object ("a small red circle in the top left corner");
- count:  2 to 4 copies of one object ("there are three green triangles");
- pair:   two different objects in a spatial relation
          ("a red ball to the left of a big blue square").
An object is a shape (circle, square, triangle, diamond, star), a colour (red,
orange, yellow, green, blue, purple) and a size (small, big).

Val holds colour-shape pairs that never occur in train (HELD_OUT_PAIRS): every
val image shows at least one of them, so a model must compose words it has
only seen apart instead of recalling a memorised training caption.

build(out_dir) writes the classic COCO captioning file layout (see
mml.coco_utils) from one seed, so it makes the same bytes on every run.

内置离线数据集：96x96 的简单几何场景（单个物体、多个相同物体、两个物体的空间关系），
每张图像 5 条不同的描述。验证集只包含训练集中从未出现过的颜色-形状组合。
"""
import hashlib
import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from mml.datasets import features as feature_extractor
from mml.datasets.coco_format import SPECIAL_WORDS, write_coco_folder

SEED = 231
NUM_TRAIN, NUM_VAL = 6000, 1000
IMAGE_SIZE = 96
CAPTIONS_PER_IMAGE = 5
MAX_WORDS = 15                    # 17 tokens = <START> + 15 words + <END>

# Each colour's RGB centre; every object gets a small random offset around it.
COLOURS = {"red": (215, 35, 35), "orange": (240, 135, 20), "yellow": (230, 205, 25),
           "green": (40, 160, 55), "blue": (40, 75, 215), "purple": (135, 45, 175)}
SHAPES = ("circle", "square", "triangle", "diamond", "star")
HELD_OUT_PAIRS = frozenset({("red", "triangle"), ("orange", "diamond"), ("yellow", "circle"),
                            ("green", "star"), ("blue", "square"), ("purple", "circle")})
SIZE_RADIUS = {"small": (7, 10), "big": (15, 19)}          # pixel radius range

# Word choices of the caption grammar: a shape's names (singular, plural).
SHAPE_WORDS = {"circle": [("circle", "circles"), ("ball", "balls"), ("disk", "disks")],
               "square": [("square", "squares"), ("box", "boxes"), ("block", "blocks")],
               "triangle": [("triangle", "triangles")],
               "diamond": [("diamond", "diamonds")],
               "star": [("star", "stars")]}
SIZE_WORDS = {"small": ["small", "little", "tiny"], "big": ["big", "large"]}
NUMBER_WORDS = {2: "two", 3: "three", 4: "four"}
# 3x3 grid cell (row, col) -> phrases saying where an object is.
PLACE_WORDS = {
    (0, 0): ["in the top left corner", "at the top left"],
    (0, 1): ["at the top", "near the top"],
    (0, 2): ["in the top right corner", "at the top right"],
    (1, 0): ["on the left", "on the left side"],
    (1, 1): ["in the middle", "in the center"],
    (1, 2): ["on the right", "on the right side"],
    (2, 0): ["in the bottom left corner", "at the bottom left"],
    (2, 1): ["at the bottom", "near the bottom"],
    (2, 2): ["in the bottom right corner", "at the bottom right"],
}
RELATION_WORDS = {"left": ["to the left of", "left of", "on the left of"],
                  "right": ["to the right of", "right of", "on the right of"],
                  "above": ["above", "over"],
                  "below": ["below", "under", "beneath"]}
INVERSE = {"left": "right", "right": "left", "above": "below", "below": "above"}
BACKGROUND = (235, 235, 235)      # neutral grey: no colour unit responds to it


def _pick(rng, options):
    """One element of a list, drawn with the build's generator."""
    return options[int(rng.integers(len(options)))]


# ---------------------------------------------------------------- scenes

def _sample_object(rng, held_out):
    """An object's attributes; held_out=True draws a colour-shape pair from
    HELD_OUT_PAIRS, False one of the pairs train is allowed to show."""
    pairs = sorted(HELD_OUT_PAIRS) if held_out else [
        (c, s) for c in COLOURS for s in SHAPES if (c, s) not in HELD_OUT_PAIRS]
    colour, shape = _pick(rng, pairs)
    return {"colour": colour, "shape": shape, "size": _pick(rng, ["small", "big"])}


def _fits(placed, x, y, r):
    """True when a disc of radius r at (x, y) keeps clear of placed objects."""
    return all((x - px) ** 2 + (y - py) ** 2 > (r + pr + 4) ** 2 for px, py, pr in placed)


def _sample_scene(rng, split):
    """A scene: its kind and a list of objects with x, y (centre) and r."""
    held_out = split == "val"
    kind = _pick(rng, ["single", "single", "count", "pair", "pair", "pair"])
    if kind == "single":
        obj = _sample_object(rng, held_out)
        r = int(rng.integers(*SIZE_RADIUS[obj["size"]], endpoint=True))
        row, col = int(rng.integers(3)), int(rng.integers(3))
        lo, hi = r + 2, IMAGE_SIZE - r - 2
        x = int(np.clip(16 + 32 * col + rng.integers(-4, 5), lo, hi))
        y = int(np.clip(16 + 32 * row + rng.integers(-4, 5), lo, hi))
        return {"kind": kind, "place": (row, col), "objects": [{**obj, "x": x, "y": y, "r": r}]}
    if kind == "count":
        obj = {**_sample_object(rng, held_out), "size": "small"}
        count = int(rng.integers(2, 5))
        placed = []
        while len(placed) < count:
            r = int(rng.integers(*SIZE_RADIUS["small"], endpoint=True))
            x, y = (int(v) for v in rng.integers(r + 2, IMAGE_SIZE - r - 2, size=2))
            if _fits(placed, x, y, r):
                placed.append((x, y, r))
        return {"kind": kind, "objects": [{**obj, "x": x, "y": y, "r": r} for x, y, r in placed]}
    # pair: object a is <relation> object b; in val one of them is held out.
    a_held = held_out and bool(rng.integers(2))
    a = _sample_object(rng, a_held)
    while True:
        b = _sample_object(rng, held_out and not a_held)
        if (b["colour"], b["shape"]) != (a["colour"], a["shape"]):
            break
    relation = _pick(rng, ["left", "right", "above", "below"])
    ra, rb = (int(rng.integers(*SIZE_RADIUS[o["size"]], endpoint=True)) for o in (a, b))
    along = 24 + int(rng.integers(-4, 5)), 72 + int(rng.integers(-4, 5))   # first, second
    across = 48 + int(rng.integers(-12, 13)), 48 + int(rng.integers(-12, 13))
    first_is_a = relation in ("left", "above")
    pos_a, pos_b = (along[0], along[1]) if first_is_a else (along[1], along[0])
    if relation in ("left", "right"):
        (xa, ya), (xb, yb) = (pos_a, across[0]), (pos_b, across[1])
    else:
        (xa, ya), (xb, yb) = (across[0], pos_a), (across[1], pos_b)
    return {"kind": kind, "relation": relation,
            "objects": [{**a, "x": xa, "y": ya, "r": ra}, {**b, "x": xb, "y": yb, "r": rb}]}


def _outline(shape, x, y, r):
    """The polygon (or ellipse box) of a shape of radius r centred at (x, y)."""
    if shape == "circle":
        return [x - r, y - r, x + r, y + r]
    if shape == "square":
        s = round(r * 0.85)                      # about the area of the circle
        return [(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)]
    if shape == "diamond":
        s = round(r * 1.15)
        return [(x, y - s), (x + s, y), (x, y + s), (x - s, y)]
    if shape == "triangle":                       # pointing up, base at the bottom
        h = r * 1.2
        return [(x, round(y - h)), (round(x + h * 0.87), round(y + h * 0.5)),
                (round(x - h * 0.87), round(y + h * 0.5))]
    # star: 5 points, outer radius 1.25 r, inner radius 0.5 r; fixed unit
    # vectors (not np.cos) so the vertices are the same on every machine.
    units = [(0.0, -1.0), (0.588, -0.809), (0.951, -0.309), (0.951, 0.309), (0.588, 0.809),
             (0.0, 1.0), (-0.588, 0.809), (-0.951, 0.309), (-0.951, -0.309), (-0.588, -0.809)]
    radii = [1.25 * r if i % 2 == 0 else 0.5 * r for i in range(len(units))]
    return [(round(x + ux * k), round(y + uy * k)) for (ux, uy), k in zip(units, radii)]


def render(scene, rng):
    """The scene as a PIL RGB image; colours jitter a little around COLOURS."""
    image = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for obj in scene["objects"]:
        fill = tuple(int(np.clip(c + rng.integers(-12, 13), 0, 255)) for c in COLOURS[obj["colour"]])
        outline = _outline(obj["shape"], obj["x"], obj["y"], obj["r"])
        if obj["shape"] == "circle":
            draw.ellipse(outline, fill=fill)
        else:
            draw.polygon(outline, fill=fill)
    return image


# ---------------------------------------------------------------- captions

def _article(word):
    return "an" if word[0] in "aeiou" else "a"


def _noun_phrase(rng, obj, article=True):
    """'a small red circle', 'the red ball', 'a blue box', ..."""
    words = []
    if rng.random() < 0.6:
        words.append(_pick(rng, SIZE_WORDS[obj["size"]]))
    words += [obj["colour"], _pick(rng, SHAPE_WORDS[obj["shape"]])[0]]
    if article == "the":
        return "the " + " ".join(words)
    return (_article(words[0]) + " " if article else "") + " ".join(words)


def _single_caption(rng, scene):
    obj = scene["objects"][0]
    np_, place = _noun_phrase(rng, obj), _pick(rng, PLACE_WORDS[scene["place"]])
    shape_word = _pick(rng, SHAPE_WORDS[obj["shape"]])[0]
    return _pick(rng, [
        f"{np_} {place}", f"there is {np_} {place}", f"{place} there is {np_}",
        f"{np_}", f"a picture of {np_} {place}", f"{np_} on a plain background",
        f"a {shape_word} that is {obj['colour']} {place}", f"only one {obj['colour']} {shape_word}",
    ])


def _count_caption(rng, scene):
    obj, n = scene["objects"][0], NUMBER_WORDS[len(scene["objects"])]
    plural = _pick(rng, SHAPE_WORDS[obj["shape"]])[1]
    size = _pick(rng, SIZE_WORDS["small"])
    return _pick(rng, [
        f"{n} {obj['colour']} {plural}", f"there are {n} {size} {obj['colour']} {plural}",
        f"{n} {plural} that are all {obj['colour']}", f"a group of {n} {obj['colour']} {plural}",
        f"some {obj['colour']} {plural}", f"{n} {size} {obj['colour']} {plural} on a plain background",
    ])


def _pair_caption(rng, scene):
    a, b = scene["objects"]
    relation = scene["relation"]
    rel, inv = _pick(rng, RELATION_WORDS[relation]), _pick(rng, RELATION_WORDS[INVERSE[relation]])
    np_a, np_b = _noun_phrase(rng, a), _noun_phrase(rng, b)
    return _pick(rng, [
        f"{np_a} {rel} {np_b}", f"there is {np_a} {rel} {np_b}", f"{np_b} {inv} {np_a}",
        f"{_noun_phrase(rng, a, 'the')} is {rel} {_noun_phrase(rng, b, 'the')}",
        f"{np_a} and {np_b}", f"two shapes : {np_a} and {np_b}",
    ])


def captions_for(scene, rng):
    """CAPTIONS_PER_IMAGE different captions of at most MAX_WORDS words."""
    make = {"single": _single_caption, "count": _count_caption, "pair": _pair_caption}[scene["kind"]]
    found = []
    while len(found) < CAPTIONS_PER_IMAGE:
        caption = make(rng, scene)
        if caption not in found and len(caption.split()) <= MAX_WORDS:
            found.append(caption)
    return found


# ---------------------------------------------------------------- files

def make_vocabulary(captions):
    """idx_to_word: the special words, then every word by falling count
    (ties alphabetical), so the order does not depend on dict order."""
    counts = {}
    for caption in captions:
        for word in caption.split():
            counts[word] = counts.get(word, 0) + 1
    return list(SPECIAL_WORDS) + sorted(counts, key=lambda w: (-counts[w], w))


def encode(captions, word_to_idx):
    """Captions as int32 rows of MAX_WORDS + 2 tokens: <START> words <END> <NULL>..."""
    out = np.zeros((len(captions), MAX_WORDS + 2), dtype=np.int32)     # <NULL> is 0
    for i, caption in enumerate(captions):
        ids = [word_to_idx.get(w, word_to_idx["<UNK>"]) for w in caption.split()]
        out[i, :len(ids) + 2] = [word_to_idx["<START>"], *ids, word_to_idx["<END>"]]
    return out


def make_split(split, num_images, rng, folder):
    """Render a split's scenes into folder/images/<split>/ and caption them.

    Returns a tuple of:
    - images: uint8 array of shape (num_images, 96, 96, 3)
    - captions: list of 5 * num_images strings
    - image_idxs: int32 array of shape (5 * num_images,)
    - urls: list of num_images paths relative to folder
    """
    (folder / "images" / split).mkdir(parents=True)
    images = np.empty((num_images, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    captions, urls = [], []
    for i in range(num_images):
        scene = _sample_scene(rng, split)
        image = render(scene, rng)
        url = f"images/{split}/{i:05d}.png"
        image.save(folder / url, format="PNG", compress_level=6)   # no time chunk
        images[i] = np.asarray(image)
        captions += captions_for(scene, rng)
        urls.append(url)
    image_idxs = np.repeat(np.arange(num_images, dtype=np.int32), CAPTIONS_PER_IMAGE)
    return images, captions, image_idxs, urls


def build(out_dir, num_train=NUM_TRAIN, num_val=NUM_VAL, seed=SEED, force=False, verbose=False):
    """Build the dataset into out_dir, atomically.

    Everything is written into a hidden sibling folder that is renamed to
    out_dir only at the end, so an interrupted build never leaves a folder the
    loader accepts. A file lock lets concurrent callers (test workers) wait for
    one build instead of racing. Returns out_dir as a Path.
    """
    import fcntl  # POSIX only, like the rest of the course tooling
    from mml.datasets import is_complete, move_into_place, temporary_sibling

    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # The lock file's name matches .gitignore's hidden-temporary pattern.
    with open(out_dir.parent / f".{out_dir.name}.tmp-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_complete(out_dir) and not force:
            return out_dir
        tmp = temporary_sibling(out_dir, "build")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            _build_into(tmp, num_train, num_val, seed, verbose)
            move_into_place(tmp, out_dir)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def _build_into(folder, num_train, num_val, seed, verbose):
    """Write every file of the format into a fresh folder."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    say = print if verbose else (lambda *_: None)
    say(f"rendering {num_train} train and {num_val} val scenes / 正在绘制场景")
    train = make_split("train", num_train, rng, folder)
    val = make_split("val", num_val, rng, folder)

    idx_to_word = make_vocabulary(train[1])
    word_to_idx = {w: i for i, w in enumerate(idx_to_word)}

    say("computing features / 正在计算特征")
    fc7 = {split: feature_extractor.fc7_features(images)
           for split, (images, *_rest) in (("train", train), ("val", val))}
    pca = feature_extractor.PCA.fit(fc7["train"])
    write_coco_folder(folder, idx_to_word, {
        split: {"captions": encode(captions, word_to_idx), "image_idxs": image_idxs,
                "fc7": fc7[split], "pca": pca.transform(fc7[split]), "urls": urls}
        for split, (_, captions, image_idxs, urls) in (("train", train), ("val", val))})


def digest(folder):
    """SHA-256 over every file's relative path and bytes: one value that says
    whether two builds are identical."""
    folder = Path(folder)
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()

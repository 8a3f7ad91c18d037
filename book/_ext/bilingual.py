"""Sphinx extension: tag every unit of the book's text with its language.

The book is written in both languages, Chinese first: a paragraph, then its
English translation; a list, then the same list in English; a heading or a
table cell "中文 · English" (the notebooks write "中文 / English"). Authors
write nothing else: when the book is built, this transform gives each unit
of text the class ``lang-zh`` or ``lang-en``, and the page's language switch
(``_static/lang-switch.js`` and ``.css``) hides the language the reader did
not choose. What it does, unit by unit:

- a paragraph, list item, table row, definition, caption or admonition whose
  prose is in one language gets that language's class, so it disappears
  whole, with its bullet or number;
- a list holding a Chinese run of items and then an English run is cut into
  one list per run, so each language is numbered from 1;
- a paragraph "中文句子。English sentence." is cut after its last Chinese
  sentence into two spans;
- a heading, caption or table cell "中文 · English" (or "中文 / English") is
  cut into ``<span class="lang-zh">``, a separator ``<span class="lang-sep">``
  and ``<span class="lang-en">``: the heading shows one language, or both.

Text inside code, math, raw HTML and executed cell outputs is not language.
To decide a unit by hand, give it (or a block around it) a class:
``:::{div} lang-en`` ... ``:::`` or the MyST attribute ``{.lang-zh}``;
what is inside an explicitly tagged block is left as it is (``lang-both``
keeps a block visible in every mode).

课程书的语言标记：构建时按文字（汉字 / 拉丁字母）给每个段落、列表项、表格行、
标题等加上 lang-zh 或 lang-en 类，语言切换据此隐藏整个单元；作者无需额外标记。
"""
import re

from docutils import nodes
from sphinx.transforms import SphinxTransform

CJK = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# About three Latin letters carry what one CJK character does; each language
# must reach a quarter of the other for a unit to count as both.
LETTERS_PER_CJK = 3
BOTH_RATIO = 0.25
# The English half of a split paragraph must be a sentence, not a stray label.
MIN_SPLIT_LETTERS = 12
# The end of a Chinese sentence, with any closing quote or bracket.
SENTENCE_END = re.compile(r"[。！？][）」”』]*\s*$")
# "中文 · English" and "中文 / English".
SEPARATOR = re.compile(r"\s+[·/]\s+")
EXPLICIT = ("lang-zh", "lang-en", "lang-both")
# Not language: code, math, raw HTML, images.
NOT_PROSE = (nodes.literal, nodes.literal_block, nodes.math, nodes.math_block, nodes.raw, nodes.image,
             nodes.comment, nodes.target, nodes.substitution_definition)
# Units that disappear whole when all their prose is in the hidden language.
WHOLE_UNITS = (nodes.definition_list_item, nodes.row, nodes.Admonition, nodes.footnote, nodes.block_quote)
# Units that are labels: cut at " · " into the two languages, never hidden whole.
LABELS = (nodes.title, nodes.caption, nodes.rubric)


def classify(text):
    """'zh', 'en', 'both', or None (no prose) for a piece of text."""
    zh = len(CJK.findall(text))
    en = len(LATIN.findall(text)) / LETTERS_PER_CJK
    if zh == 0 and en == 0:
        return None
    if zh >= 2 and en >= 2 and min(zh, en) >= BOTH_RATIO * max(zh, en):
        return "both"
    return "zh" if zh > en else "en"


def _is_code_cell(node):
    classes = node.get("classes", []) if isinstance(node, nodes.Element) else []
    return any(c in classes for c in ("cell_input", "cell_output", "output"))


def prose(node):
    """The text of a node a reader reads as language: without code, math, outputs."""
    if isinstance(node, nodes.Text):
        return str(node)
    if isinstance(node, NOT_PROSE) or _is_code_cell(node):
        return ""
    return " ".join(prose(child) for child in node.children)


def _explicit(node):
    return isinstance(node, nodes.Element) and any(c in node.get("classes", []) for c in EXPLICIT)


def _tag(node, lang):
    node["classes"].append("lang-" + lang)


def _span(lang, children):
    return nodes.inline("", "", *children, classes=["lang-" + lang])


def split_sentences(para):
    """Cut "中文句子。English sentence." after the last Chinese character, when
    that ends a sentence, everything after it is English, and the last
    Chinese character is in the paragraph's own text (not inside emphasis or
    a link). Returns True when cut."""
    children = list(para.children)
    last = None
    for k, child in enumerate(children):
        text = prose(child)
        if CJK.search(text):
            last = k
    if last is None or not isinstance(children[last], nodes.Text):
        return False
    text = str(children[last])
    j = max(m.end() for m in CJK.finditer(text))
    head, tail = text[:j], text[j:]
    if not SENTENCE_END.search(head):
        return False
    rest = tail + " ".join(prose(c) for c in children[last + 1:])
    if len(LATIN.findall(rest)) < MIN_SPLIT_LETTERS:
        return False
    zh = _span("zh", children[:last] + [nodes.Text(head)])
    en = _span("en", [nodes.Text(tail.lstrip())] + children[last + 1:])
    para.children = []
    para += [zh, nodes.Text(" "), en]
    return True


def split_label(node, allow_math_after=True):
    """Cut "中文 · English" (or "中文 / English") at the first separator in the
    node's own text where what comes before is Chinese and what follows is
    English. Returns True when cut."""
    children = list(node.children)
    for k, child in enumerate(children):
        if not isinstance(child, nodes.Text):
            continue
        text = str(child)
        for match in SEPARATOR.finditer(text):
            before = " ".join(prose(c) for c in children[:k]) + text[:match.start()]
            after_nodes = children[k + 1:]
            after = text[match.end():] + " ".join(prose(c) for c in after_nodes)
            if classify(before) != "zh" or classify(after) != "en":
                continue
            if not allow_math_after and any(isinstance(n, (nodes.math, nodes.literal)) or
                                            list(n.findall(nodes.math)) for n in after_nodes
                                            if isinstance(n, nodes.Element)):
                return False
            zh = _span("zh", children[:k] + [nodes.Text(text[:match.start()])])
            sep = nodes.inline("", match.group(0), classes=["lang-sep"])
            en = _span("en", [nodes.Text(text[match.end():])] + after_nodes)
            node.children = []
            node += [zh, sep, en]
            return True
    return False


def split_list(lst):
    """Cut a list into runs of items of one language (each run its own list,
    numbered from 1); tag each item. Returns the nodes that replace lst."""
    runs = []
    for item in lst.children:
        lang = "both" if _explicit(item) else classify(prose(item))
        if lang in ("zh", "en") and not _explicit(item):
            _tag(item, lang)
        key = lang if lang in ("zh", "en") else "both"
        if runs and runs[-1][0] == key:
            runs[-1][1].append(item)
        else:
            runs.append((key, [item]))
    for key, items in runs:
        if key == "both":
            for item in items:
                if not _explicit(item):
                    tag_tree(item)
    if len(runs) < 2:
        return [lst]
    pieces = []
    for key, items in runs:
        piece = lst.copy()  # the same kind of list with the same attributes, no items
        piece.attributes.pop("start", None)
        piece["classes"] = [c for c in piece["classes"] if c not in EXPLICIT]
        if key != "both":
            piece["classes"].append("lang-" + key)
        piece += items
        pieces.append(piece)
    return pieces


def tag_paragraph(para):
    lang = classify(prose(para))
    if lang == "both":
        split_sentences(para) or split_label(para, allow_math_after=False)
    elif lang in ("zh", "en") and not split_label(para, allow_math_after=False):
        _tag(para, lang)


def tag_tree(node):
    """Tag the units under node (not node itself)."""
    for child in list(node.children):
        if not isinstance(child, nodes.Element) or _explicit(child) or isinstance(child, NOT_PROSE) \
                or _is_code_cell(child):
            continue
        if isinstance(child, (nodes.bullet_list, nodes.enumerated_list)):
            pieces = split_list(child)
            if len(pieces) > 1:
                child.replace_self(pieces)
        elif isinstance(child, LABELS):
            split_label(child)
        elif isinstance(child, nodes.paragraph):
            tag_paragraph(child)
        elif isinstance(child, nodes.row):
            # A row goes whole only when no cell of it is a "中文 · English" label.
            tag_tree(child)
            lang = classify(prose(child))
            if lang in ("zh", "en") and not any("lang-sep" in n["classes"] for n in child.findall(nodes.inline)):
                _tag(child, lang)
        elif isinstance(child, WHOLE_UNITS):
            lang = classify(prose(child))
            if lang in ("zh", "en"):
                _tag(child, lang)
            else:
                tag_tree(child)
        else:
            tag_tree(child)


class TagLanguages(SphinxTransform):
    """Runs on every document (Markdown chapters and executed notebooks alike)."""
    default_priority = 880  # after MyST has built the tree, before the toc is collected

    def apply(self):
        tag_tree(self.document)


def setup(app):
    app.add_transform(TagLanguages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

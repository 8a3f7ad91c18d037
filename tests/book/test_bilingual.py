"""book/_ext/bilingual.py: every unit of text gets its language at build time.

The Markdown is parsed by MyST (as the book is), then the transform runs on
the tree and the tests look at the classes it set."""
import importlib.util
from pathlib import Path

import pytest
from docutils import nodes
from docutils.core import publish_doctree

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bilingual():
    spec = importlib.util.spec_from_file_location("bilingual", ROOT / "book" / "_ext" / "bilingual.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tagged(bilingual, markdown):
    from myst_parser.parsers.docutils_ import Parser
    doctree = publish_doctree(markdown, parser=Parser(),
                              settings_overrides={"myst_enable_extensions": ["dollarmath"], "report_level": 4})
    bilingual.tag_tree(doctree)
    return doctree


def langs(node):
    return [c for c in node.get("classes", []) if c.startswith("lang-")]


@pytest.mark.parametrize("text, expected", [
    ("循环神经网络（RNN）一次读入序列中的一个元素，并把它压缩进隐藏状态。", "zh"),
    ("A recurrent neural network reads one element at a time; its hidden state (隐藏状态) sums it up.", "en"),
    ("RNN 的一步 · The RNN step and backpropagation", "both"),
    ("12345 + 678", None),
])
def test_the_script_classifier(bilingual, text, expected):
    assert bilingual.classify(text) == expected


def test_a_chinese_list_then_its_english_list_become_two_lists_numbered_from_one(bilingual):
    doctree = tagged(bilingual, "1. 按顺序阅读各章。\n2. 获取作业。\n\n1. Read the chapters in order.\n2. Fetch the assignment.\n")
    lists = list(doctree.findall(nodes.enumerated_list))
    assert len(lists) == 2
    assert [langs(lst) for lst in lists] == [["lang-zh"], ["lang-en"]]
    assert all("start" not in lst.attributes for lst in lists)
    assert [len(lst.children) for lst in lists] == [2, 2]
    assert all(langs(item) for lst in lists for item in lst.children)


def test_whole_paragraphs_get_their_language(bilingual):
    doctree = tagged(bilingual, "这是一段中文说明，讲隐藏状态。\n\nThis paragraph explains the hidden state in English.\n")
    assert [langs(p) for p in doctree.findall(nodes.paragraph)] == [["lang-zh"], ["lang-en"]]


def test_a_chinese_sentence_then_its_english_is_cut_in_two_spans(bilingual):
    doctree = tagged(bilingual, "误差应在 `1e-8` 左右或更小。The error should be about `1e-8` or less.\n")
    paragraph = next(doctree.findall(nodes.paragraph))
    spans = [n for n in paragraph.children if isinstance(n, nodes.inline)]
    assert [(langs(s), s.astext().strip()) for s in spans] == [
        (["lang-zh"], "误差应在 1e-8 左右或更小。"), (["lang-en"], "The error should be about 1e-8 or less.")]


def test_a_heading_is_cut_at_its_separator(bilingual):
    doctree = tagged(bilingual, "# 梯度裁剪 · Gradient clipping\n\n正文。\n\nText.\n")
    title = next(doctree.findall(nodes.title))
    assert [(langs(n), n.astext()) for n in title.children] == [
        (["lang-zh"], "梯度裁剪"), (["lang-sep"], " · "), (["lang-en"], "Gradient clipping")]


def test_table_cells_are_cut_and_a_bilingual_row_stays(bilingual):
    doctree = tagged(bilingual, "| 公式 · math | 含义 · meaning |\n| --- | --- |\n| $W_h$ | 隐藏层权重 · hidden weights |\n")
    rows = list(doctree.findall(nodes.row))
    assert all(langs(row) == [] for row in rows)
    cell = rows[-1].children[-1]
    assert [langs(n) for n in cell.findall(nodes.inline)] == [["lang-zh"], ["lang-sep"], ["lang-en"]]


def test_an_explicit_class_is_left_alone(bilingual):
    doctree = publish_doctree("x", settings_overrides={"report_level": 4})
    box = nodes.container(classes=["lang-en"])
    box += nodes.paragraph(text="这一段由作者标为英文。")
    doctree += box
    bilingual.tag_tree(doctree)
    assert langs(box.children[0]) == []


def test_code_and_math_are_not_language(bilingual):
    doctree = tagged(bilingual, "$h_t = \\tanh(x_t W_x)$\n\n```python\nprint('中文注释')\n```\n")
    assert not [n for n in doctree.findall(nodes.Element) if langs(n)]

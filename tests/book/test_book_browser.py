"""The built book in a real browser (Debian's chromium, driven by playwright).

Every page is loaded from a local HTTP server on 127.0.0.1: the math must be
typeset by the locally served MathJax, both languages must be on the page,
nothing may be fetched from another host, every internal link and resource
must resolve, and a screenshot of each page is saved for a person to see.
"""
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

pytestmark = pytest.mark.xdist_group(name="book")

# Pages whose text is the course itself (the rest is the search page and the index).
CONTENT_PREFIX = "book/"
WAIT_FOR_MATH = "() => window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => true) : false"


def site_pages(site):
    """Every HTML page of the site, as paths relative to its root."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if not p.relative_to(site).as_posix().startswith("_"))


def visible_count(page, selector):
    return page.evaluate(
        "(sel) => Array.from(document.querySelectorAll(sel)).filter(e => e.offsetParent !== null).length",
        selector)


def open_page(page, url):
    """Load a page, wait for MathJax to finish, return the requests it made."""
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"
    page.evaluate(WAIT_FOR_MATH)
    return requests


def test_the_site_has_every_chapter_and_both_notebooks(site):
    pages = site_pages(site)
    for chapter in ("intro", "rnn_step", "word_embedding", "temporal_affine_softmax", "captioning_model",
                    "training", "sampling", "lstm", "evaluation", "glossary",
                    "notebooks/RNN_Captioning", "notebooks/LSTM_Captioning"):
        assert f"book/{chapter}.html" in pages, f"book/{chapter}.html missing from the site; pages: {pages}"


def test_every_page_renders_math_both_languages_offline(site, server, page, artifacts):
    problems = []
    for rel in site_pages(site):
        url = f"{server}/{rel}"
        requests = open_page(page, url)
        foreign = [u for u in requests if not u.startswith(server) and not u.startswith(("data:", "blob:"))]
        if foreign:
            problems.append(f"{rel}: fetched from another host: {foreign[:3]}")
        if page.locator(".lang-switch button").count() != 3:
            problems.append(f"{rel}: no language switch (expected 3 buttons)")
        if rel.startswith(CONTENT_PREFIX):
            math_nodes = page.locator("article .math").count()
            typeset = page.locator("article .math mjx-container").count()
            if typeset != math_nodes:
                problems.append(f"{rel}: {typeset} of {math_nodes} formulas typeset by MathJax")
            text = page.locator("article").inner_text()
            raw = re.findall(r"\$\$|\\\(|\\\[|(?<![\w$])\$[^$\s][^$\n]{0,60}\$(?![\w$])", text)
            if raw:
                problems.append(f"{rel}: raw TeX left in the text: {raw[:3]}")
            zh, en = visible_count(page, ".lang-zh"), visible_count(page, ".lang-en")
            if zh == 0 or en == 0:
                problems.append(f"{rel}: {zh} Chinese and {en} English blocks; both languages must be there")
        page.screenshot(path=str(artifacts / (rel.replace("/", "__") + ".png")), full_page=True)
    pages_with_math = [r for r in site_pages(site) if r.startswith(CONTENT_PREFIX)]
    assert pages_with_math, "no content pages found"
    assert not problems, "\n".join(problems)


def test_chapters_have_math_typeset(site, server, page):
    """The concept chapters are built around formulas: MathJax must typeset them."""
    for chapter in ("rnn_step", "temporal_affine_softmax", "lstm"):
        open_page(page, f"{server}/book/{chapter}.html")
        assert page.locator("article mjx-container").count() >= 5, f"book/{chapter}.html: too few formulas typeset"


def test_language_switch_hides_shows_and_persists(server, page):
    open_page(page, f"{server}/book/rnn_step.html")
    assert page.evaluate("document.documentElement.dataset.lang") == "both"
    assert visible_count(page, ".lang-zh") > 3 and visible_count(page, ".lang-en") > 3

    page.get_by_role("button", name="中文", exact=True).click()
    assert visible_count(page, ".lang-en") == 0
    assert visible_count(page, ".lang-zh") > 3
    assert visible_count(page, ".lang-both") > 0  # bilingual headings stay

    # The choice holds on the next page, reached by a link, as a reader would.
    page.locator("a.right-next").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/book/word_embedding.html")
    assert page.evaluate("document.documentElement.dataset.lang") == "zh"
    assert visible_count(page, ".lang-en") == 0 and visible_count(page, ".lang-zh") > 0
    assert page.get_by_role("button", name="中文", exact=True).get_attribute("aria-pressed") == "true"

    page.get_by_role("button", name="English", exact=True).click()
    assert visible_count(page, ".lang-zh") == 0 and visible_count(page, ".lang-en") > 0
    page.reload(wait_until="networkidle")
    assert visible_count(page, ".lang-zh") == 0 and visible_count(page, ".lang-en") > 0

    page.get_by_role("button", name="中文 + English", exact=True).click()
    assert visible_count(page, ".lang-zh") > 0 and visible_count(page, ".lang-en") > 0


def test_language_switch_works_on_the_assignment_notebooks(server, page):
    open_page(page, f"{server}/book/notebooks/RNN_Captioning.html")
    zh, en = visible_count(page, ".lang-zh"), visible_count(page, ".lang-en")
    assert zh > 5 and en > 5, f"RNN_Captioning.html: {zh} Chinese and {en} English blocks"
    page.get_by_role("button", name="English", exact=True).click()
    assert visible_count(page, ".lang-zh") == 0 and visible_count(page, ".lang-en") == en


@pytest.mark.parametrize("text, expected", [
    ("循环神经网络（RNN）一次读入序列中的一个元素，并把它压缩进隐藏状态。", "zh"),
    ("A recurrent neural network reads one element at a time; its hidden state (隐藏状态) sums it up.", "en"),
    ("RNN 的一步 · The RNN step and backpropagation", "both"),
    ("12345 + 678", None),
])
def test_the_script_classifier(server, page, text, expected):
    open_page(page, f"{server}/book/glossary.html")
    assert page.evaluate("(t) => window.mmlLang.classify(t)", text) == expected


def test_no_broken_internal_links(site, server, page):
    """Every href and src of every page that points into the site resolves,
    and so does its #fragment."""
    targets = {}
    for rel in site_pages(site):
        open_page(page, f"{server}/{rel}")
        links = page.evaluate("""() => Array.from(document.querySelectorAll('[href], [src]'))
            .map(e => e.href || e.src).filter(u => typeof u === 'string')""")
        for link in links:
            if link.startswith(server):
                targets.setdefault(link, rel)
    assert len(targets) > 50, f"only {len(targets)} internal links found"
    broken, pages = [], {}
    for link, source in sorted(targets.items()):
        address, _, fragment = link.partition("#")
        if address not in pages:
            try:
                with urllib.request.urlopen(address, timeout=10) as response:
                    pages[address] = response.read().decode("utf-8", errors="ignore")
            except urllib.error.HTTPError as err:
                pages[address] = None
                broken.append(f"{source}: {link} -> HTTP {err.code}")
                continue
        body = pages[address]
        fragment = urllib.parse.unquote(fragment)
        if body is not None and fragment and address.endswith(".html") and f'id="{fragment}"' not in body:
            broken.append(f"{source}: {link} -> no element with id {fragment!r}")
    assert not broken, "\n".join(broken)


def test_a_chinese_then_english_paragraph_is_split_and_labels_are_not(server, page):
    open_page(page, f"{server}/book/glossary.html")
    classes = page.evaluate("""() => {
        const box = document.createElement('div');
        box.innerHTML = '<p id="a">误差应在 <code>1e-8</code> 左右或更小。The error should be about <code>1e-8</code> or less.</p>'
                      + '<p id="b">词嵌入 / word embedding: captions_in (N, T) to x (N, T, W)</p>';
        document.body.appendChild(box);
        window.mmlLang.tagBlocks(box);
        const a = document.getElementById('a'), b = document.getElementById('b');
        return [Array.from(a.children).map(e => e.className + ':' + e.textContent.trim()), b.className];
    }""")
    assert classes == [["lang-zh:误差应在 1e-8 左右或更小。", "lang-en:The error should be about 1e-8 or less."],
                       "lang-both"]

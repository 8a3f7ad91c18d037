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
    # A heading shows its Chinese half only.
    assert page.locator("article h1").inner_text().strip().startswith("RNN 的一步")
    assert "backpropagation" not in page.locator("article h1").inner_text()

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


# ---------------------------------------------------------------------------
# Each language mode reads as a book of its own
# ---------------------------------------------------------------------------

MODES = ("zh", "en", "both")
# Visible list items, table rows and headings with no visible text; numbered
# lists that do not start at 1 or hide some of their items; headings whose
# section shows nothing else.
UNIT_PROBLEMS = """() => {
    const shown = e => e.offsetParent !== null || e.getClientRects().length > 0;
    const text = e => e.innerText.replace(/[\\s\\u00b6#]+/g, '');
    const where = e => e.tagName.toLowerCase() + ': ' + e.outerHTML.slice(0, 100);
    const article = document.querySelector('article');
    const problems = [];
    article.querySelectorAll('li, tr, h1, h2, h3, h4, h5, h6, dt, dd, figcaption, .admonition-title')
        .forEach(e => { if (shown(e) && !text(e) && !e.querySelector('img, mjx-container')) problems.push('empty ' + where(e)); });
    article.querySelectorAll('ol').forEach(ol => {
        if (!shown(ol)) return;
        if (ol.start !== 1) problems.push('numbered from ' + ol.start + ': ' + where(ol));
        const items = Array.from(ol.children).filter(li => li.tagName === 'LI');
        if (items.some(li => !shown(li))) problems.push('hidden items inside a shown list: ' + where(ol));
    });
    article.querySelectorAll('section').forEach(s => {
        const heading = s.querySelector(':scope > h1, :scope > h2, :scope > h3, :scope > h4');
        if (!heading || !shown(heading)) return;
        const rest = Array.from(s.children).filter(c => c !== heading && shown(c) && (text(c) || c.querySelector('img, mjx-container')));
        if (rest.length === 0) problems.push('orphan heading ' + where(heading));
    });
    return problems;
}"""


def set_mode(page, url, mode):
    """Open url with the reader's choice already stored, as after a click on another page."""
    page.goto(url, wait_until="domcontentloaded")
    page.evaluate("(m) => localStorage.setItem('mml-book-lang', m)", mode)
    page.reload(wait_until="networkidle")
    page.evaluate(WAIT_FOR_MATH)
    assert page.evaluate("document.documentElement.dataset.lang") == mode


def test_each_language_mode_hides_whole_units_and_numbers_from_one(site, server, page, artifacts):
    problems = []
    for rel in [r for r in site_pages(site) if r.startswith(CONTENT_PREFIX)]:
        for mode in MODES:
            set_mode(page, f"{server}/{rel}", mode)
            problems += [f"{rel} [{mode}]: {p}" for p in page.evaluate(UNIT_PROBLEMS)]
            if mode != "both":
                other = "en" if mode == "zh" else "zh"
                if visible_count(page, f"article .lang-{other}"):
                    problems.append(f"{rel} [{mode}]: {visible_count(page, f'article .lang-{other}')} "
                                    f"units of the other language are visible")
            if rel == "book/intro.html":
                page.screenshot(path=str(artifacts / f"landing-{mode}.png"), full_page=True)
    assert not problems, "\n".join(problems[:40])


def test_the_landing_page_lists_are_numbered_from_one_in_each_language(server, page):
    for mode, first_step in (("zh", "按顺序阅读"), ("en", "Read the chapters")):
        set_mode(page, f"{server}/book/intro.html", mode)
        lists = page.evaluate("""() => Array.from(document.querySelectorAll('article ol'))
            .filter(ol => ol.offsetParent !== null)
            .map(ol => [ol.start, Array.from(ol.children).filter(li => li.offsetParent !== null).map(li => li.innerText.trim())])""")
        assert len(lists) == 1, f"book/intro.html [{mode}]: {len(lists)} numbered lists shown"
        start, items = lists[0]
        assert start == 1 and len(items) == 4 and items[0].startswith(first_step), lists
        bullets = page.evaluate("""() => Array.from(document.querySelectorAll('article ul > li'))
            .filter(li => li.offsetParent !== null).map(li => li.innerText.trim())""")
        assert len(bullets) == 5 and all(bullets), f"book/intro.html [{mode}]: bullets {bullets}"


def test_headings_and_the_theme_labels_follow_the_choice(server, page):
    set_mode(page, f"{server}/book/lstm.html", "en")
    assert page.locator("article h1").inner_text().strip().startswith("The LSTM")
    chrome = page.evaluate("""() => [
        document.querySelector('.bd-search input, input[type=search]').getAttribute('placeholder'),
        document.querySelector('.prev-next-area').innerText,
        document.querySelector('.onthispage').innerText,
        document.querySelector('.bd-sidebar-primary').innerText]""")
    placeholder, prev_next, toc_label, sidebar = chrome
    assert placeholder == "Search…"
    assert "Previous" in prev_next and "Next" in prev_next and "上一页" not in prev_next
    assert toc_label.strip() == "Contents"
    assert "Concepts" in sidebar and "概念" not in sidebar and "隐藏" not in sidebar
    set_mode(page, f"{server}/book/lstm.html", "zh")
    heading = page.locator("article h1").inner_text().strip()
    assert heading.startswith("长短期记忆网络") and "LSTM" not in heading, heading
    assert page.locator(".onthispage").inner_text().strip() == "目录"
    set_mode(page, f"{server}/book/lstm.html", "both")
    assert page.locator("article h1").inner_text().strip().startswith("长短期记忆网络 · The LSTM")


# ---------------------------------------------------------------------------
# Fonts: CJK for prose only
# ---------------------------------------------------------------------------

def test_code_is_monospace_and_math_has_no_cjk(site, server, page):
    problems = []
    for rel in [r for r in site_pages(site) if r.startswith(CONTENT_PREFIX)]:
        open_page(page, f"{server}/{rel}")
        fonts = page.evaluate("""() => Array.from(document.querySelectorAll('article pre, article code'))
            .slice(0, 40).map(e => getComputedStyle(e).fontFamily)""")
        problems += [f"{rel}: code in {f}" for f in set(fonts) if "mono" not in f.split(",")[0].lower()]
        math = page.evaluate("""() => {
            const cjk = /[\\u2e80-\\u2fdf\\u3000-\\u303f\\u3400-\\u4dbf\\u4e00-\\u9fff\\uff00-\\uffef]/;
            const out = [];
            document.querySelectorAll('article mjx-container').forEach(m => {
                const chars = Array.from(m.querySelectorAll('mjx-c')).map(c => c.className).join(' ');
                const codes = (chars.match(/mjx-c([0-9A-F]+)/g) || []).map(c => parseInt(c.slice(5), 16));
                if (codes.some(c => cjk.test(String.fromCodePoint(c)))) out.push('CJK glyph in ' + m.textContent.slice(0, 60));
                m.querySelectorAll('mjx-utext').forEach(u => {
                    if (cjk.test(u.textContent)) out.push('CJK text in math: ' + u.textContent);
                });
                const c = m.querySelector('mjx-c');
                if (c && /CJK/i.test(getComputedStyle(c).fontFamily)) out.push('math glyph in ' + getComputedStyle(c).fontFamily);
            });
            return out;
        }""")
        problems += [f"{rel}: {p}" for p in sorted(set(math))]
    assert not problems, "\n".join(problems[:30])


def test_english_prose_uses_a_latin_font_first(server, page):
    set_mode(page, f"{server}/book/rnn_step.html", "en")
    family = page.evaluate("() => getComputedStyle(document.querySelector('article p.lang-en')).fontFamily")
    assert "CJK" not in family.split(",")[0], family


# ---------------------------------------------------------------------------
# Search in both languages (Sphinx's zh index, words cut by jieba)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("隐藏状态", "book/rnn_step.html"),
    ("词嵌入", "book/word_embedding.html"),
    ("梯度裁剪", "book/rnn_step.html"),
    ("遗忘门", "book/lstm.html"),
    ("束搜索", "book/evaluation.html"),
    ("hidden state", "book/rnn_step.html"),
    ("embedding", "book/word_embedding.html"),
    ("clipping", "book/rnn_step.html"),
    ("forget gate", "book/lstm.html"),
    ("beam search", "book/evaluation.html"),
])
def test_search_finds_chinese_and_english(server, page, query, expected):
    page.goto(f"{server}/search.html?q={urllib.parse.quote(query)}", wait_until="networkidle")
    page.wait_for_selector("#search-results p.search-summary", timeout=15000)  # the search has finished
    hits = page.evaluate("() => Array.from(document.querySelectorAll('#search-results li a')).map(a => a.href)")
    assert any(expected in h for h in hits), f"search {query!r}: {len(hits)} hits, none in {expected}: {hits[:8]}"


# ---------------------------------------------------------------------------
# A phone: 390 px wide
# ---------------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}
# A figure is never drawn below this fraction of its drawn size (the figures'
# smallest text is 11 pt at 100 dpi, about 15 px; at 0.7 it stays above 10 px).
MIN_FIGURE_SCALE = 0.7


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def test_no_page_scrolls_sideways_on_a_phone(site, server, phone):
    wide = []
    for rel in site_pages(site):
        open_page(phone, f"{server}/{rel}")
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"] + 1:
            wide.append(f"{rel}: page is {width} px wide on a {PHONE['width']} px screen")
    assert not wide, "\n".join(wide)


FIGURES = """() => Array.from(document.querySelectorAll('article img'))
    .map((img, i) => ({i, natural: img.naturalWidth, shown: img.getBoundingClientRect().width}))
    .filter(f => f.natural > 200)"""


@pytest.mark.parametrize("width", [1280, PHONE["width"]])
def test_every_figure_is_drawn_at_a_readable_size(site, server, chromium, artifacts, width):
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    small, count = [], 0
    try:
        for rel in [r for r in site_pages(site) if r.startswith(CONTENT_PREFIX)]:
            open_page(page, f"{server}/{rel}")
            for figure in page.evaluate(FIGURES):
                count += 1
                scale = figure["shown"] / figure["natural"]
                if scale < MIN_FIGURE_SCALE - 0.005:  # half a percent for rounding to whole pixels
                    small.append(f"{rel} figure {figure['i']}: drawn {figure['natural']} px wide, "
                                 f"shown at {figure['shown']:.0f} px (scale {scale:.2f})")
                image = page.locator("article img").nth(figure["i"])
                image.scroll_into_view_if_needed()
                image.screenshot(path=str(artifacts / f"figure-{rel.replace('/', '__')}-{figure['i']}-{width}.png"))
    finally:
        context.close()
    assert count >= 15, f"only {count} figures found"
    assert not small, "\n".join(small)

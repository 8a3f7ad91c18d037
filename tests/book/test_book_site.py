"""The built site: no solution, hidden test or mml source in any file, and
nothing loaded from another host (MathJax is served from the site itself)."""
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group(name="book")

REMOTE_LOAD = re.compile(
    r"<(?:script|img|iframe|source|video|audio)\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//"
    r"|<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>"
    r"|@import\s+(?:url\()?[\"']?(?:https?:)?//"
    r"|url\(\s*[\"']?(?:https?:)?//", re.IGNORECASE)


def test_the_site_has_no_leak(site, build_book):
    assert build_book.find_leaks(site) == []


def test_the_site_loads_nothing_from_another_host(site):
    found = []
    for path in sorted(site.rglob("*")):
        if path.suffix in (".html", ".css") and not path.relative_to(site).as_posix().startswith("_static/mathjax/"):
            for match in REMOTE_LOAD.finditer(path.read_text(encoding="utf-8", errors="ignore")):
                found.append(f"{path.relative_to(site)}: {match.group(0)[:120]}")
    assert not found, "\n".join(found)


def test_mathjax_is_served_by_the_site(site):
    page = (site / "book" / "rnn_step.html").read_text(encoding="utf-8")
    assert re.search(r'<script [^>]*src="\.\./_static/mathjax/tex-chtml\.js(\?v=\w+)?"', page), \
        "book/rnn_step.html does not load the local MathJax"
    assert (site / "_static" / "mathjax" / "tex-chtml.js").stat().st_size > 500_000
    assert any((site / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("MathJax_Main-Regular.woff"))


def test_no_source_files_or_page_sources_are_published(site):
    published = [p.relative_to(site).as_posix() for p in site.rglob("*")
                 if p.suffix in (".py", ".ipynb", ".md") or "_sources" in p.parts or "_modules" in p.parts]
    assert published == []


def test_the_notebooks_show_real_outputs(site):
    """The release notebooks were executed against the reference mml: their
    checks printed their errors, and no stub raised."""
    for name in ("RNN_Captioning", "LSTM_Captioning"):
        html = (site / "book" / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        assert html.count('class="cell_output') >= 5, f"{name}.html: too few executed outputs"
        assert "NotImplementedError" not in html, f"{name}.html: a stub raised; the book must execute the reference mml"
        assert "Traceback" not in html, f"{name}.html: a traceback in the page"


def test_no_page_shows_a_path_of_the_build_machine(site, build_book):
    """Executed outputs write the build user's home as ~ and the repository as .
    (book/_ext/portable_paths.py)."""
    machine = [str(build_book.ROOT), str(Path.home()) + "/"]
    found = []
    for path in sorted(site.rglob("*.html")):
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [f"{path.relative_to(site)}: {m}" for m in machine if m in text]
    assert not found, "\n".join(found)

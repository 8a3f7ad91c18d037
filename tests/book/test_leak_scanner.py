"""The leak scanner of tools/build_book.py finds what it is meant to find.

Each test plants one kind of leak in a small fake site and checks that
find_leaks reports it (and reports nothing for a clean page)."""
import json

import pytest

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_site(tmp_path):
    site = tmp_path / "html"
    (site / "book").mkdir(parents=True)
    (site / "book" / "clean.html").write_text(
        "<html><body><p>隐藏状态 · hidden state</p><pre>h, cache = rnn_forward(x, h0, Wx, Wh, b)</pre></body></html>",
        encoding="utf-8")
    return site


def test_secrets_come_from_mml_between_the_markers(build_book):
    secrets = build_book.leak_policy().secrets
    assert "np.add.at(dW,x,dout)" in secrets           # word_embedding_backward
    assert "da=dnext_h*(1-next_h**2)" in secrets         # rnn_step_backward, comment removed
    assert "importnumpyasnp" not in secrets
    assert len(secrets) > 60


def test_a_clean_page_has_no_leak(build_book, fake_site):
    assert build_book.find_leaks(fake_site) == []


def test_a_highlighted_solution_line_is_found(build_book, fake_site):
    # Pygments wraps every token in a span; the scanner reads the text a person sees.
    (fake_site / "book" / "leak.html").write_text(
        '<div class="highlight"><pre><span class="n">np</span><span class="o">.</span>'
        '<span class="n">add</span><span class="o">.</span><span class="n">at</span>'
        '<span class="p">(</span><span class="n">dW</span><span class="p">,</span> '
        '<span class="n">x</span><span class="p">,</span> <span class="n">dout</span>'
        '<span class="p">)</span></pre></div>', encoding="utf-8")
    leaks = build_book.find_leaks(fake_site)
    assert any(leak.startswith("book/leak.html: solution line: np.add.at(dW, x, dout)") for leak in leaks), leaks


def test_a_marker_word_and_the_judge_are_found(build_book, fake_site):
    (fake_site / "book" / "leak.html").write_text(
        "<p>### begin hidden tests</p><p>from mml_judge import check</p><p>### End Mark Scheme</p>",
        encoding="utf-8")
    leaks = build_book.find_leaks(fake_site)
    assert any("nbgrader marker 'BEGIN HIDDEN TESTS'" in leak for leak in leaks), leaks
    assert any("nbgrader marker 'END MARK SCHEME'" in leak for leak in leaks), leaks
    assert any("grader-only name 'mml_judge'" in leak for leak in leaks), leaks


def test_provided_mml_source_is_found(build_book, fake_site):
    # A line of provided code (outside every solution region): not a solution, but mml source.
    secrets = build_book.leak_policy().secrets
    provided = sorted(line for line in build_book.mml_source_lines()
                      if not any(form in line.replace(" ", "") for form in secrets))
    assert len(provided) > 50
    line = next(line for line in provided if "temporal" in line or "softmax" in line)
    assert line in (ROOT / "mml" / "rnn_layers.py").read_text(encoding="utf-8")
    (fake_site / "search.js").write_text(f'var index = "{line}";', encoding="utf-8")
    assert any(f"search.js: mml source line: {line}" in leak for leak in build_book.find_leaks(fake_site))


def test_viewcode_pages_and_python_files_are_found(build_book, fake_site):
    (fake_site / "_modules" / "mml").mkdir(parents=True)
    (fake_site / "_modules" / "mml" / "rnn_layers.html").write_text("<p>code</p>", encoding="utf-8")
    (fake_site / "_downloads").mkdir()
    (fake_site / "_downloads" / "rnn.py").write_text("pass\n", encoding="utf-8")
    leaks = build_book.find_leaks(fake_site)
    assert "_modules/mml/rnn_layers.html: source file in the site (viewcode or a .py download)" in leaks
    assert "_downloads/rnn.py: source file in the site (viewcode or a .py download)" in leaks


def test_a_notebook_download_with_a_solution_is_found(build_book, fake_site):
    notebook = {"cells": [{"cell_type": "code", "source": ["dx = da @ Wx.T\n"]}]}
    (fake_site / "RNN_Captioning.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    assert any(leak.startswith("RNN_Captioning.ipynb: solution line: dx = da @ Wx.T")
               for leak in build_book.find_leaks(fake_site))


def test_source_notebook_solutions_and_hidden_tests_are_needles(build_book, tmp_path):
    cells = [{"cell_type": "markdown", "metadata": {},
              "source": "### BEGIN SOLUTION\nThe answer is forty-two exactly.\n### END SOLUTION"},
             {"cell_type": "code", "metadata": {},
              "source": "### BEGIN HIDDEN TESTS\ncheck('rnn_step_forward_hidden')\n### END HIDDEN TESTS"}]
    (tmp_path / "A.ipynb").write_text(json.dumps({"cells": cells}), encoding="utf-8")
    secrets = build_book.leak_policy(ROOT / "mml", tmp_path).secrets.values()
    assert "The answer is forty-two exactly." in secrets
    assert "check('rnn_step_forward_hidden')" in secrets


def test_a_formula_that_mml_documents_is_not_a_needle(build_book):
    # lstm_step_forward's docstring states next_c = f * prev_c + i * g: public, not a leak.
    assert "next_c = f * prev_c + i * g" in " ".join(
        (ROOT / "mml" / "rnn_layers.py").read_text(encoding="utf-8").split())
    assert "next_c=f*prev_c+i*g" not in build_book.leak_policy().secrets

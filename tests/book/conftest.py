"""Fixtures of the book tests: the built site, served on 127.0.0.1, and a
real chromium driven by playwright.

The site is built once per test session by tools/build_book.py --offline,
in a network namespace with only loopback (so the build is proven offline);
the execution cache keeps a rebuild short.
"""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Screenshots of every page, for a person to look at.
ARTIFACTS = Path(os.environ.get("BOOK_ARTIFACTS_DIR", "/tmp/artifacts/book"))


def load_build_book():
    """tools/build_book.py as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("build_book", ROOT / "tools" / "build_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def build_book():
    return load_build_book()


@pytest.fixture(scope="session")
def site(build_book):
    """The built site folder, freshly built offline (fast from the cache)."""
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), "--offline"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, (
        f"tools/build_book.py --offline failed (exit {result.returncode}):\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    assert (build_book.SITE_DIR / "index.html").is_file()
    return build_book.SITE_DIR


@pytest.fixture(scope="session")
def server(site, serve_directory):
    """The site over HTTP on 127.0.0.1 (a free port), in a thread."""
    with serve_directory(site) as url:
        yield url


@pytest.fixture
def page(chromium):
    """A fresh browser context (empty localStorage) and page."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS

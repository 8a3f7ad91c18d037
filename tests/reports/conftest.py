"""Fixtures of the report tests: the generated, graded class (generated_class.py)
and a real chromium driven by playwright."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generated_class import CHROMIUM, CHROMIUM_ARGS, GeneratedClass, REAL_GRADED  # noqa: E402


@pytest.fixture(scope="session")
def generated_class(tmp_path_factory):
    cls = GeneratedClass(tmp_path_factory.mktemp("reports"))
    cls.grade("prepare")
    cls.grading_log = cls.grade("autograde", *[a for s in REAL_GRADED for a in ("--student", s)])
    cls.record_synthetic([s for s in cls.plan if s not in REAL_GRADED])
    cls.report_log = cls.grade("report")
    cls.similarity_log = cls.grade("similarity")
    return cls


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()

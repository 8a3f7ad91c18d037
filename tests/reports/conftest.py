"""Fixtures of the report tests: the generated, graded class (generated_class.py);
the browser is the shared `chromium` fixture of tests/conftest.py."""
import pytest

from generated_class import GeneratedClass, REAL_GRADED


@pytest.fixture(scope="session")
def generated_class(tmp_path_factory):
    cls = GeneratedClass(tmp_path_factory.mktemp("reports"))
    cls.grade("prepare")
    cls.grading_log = cls.grade("autograde", *[a for s in REAL_GRADED for a in ("--student", s)])
    cls.record_synthetic([s for s in cls.plan if s not in REAL_GRADED])
    cls.report_log = cls.grade("report")
    cls.similarity_log = cls.grade("similarity")
    return cls

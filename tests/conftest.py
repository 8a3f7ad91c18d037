"""Shared test settings. Each area keeps its own fixtures in tests/<area>/."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root():
    """The repository root."""
    return ROOT

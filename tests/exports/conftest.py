"""Fixtures for export tests: convictions of the home county released for export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from clearrecord.cases.models import Conviction
from tests.conftest import HOME_COUNTY
from tests.review.builders import make_convictions


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def ready(db: None) -> Callable[..., list[Conviction]]:
    def make(n: int = 1, county: str = HOME_COUNTY, **extra: object) -> list[Conviction]:
        return make_convictions(county, n, review_state="ready_for_export", **extra)

    return make

"""Fixtures for review tests: synthetic convictions of the home county (or another)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from clearrecord.cases.models import Conviction
from tests.conftest import HOME_COUNTY

from .builders import make_convictions


@pytest.fixture
def make_conviction(db: None) -> Callable[..., Conviction]:
    def make(
        county: str = HOME_COUNTY, review_state: str = "flagged", **extra: object
    ) -> Conviction:
        return make_convictions(county, 1, review_state=review_state, **extra)[0]

    return make

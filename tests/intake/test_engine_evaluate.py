"""The worker runs the engine with the cyclic garbage collector paused, as the engine's CLI does."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from clearrecord.intake import pipeline
from eligibility.api import run
from eligibility.doj import Source
from eligibility.rules import validate_options
from tests.intake.builders import COMPUTE_AT, synthetic_file


@pytest.fixture
def sources(tmp_path: Path) -> list[Source]:
    path = synthetic_file(tmp_path, rows=400, seed=11)
    return [Source(name=path.name, path=path)]


def test_the_collector_is_paused_while_the_engine_works_and_restored_after(
    sources, monkeypatch
) -> None:
    seen: list[bool] = []
    real_evaluate = pipeline.evaluate

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return real_evaluate(*args, **kwargs)

    monkeypatch.setattr(pipeline, "evaluate", watched)
    read_seen: list[bool] = []
    assert gc.isenabled()
    pipeline.engine_evaluate(
        sources,
        county="SACRAMENTO",
        compute_at=COMPUTE_AT,
        rule_set="statutory",
        options=validate_options("statutory", None),
        after_read=lambda: read_seen.append(gc.isenabled()),
    )
    assert seen == [False]
    assert read_seen == [False]
    assert gc.isenabled()


def test_it_is_restored_when_the_engine_fails(sources, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("synthetic failure")

    monkeypatch.setattr(pipeline, "evaluate", broken)
    with pytest.raises(RuntimeError):
        pipeline.engine_evaluate(
            sources, county="SACRAMENTO", compute_at=COMPUTE_AT, rule_set="statutory",
            options=validate_options("statutory", None),
        )  # fmt: skip
    assert gc.isenabled()


def test_same_determinations_and_statistics_as_the_engine_cli_path(sources) -> None:
    options = validate_options("la_pilot_2019", None)
    timings: dict[str, float] = {}
    _, determinations, statistics = pipeline.engine_evaluate(
        sources, county="SACRAMENTO", compute_at=COMPUTE_AT, rule_set="la_pilot_2019", options=options,
        timings=timings,
    )  # fmt: skip
    direct = run(sources, county="SACRAMENTO", compute_at=COMPUTE_AT, rule_set="la_pilot_2019",
                 options=options)  # fmt: skip
    assert determinations
    assert tuple(determinations) == direct.determinations
    assert statistics == direct.statistics
    assert set(timings) == {"read", "read_cpu", "evaluate", "evaluate_cpu"}

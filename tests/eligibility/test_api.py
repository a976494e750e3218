"""eligibility.api.run: arguments are checked before any file is read; results are complete."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eligibility.api import CountyError, RunResult, check_county, run
from eligibility.doj import FileRejected
from eligibility.generate import generate_file
from eligibility.rules import OptionsError, validate_options

T = dt.date(2020, 7, 1)
MISSING = Path("/nonexistent/never-read.csv")


@pytest.fixture(scope="module")
def research_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api") / "research.csv"
    generate_file(path, county="LOS ANGELES", rows=2000, seed=3)
    return path


def test_bad_county_is_refused_before_any_file_is_read() -> None:
    with pytest.raises(CountyError, match=r'^Unknown county "NARNIA": use one of the 58'):
        run([MISSING], county="NARNIA", compute_at=T)


def test_bad_options_are_refused_before_any_file_is_read() -> None:
    with pytest.raises(OptionsError, match=r'^Unknown option "frobnicate"$'):
        run([MISSING], county="LOS ANGELES", compute_at=T, options={"frobnicate": 1})


def test_bear_without_options_is_refused() -> None:
    with pytest.raises(OptionsError, match="Rule set bear needs eligibility options"):
        run([MISSING], county="LOS ANGELES", compute_at=T, rule_set="bear")


def test_unknown_rule_set_is_refused() -> None:
    with pytest.raises(OptionsError, match='Unknown rule set "lenient"'):
        run([MISSING], county="LOS ANGELES", compute_at=T, rule_set="lenient")


def test_county_is_normalised() -> None:
    assert check_county(" los  angeles ") == "LOS ANGELES"


def test_run_gives_upload_determinations_and_statistics(research_file: Path) -> None:
    result = run([research_file], county="los angeles", compute_at=T)
    assert isinstance(result, RunResult)
    assert result.county == "LOS ANGELES"
    assert result.upload.data_rows == 2000
    assert len(result.determinations) == result.upload.prop64_convictions_in_county > 0
    assert result.statistics.gogen_json()["lineCount"] == 2000
    assert result.processing_seconds == 0.0  # no clock given: the engine never reads one


def test_validated_options_are_accepted_and_a_clock_measures_the_run(research_file: Path) -> None:
    ticks = iter([10.0, 12.5])
    result = run(
        [research_file],
        county="LOS ANGELES",
        compute_at=T,
        options=validate_options("statutory", {"priorTiming": "beforeComputeDate"}),
        clock=lambda: next(ticks),
    )
    assert result.processing_seconds == 2.5
    assert {d.prior_timing for d in result.determinations} == {"beforeComputeDate"}


def test_progress_is_reported_in_bytes(research_file: Path) -> None:
    calls: list[tuple[int, int]] = []
    run(
        [research_file],
        county="LOS ANGELES",
        compute_at=T,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls
    assert calls[-1][0] == calls[-1][1] == research_file.stat().st_size


def test_a_non_doj_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("a,b,c\n" * 200, encoding="utf-8")
    with pytest.raises(FileRejected) as info:
        run([path], county="LOS ANGELES", compute_at=T)
    assert info.value.code == "NOT_DOJ_FILE"


@pytest.mark.parametrize("rule_set", ["statutory", "la_pilot_2019"])
def test_facts_are_those_of_every_relevant_subject_as_computed_alone(
    research_file: Path, rule_set: str
) -> None:
    # the bundle takes each subject's facts from the rules' own histories (built with the
    # compute date): they must be exactly what subject_facts computes from scratch
    from eligibility.rules import subject_facts

    plain = run([research_file], county="LOS ANGELES", compute_at=T, rule_set=rule_set)
    assert plain.facts == {}
    result = run([research_file], county="LOS ANGELES", compute_at=T, rule_set=rule_set, facts=True)
    relevant = {d.subject_id for d in result.determinations}
    assert set(result.facts) == relevant
    by_id = {s.subject_id: s for s in result.upload.subjects}
    strikes = 0
    for sid, facts in result.facts.items():
        assert facts == subject_facts(by_id[sid], result.lists)
        strikes += facts.superstrike_text != ""
    assert strikes > 0  # the file has subject-wide values to get wrong
    assert result.determinations == plain.determinations

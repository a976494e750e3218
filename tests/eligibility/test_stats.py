"""Rules spec §8, §8.1: impact statistics as of t, gogen.json key order and map semantics."""

from __future__ import annotations

import datetime as dt

from eligibility.doj.sections import parse_code_section
from eligibility.model import Conviction, FileReport, Level, RowRef, Subject, Upload
from eligibility.rules import evaluate, validate_options
from eligibility.stats import compute

T = dt.date(2020, 7, 1)
BEAR = {
    "baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]},
    "additionalRelief": {"subjectAgeThreshold": 57, "subjectHasOnlyProp64Charges": True},
}
_line = iter(range(2, 10_000))


def conv(text: str, date: dt.date | None, level: Level = Level.FELONY,
         county: str = "LOS ANGELES", cnt: str = "") -> Conviction:  # fmt: skip
    line = next(_line)
    cnt = cnt or f"{line:03d}002001000"
    return Conviction(
        ref=RowRef(1, line), cnt_order=cnt, cycle=cnt[:3], court_case=cnt[:6], date=date,
        level=level, county=county, section=parse_code_section(text), offense_text=text,
        sentence_end=date,
    )  # fmt: skip


def subject(sid: str, dob: dt.date, *convictions: Conviction) -> Subject:
    return Subject(sid, "SYNTHETIC, PERSON", "", dob, RowRef(1, 2), False, convictions)


def upload(*subjects: Subject) -> Upload:
    files = (FileReport(1, "research.csv", "ab" * 32, 100, 90, 2, {"INVALID_DATE": 3}),)
    n = sum(len(s.convictions) for s in subjects)
    return Upload("LOS ANGELES", files, (), subjects, len(subjects) + 1, 90, 2, 100, n)


# A: only 11358 (dismissed) -> every relief figure counts A.
A = subject("A", dt.date(1980, 1, 1), conv("11358 HS", dt.date(2010, 1, 1)))
# B: 11359 felony reduced (bear B9) + an old misdemeanor elsewhere: no felony left, but a
#    conviction stays -> NoFelony only; the counterfactual dismisses 11359 but not the 459.
B = subject("B", dt.date(1980, 1, 1), conv("11359 HS", dt.date(2015, 1, 1)),
            conv("459 PC", dt.date(2000, 1, 1), Level.MISDEMEANOR, "SAN DIEGO"))  # fmt: skip
# C: 11360 reduced + a recent felony burglary: nothing relieved in R nor in the counterfactual.
C = subject("C", dt.date(1980, 1, 1), conv("11360 HS", dt.date(2012, 1, 1)),
            conv("459 PC", dt.date(2019, 1, 1)))  # fmt: skip
# D: Prop 64 in another county only: no determination at all.
D = subject("D", dt.date(1980, 1, 1), conv("11357 HS", dt.date(2011, 1, 1), county="ORANGE"))
# E: unknown date 11358 (needs review) + a 57-year-old's 11360 (dismissed by age).
E = subject("E", dt.date(1960, 1, 1), conv("11358 HS", None),
            conv("11360 HS", dt.date(2014, 5, 5), Level.MISDEMEANOR))  # fmt: skip


def run(rule_set: str, raw: object) -> dict[str, object]:
    options = validate_options(rule_set, raw)  # type: ignore[arg-type]
    up = upload(A, B, C, D, E)
    found = evaluate(up.subjects, county="LOS ANGELES", compute_at=T, rule_set=rule_set,
                     options=options)  # fmt: skip
    return compute(up, found, compute_at=T, rule_set=rule_set, options=options).gogen_json(1.5)


def test_gogen_json_bear() -> None:
    got = run("bear", BEAR)
    assert list(got) == [
        "county", "earliestConviction", "lineCount", "processingTimeInSeconds",
        "reliefWithCurrentEligibilityChoices", "reliefWithDismissAllProp64",
        "prop64ConvictionsCountInCountyByCodeSection", "subjectsWithProp64ConvictionCountInCounty",
        "prop64FelonyConvictionsCountInCounty", "prop64NonFelonyConvictionsCountInCounty",
        "subjectsWithSomeReliefCount", "convictionDismissalCountByCodeSection",
        "convictionReductionCountByCodeSection", "convictionDismissalCountByAdditionalRelief",
    ]  # fmt: skip
    assert got["county"] == "LOS ANGELES"
    assert got["earliestConviction"] == "2010-01-01T00:00:00Z"
    assert got["lineCount"] == 90
    assert got["processingTimeInSeconds"] == 1.5
    # E's convictions: 11358 needs review (unknown date), so E is not relieved in R.
    assert got["reliefWithCurrentEligibilityChoices"] == {
        "CountSubjectsNoConviction": 1,  # A
        # E: the 2014 misdemeanor is dismissed; the unknown-dated 11358 is outside the window.
        "CountSubjectsNoConvictionLast7Years": 1,
        "CountSubjectsNoFelony": 2,  # A, B
    }
    assert got["reliefWithDismissAllProp64"] == {
        "CountSubjectsNoConviction": 2,  # A, E
        "CountSubjectsNoConvictionLast7Years": 2,  # B (2015), E (2014)
        "CountSubjectsNoFelony": 3,  # A, B, E
    }
    assert got["prop64ConvictionsCountInCountyByCodeSection"] == {
        "11358": 2, "11359": 1, "11360": 2}  # fmt: skip
    assert got["subjectsWithProp64ConvictionCountInCounty"] == 4
    assert got["prop64FelonyConvictionsCountInCounty"] == 4
    assert got["prop64NonFelonyConvictionsCountInCounty"] == 1
    assert got["subjectsWithSomeReliefCount"] == 4  # A, B, C (reductions), E (B1 misdemeanor)
    assert got["convictionDismissalCountByCodeSection"] == {"11357": 0, "11358": 1}
    assert got["convictionReductionCountByCodeSection"] == {"11359": 1, "11360": 1}
    assert got["convictionDismissalCountByAdditionalRelief"] == {}


def test_additional_relief_reasons_are_counted_without_zeros() -> None:
    raw = {
        "baselineEligibility": {"reduce": ["11359", "11360"]},
        "additionalRelief": {"subjectAgeThreshold": 57, "subjectHasOnlyProp64Charges": True},
    }
    got = run("bear", raw)
    assert got["convictionDismissalCountByAdditionalRelief"] == {"Only has 11357-60 charges": 1}
    assert got["convictionDismissalCountByCodeSection"] == {}


def test_la_pilot_has_empty_section_maps() -> None:
    got = run("la_pilot_2019", None)
    assert got["convictionDismissalCountByCodeSection"] == {}
    assert got["convictionReductionCountByCodeSection"] == {}


def test_no_relevant_convictions_gives_null_earliest_date() -> None:
    options = validate_options("statutory", None)
    up = upload(D)
    found = evaluate(up.subjects, county="LOS ANGELES", compute_at=T, rule_set="statutory",
                     options=options)  # fmt: skip
    stats = compute(up, found, compute_at=T, rule_set="statutory", options=options)
    got = stats.gogen_json()
    assert got["earliestConviction"] is None
    assert got["prop64ConvictionsCountInCountyByCodeSection"] == {}
    assert got["convictionDismissalCountByCodeSection"] == {}
    assert got["convictionReductionCountByCodeSection"] == {
        "11357": 0, "11358": 0, "11359": 0, "11360": 0}  # fmt: skip


def test_summary_holds_the_extra_fields() -> None:
    options = validate_options("statutory", {"priorTiming": "beforeComputeDate"})
    up = upload(A, B, C, D, E)
    found = evaluate(up.subjects, county="LOS ANGELES", compute_at=T, rule_set="statutory",
                     options=options)  # fmt: skip
    summary = compute(up, found, compute_at=T, rule_set="statutory", options=options).summary()
    assert summary["ruleSet"] == "statutory"
    assert summary["ruleSetVersion"] == "1.0.0"
    assert summary["optionsDigest"] == options.digest
    assert summary["priorTiming"] == "beforeComputeDate"
    assert summary["computeDate"] == "2020-07-01"
    assert summary["lists"] == ["superstrikes-default@1", "pc290-default@1", "related-default@1"]
    assert summary["files"] == [{
        "file": 1, "name": "research.csv", "sha256": "ab" * 32, "rows": 90, "quarantined": 2,
        "warningsByCode": {"INVALID_DATE": 3}, "quarantinedByCode": {}}]  # fmt: skip
    assert summary["subjects"] == 6
    assert summary["convictions"] == 8
    assert summary["prop64ConvictionsAllCounties"] == 6
    by_outcome = summary["byOutcome"]
    # statutory defaults: every felony reduced; E's misdemeanor dismissed (S3)
    assert by_outcome == {"eligible_dismissal": 1, "eligible_reduction": 3, "needs_review": 1}
    assert summary["byOutcomeAndReason"]["needs_review"] == {"Conviction date unknown": 1}  # type: ignore[index]
    assert summary["byOutcomeAndSection"]["eligible_reduction"] == {  # type: ignore[index]
        "11358": 1,
        "11359": 1,
        "11360": 1,
    }
    assert summary["reliefDenominators"]["reliefWithCurrentEligibilityChoices"] == {  # type: ignore[index]
        "subjectsWithFelony": 5,  # A, B, C, D, E
        "subjectsWithConviction": 5,
        "subjectsWithConvictionLast7Years": 3,  # B 2015, C 2019, E 2014
    }

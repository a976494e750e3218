"""Rules spec §2-§6 beyond the worked examples: unknown facts, priors, flags, evidence, order."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from eligibility.doj.sections import parse_code_section
from eligibility.lists import load_default_lists
from eligibility.model import (
    Conviction,
    Determination,
    Level,
    Outcome,
    Registration,
    Remedy,
    RowRef,
    SentencePart,
    Subject,
)
from eligibility.rules import OptionsError, evaluate, subject_facts, validate_options

T = dt.date(2020, 7, 1)
_lines = itertools.count(2)

BEAR_ALL = {
    "baselineEligibility": {"dismiss": ["11357"], "reduce": ["11358", "11359", "11360"]},
    "additionalRelief": {"subjectUnder21AtConviction": True, "subjectAgeThreshold": 57,
                         "yearsCrimeFreeThreshold": 10, "subjectIsDeceased": True},
}  # fmt: skip


def conv(
    text: str,
    date: dt.date | None,
    level: Level = Level.FELONY,
    *,
    county: str = "LOS ANGELES",
    cnt: str = "",
    years: int = 0,
    **extra: object,
) -> Conviction:
    line = next(_lines)
    cnt = cnt or f"{line % 1000:03d}{line % 1000:03d}001000"
    end = None if date is None else date.replace(year=date.year + years)
    return Conviction(
        ref=RowRef(1, line), cnt_order=cnt, cycle=cnt[:3], court_case=cnt[:6], date=date,
        level=level, county=county, section=parse_code_section(text), offense_text=text,
        sentence_end=end, **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def person(dob: dt.date | None, *convictions: Conviction, **extra: object) -> Subject:
    return Subject(
        subject_id="P1", name="SYNTHETIC, PERSON", cii="", dob=dob,
        dob_ref=RowRef(1, 2) if dob else None, dob_conflict=False, convictions=convictions,
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def decide(subject: Subject, rule_set: str = "statutory", raw: object = None) -> Determination:
    """The determination of the subject's last relevant conviction."""
    options = validate_options(rule_set, raw)  # type: ignore[arg-type]
    found = evaluate([subject], county="LOS ANGELES", compute_at=T, rule_set=rule_set,
                     options=options)  # fmt: skip
    return found[-1]


DOB = dt.date(1970, 1, 1)


def test_unknown_dated_superstrike_needs_review_s8_and_l6u() -> None:
    s = person(DOB, conv("187 PC", None), conv("11359 HS", dt.date(2005, 1, 1)))
    d = decide(s)
    assert (d.rule_id, d.reason) == (
        "statutory.S8",
        "Possible disqualifying prior with unknown date",
    )
    assert "superstrike@1:" in ";".join(str(e) for e in d.evidence)
    la = decide(s, "la_pilot_2019")
    assert la.rule_id == "la_pilot_2019.L6u"


def test_unknown_dated_registration_needs_review() -> None:
    reg = Registration(RowRef(1, 99), None, parse_code_section("290 PC"))  # type: ignore[arg-type]
    s = person(DOB, conv("11358 HS", dt.date(2005, 1, 1)), registrations=(reg,))
    d = decide(s)
    assert d.rule_id == "statutory.S8"
    assert "pc290_registration@1:99" in [str(e) for e in d.evidence]


def test_unknown_dated_same_section_case_completes_two_priors() -> None:
    s = person(DOB, conv("11360 HS", dt.date(2001, 1, 1)), conv("11360 HS", None),
               conv("11360 HS", dt.date(2005, 1, 1)))  # fmt: skip
    assert decide(s).rule_id == "statutory.S8"
    assert decide(s, "la_pilot_2019").rule_id == "la_pilot_2019.L6u"


def test_two_counts_of_one_earlier_case_are_one_prior_for_s7_but_two_for_l6() -> None:
    s = person(
        dt.date(1985, 1, 1),
        conv("11359 HS", dt.date(2001, 1, 1), cnt="101002001000"),
        conv("11359 HS", dt.date(2001, 1, 1), cnt="101002002000"),
        conv("11359 HS", dt.date(2005, 1, 1), cnt="102002001000"),
    )
    assert decide(s).rule_id == "statutory.S17"
    assert decide(s, "la_pilot_2019").rule_id == "la_pilot_2019.L6"


def test_compound_gang_section_is_a_prior_superstrike() -> None:
    s = person(DOB, conv("136.1/186.22(B)(4) PC", dt.date(1999, 1, 1)),
               conv("11360 HS", dt.date(2005, 1, 1)))  # fmt: skip
    d = decide(s)
    assert d.rule_id == "statutory.S5"
    assert d.citation == "H&S 11360(a)(3)(A); PC 667(e)(2)(C)(iv)"
    assert "before this conviction" in d.explanation
    facts = subject_facts(s, load_default_lists())
    assert facts.superstrike_column == "136.1/186.22(B)(4) PC"


def test_gang_pair_needs_the_same_court_case() -> None:
    s = person(
        DOB,
        conv("246 PC", dt.date(1999, 1, 1), cnt="101002001000"),
        conv("186.22(B)(4) PC", dt.date(1999, 1, 1), cnt="102002001000"),
        conv("11360 HS", dt.date(2005, 1, 1), cnt="103002001000"),
    )
    assert decide(s).rule_id == "statutory.S17"
    assert subject_facts(s, load_default_lists()).superstrike_column == "-"


def test_pc290_conviction_is_a_prior() -> None:
    s = person(DOB, conv("314(1) PC", dt.date(1999, 1, 1)), conv("11358 HS", dt.date(2005, 1, 1)))
    d = decide(s)
    assert (d.rule_id, d.citation) == ("statutory.S6", "H&S 11358(d)(1); PC 290(c)")
    facts = subject_facts(s, load_default_lists())
    assert (facts.superstrike_column, facts.pc290_column) == ("-", "314(1) PC")


def test_level_unknown() -> None:
    s = person(DOB, conv("11358 HS", dt.date(2005, 1, 1), Level.UNKNOWN))
    assert decide(s).rule_id == "statutory.S4"
    bear = decide(s, "bear", BEAR_ALL)
    assert (bear.rule_id, bear.reason) == ("bear.B1", "Misdemeanor or Infraction")
    assert decide(s, "la_pilot_2019").rule_id == "la_pilot_2019.L1"


def test_unknown_dob_never_fires_age_rules_and_is_explained() -> None:
    s = person(None, conv("11358 HS", dt.date(2005, 1, 1)))
    d = decide(s, "bear", BEAR_ALL)
    assert d.rule_id == "bear.B6"  # crime-free 10 years, not B3/B4
    assert "Date of birth unknown" in d.explanation
    assert "dob_unknown" in d.flags


@pytest.mark.parametrize(
    ("convicted", "rule"),
    [(dt.date(2013, 2, 28), "bear.B3"), (dt.date(2013, 3, 1), "bear.B9")],
)
def test_feb_29_birthday_moves_to_march_1(convicted: dt.date, rule: str) -> None:
    s = person(
        dt.date(1992, 2, 29), conv("11359 HS", convicted), conv("459 PC", dt.date(2019, 1, 1))
    )
    raw = {"baselineEligibility": {"reduce": ["11359"]},
           "additionalRelief": {"subjectUnder21AtConviction": True}}  # fmt: skip
    assert decide(s, "bear", raw).rule_id == rule


@pytest.mark.parametrize(
    ("latest", "rule"), [(dt.date(2010, 6, 30), "bear.B6"), (dt.date(2010, 7, 1), "bear.B9")]
)
def test_crime_free_is_strict(latest: dt.date, rule: str) -> None:
    s = person(dt.date(1985, 1, 1), conv("11359 HS", dt.date(2009, 1, 1)), conv("459 PC", latest))
    assert decide(s, "bear", BEAR_ALL).rule_id == rule


def test_crime_free_with_an_unknown_date_does_not_fire() -> None:
    s = person(dt.date(1985, 1, 1), conv("11359 HS", dt.date(2009, 1, 1)), conv("459 PC", None))
    d = decide(s, "bear", BEAR_ALL)
    assert d.rule_id == "bear.B9"
    assert "most recent conviction is unknown" in d.explanation


def test_la_21_or_younger_today_and_conviction_free() -> None:
    young = person(dt.date(1999, 7, 1), conv("11359 HS", dt.date(2016, 1, 1), years=10))
    assert decide(young, "la_pilot_2019").rule_id == "la_pilot_2019.L8"
    free = person(dt.date(1980, 1, 1), conv("11359 HS", dt.date(2009, 1, 1)),
                  conv("459 PC", dt.date(2010, 7, 1)))  # fmt: skip
    d = decide(free, "la_pilot_2019")
    assert (d.rule_id, d.reason) == ("la_pilot_2019.L10", "No convictions in past 10 years")


def test_bear_b10_and_currently_serving_dismissal() -> None:
    s = person(dt.date(1985, 1, 1), conv("11360 HS", dt.date(2015, 1, 1), years=10),
               conv("459 PC", dt.date(2019, 1, 1)))  # fmt: skip
    d = decide(s, "bear", {"baselineEligibility": {"dismiss": ["11357"]}})
    assert (d.rule_id, d.outcome, d.remedy) == ("bear.B10", Outcome.NEEDS_REVIEW, None)
    dismissed = decide(s, "bear", {"baselineEligibility": {"dismiss": ["11360"]}})
    assert dismissed.remedy is Remedy.RECALL_AND_DISMISS
    assert dismissed.remedy_citation == "H&S 11361.8(a)\u2013(b)"
    assert "currently_serving" in dismissed.flags


def test_flags_from_the_reader_and_the_cycle() -> None:
    s = Subject(
        subject_id="P1", name="X", cii="", dob=dt.date(2010, 1, 1), dob_ref=RowRef(1, 2),
        dob_conflict=True,
        convictions=(
            conv("182(A)(1) PC/11359 HS", dt.date(2005, 1, 1), cnt="101002001000",
                 conflicting_count=True, conviction_offense_differs=True,
                 possible_other_prop64_charge="11360 HS"),
            conv("148(A)(1) PC-RESIST", dt.date(2005, 1, 1), cnt="101003001000"),
            conv("11364 HS", dt.date(2005, 1, 1), cnt="102003001000"),
        ),
    )  # fmt: skip
    d = decide(s)
    assert set(d.flags) == {
        "conspiracy", "conflicting_count", "conviction_offense_differs", "dob_conflict",
        "conviction_before_dob", "possible_other_prop64_charge",
        "related_charge_in_cycle(148(A)(1) PC)",
    }  # fmt: skip
    assert [e.role for e in d.evidence].count("related_charge") == 1


def test_evidence_roles_and_recorded_fields() -> None:
    parts = (SentencePart(RowRef(1, 500), 1), SentencePart(RowRef(1, 501), 0, 6))
    c = conv("11358 HS", dt.date(2005, 1, 1), sentence_parts=parts)
    s = person(dt.date(1950, 1, 1), c, deceased_ref=RowRef(2, 7))
    d = decide(s, "statutory", {"additionalRelief": {"subjectAgeThreshold": 57}})
    assert d.rule_id == "statutory.S12"
    assert [str(e) for e in d.evidence] == [
        f"conviction@1:{c.ref.line}", "sentence_part@1:500", "sentence_part@1:501", "dob@1:2",
        "deceased@2:7",
    ]  # fmt: skip
    assert d.lists == ("superstrikes-default@1", "pc290-default@1", "related-default@1")
    assert (d.rule_set, d.rule_set_version, d.compute_date, d.county) == (
        "statutory", "1.0.0", T, "LOS ANGELES")  # fmt: skip
    assert d.prior_timing == "beforeConviction"
    assert decide(s, "bear", BEAR_ALL).prior_timing == ""


def test_upload_order_whatever_the_subject_order() -> None:
    a = person(DOB, conv("11358 HS", dt.date(2005, 1, 1)))
    b = Subject("P2", "Y", "", DOB, None, False, (conv("11359 HS", dt.date(2006, 1, 1)),))
    options = validate_options("statutory", None)
    one = evaluate([b, a], county="Los Angeles", compute_at=T, rule_set="statutory",
                   options=options)  # fmt: skip
    two = evaluate([a, b], county="LOS ANGELES", compute_at=T, rule_set="statutory",
                   options=options)  # fmt: skip
    assert one == two
    assert [d.conviction_ref for d in one] == sorted(d.conviction_ref for d in one)


def test_other_county_and_non_prop64_get_no_determination() -> None:
    s = person(DOB, conv("11358 HS", dt.date(2005, 1, 1), county="ORANGE"),
               conv("11357.5 HS", dt.date(2005, 1, 1)))  # fmt: skip
    options = validate_options("statutory", None)
    assert evaluate([s], county="LOS ANGELES", compute_at=T, rule_set="statutory",
                    options=options) == []  # fmt: skip


def test_bad_arguments() -> None:
    options = validate_options("statutory", None)
    with pytest.raises(ValueError, match="county"):
        evaluate([], county="GOTHAM", compute_at=T, rule_set="statutory", options=options)
    with pytest.raises(OptionsError):
        evaluate([], county="LOS ANGELES", compute_at=T, rule_set="bear", options=options)

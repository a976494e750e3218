"""Rules spec §4.1, §5.1, §6.1: option validation with the exact one-line messages."""

# ruff: noqa: E501  (one table row per message reads best)

from __future__ import annotations

import hashlib
import json

import pytest

from eligibility.rules import OptionsError, validate_options

B1 = {
    "baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]},
    "additionalRelief": {
        "subjectUnder21AtConviction": True,
        "subjectAgeThreshold": 57,
        "yearsSinceConvictionThreshold": 10,
        "yearsCrimeFreeThreshold": 0,
        "subjectIsDeceased": True,
        "subjectHasOnlyProp64Charges": True,
    },
}


def relief(**values: object) -> dict[str, object]:
    return {"baselineEligibility": B1["baselineEligibility"], "additionalRelief": values}


BEAR_ERRORS = [
    (
        {"baselineEligibility": {"dismiss": ["11357(a)"]}},
        'Unknown code section "11357(a)" in baselineEligibility.dismiss: use 11357, 11358, '
        "11359 or 11360",
    ),
    (
        {"baselineEligibility": {"reduce": ["11361"]}},
        'Unknown code section "11361" in baselineEligibility.reduce: use 11357, 11358, '
        "11359 or 11360",
    ),
    ({"baselineEligibility": {"dismiss": "11357"}}, 'Option "dismiss" must be a list of code sections'),
    ({"baselineEligibility": {"reduce": [11359]}}, 'Option "reduce" must be a list of code sections'),
    (relief(subjectUnder21AtConviction="yes"), 'Option "subjectUnder21AtConviction" must be true or false'),
    (relief(subjectIsDeceased=1), 'Option "subjectIsDeceased" must be true or false'),
    (relief(subjectHasOnlyProp64Charges=None), 'Option "subjectHasOnlyProp64Charges" must be true or false'),
    (relief(dismissOlderThanAgeThreshold="no"), 'Option "dismissOlderThanAgeThreshold" must be true or false'),
    (relief(subjectAgeThreshold=39), "SubjectAgeThreshold should be between 40 and 65, or 0"),
    (relief(subjectAgeThreshold=66), "SubjectAgeThreshold should be between 40 and 65, or 0"),
    (relief(subjectAgeThreshold=57.0), "SubjectAgeThreshold should be between 40 and 65, or 0"),
    (relief(subjectAgeThreshold=True), "SubjectAgeThreshold should be between 40 and 65, or 0"),
    (relief(yearsSinceConvictionThreshold=16), "YearsSinceConvictionThreshold should be between 1 and 15, or 0"),
    (relief(yearsSinceConvictionThreshold=-1), "YearsSinceConvictionThreshold should be between 1 and 15, or 0"),
    (relief(yearsCrimeFreeThreshold="7"), "YearsCrimeFreeThreshold should be between 1 and 15, or 0"),
    (relief(subjectAgeTreshold=57), 'Unknown option "subjectAgeTreshold"'),
    ({"baselineEligibility": {"dismis": []}}, 'Unknown option "dismis"'),
    ({"extra": 1}, 'Unknown option "extra"'),
    ({"priorTiming": "beforeConviction"}, 'Unknown option "priorTiming"'),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "message"), BEAR_ERRORS)
@pytest.mark.parametrize("rule_set", ["bear", "statutory"])
def test_bear_and_statutory_errors(rule_set: str, raw: dict[str, object], message: str) -> None:
    if rule_set == "statutory" and message == 'Unknown option "priorTiming"':
        return  # a statutory key
    with pytest.raises(OptionsError) as error:
        validate_options(rule_set, raw)
    assert str(error.value) == message
    assert "\n" not in str(error.value)


def test_bear_needs_options() -> None:
    with pytest.raises(OptionsError, match=r"^Rule set bear needs eligibility options$"):
        validate_options("bear", None)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [('{"baselineEligibility": }', 1, 25), ('{\n  "a": 1,\n}', 3, 1), ("", 1, 1)],
)
def test_invalid_json_names_line_and_column(text: str, line: int, column: int) -> None:
    with pytest.raises(OptionsError) as error:
        validate_options("bear", text)
    assert str(error.value) == f"Options file is not valid JSON (line {line}, column {column})"


def test_prior_timing_values() -> None:
    assert validate_options("statutory", {"priorTiming": "beforeComputeDate"}).prior_timing == (
        "beforeComputeDate"
    )
    with pytest.raises(OptionsError) as error:
        validate_options("statutory", {"priorTiming": "beforecomputedate"})
    assert str(error.value) == 'priorTiming must be "beforeConviction" or "beforeComputeDate"'


def test_keys_match_case_insensitively_and_missing_keys_take_zero_values() -> None:
    o = validate_options(
        "bear",
        {"BASELINEELIGIBILITY": {"Dismiss": ["11358"]}, "additionalrelief": {"SUBJECTAGETHRESHOLD": 50}},
    )  # fmt: skip
    assert o.dismiss == ("11358",)
    assert o.reduce == ()
    assert o.subject_age_threshold == 50
    assert not o.subject_under_21_at_conviction
    assert o.years_since_conviction_threshold == 0
    assert not o.subject_is_deceased


def test_statutory_defaults() -> None:
    o = validate_options("statutory", None)
    assert o.dismiss == ()
    assert o.reduce == ("11357", "11358", "11359", "11360")
    assert (o.subject_age_threshold, o.years_since_conviction_threshold) == (0, 0)
    assert not o.subject_under_21_at_conviction
    assert not o.subject_is_deceased
    assert o.prior_timing == "beforeConviction"
    partial = validate_options("statutory", {"baselineEligibility": {"dismiss": ["11357"]}})
    assert partial.reduce == ("11357", "11358", "11359", "11360")


def test_no_effect_keys_warn_when_false_beside_a_threshold() -> None:
    o = validate_options(
        "bear",
        relief(
            subjectAgeThreshold=57,
            dismissOlderThanAgeThreshold=False,
            dismissYearsSinceConvictionThreshold=False,  # threshold 0: no warning
            dismissYearsCrimeFreeThreshold=True,
        ),
    )
    assert o.warnings == (
        '"dismissOlderThanAgeThreshold" is false but its threshold is set; the threshold applies',
    )
    assert o.subject_age_threshold == 57


def test_section_in_both_lists_warns_and_dismiss_wins() -> None:
    o = validate_options(
        "bear", {"baselineEligibility": {"dismiss": ["11358"], "reduce": ["11358"]}}
    )
    assert o.warnings == (
        'Code section "11358" is in both baselineEligibility.dismiss and '
        "baselineEligibility.reduce; dismiss wins",
    )
    assert "11358" in o.dismiss


def test_canonical_json_and_digest() -> None:
    a = validate_options("bear", B1)
    text = json.dumps(B1)
    b = validate_options("bear", text.replace("baselineEligibility", "BaselineEligibility"))
    assert a.canonical_json == b.canonical_json
    assert " " not in a.canonical_json
    assert a.canonical_json.startswith('{"additionalRelief":{"subjectAgeThreshold":57,')
    assert a.digest == hashlib.sha256(a.canonical_json.encode()).hexdigest()
    assert validate_options("statutory", B1).digest != a.digest


def test_la_pilot_options() -> None:
    default = validate_options("la_pilot_2019", None)
    assert (default.individual_dismiss_age, default.years_conviction_free) == (50, 10)
    zero = validate_options("la_pilot_2019", {"individualDismissAge": 0, "yearsConvictionFree": 0})
    assert (
        zero.canonical_json
        == default.canonical_json
        == ('{"individualDismissAge":50,"yearsConvictionFree":10}')
    )
    assert (
        validate_options("la_pilot_2019", {"individualDismissAge": 60}).individual_dismiss_age == 60
    )
    for raw, message in [
        ({"individualDismissAge": 17}, "individualDismissAge should be between 18 and 100, or 0"),
        ({"individualDismissAge": 101}, "individualDismissAge should be between 18 and 100, or 0"),
        ({"yearsConvictionFree": 51}, "yearsConvictionFree should be between 1 and 50, or 0"),
        ({"yearsConvictionFree": "10"}, "yearsConvictionFree should be between 1 and 50, or 0"),
        ({"subjectAgeThreshold": 50}, 'Unknown option "subjectAgeThreshold"'),
    ]:
        with pytest.raises(OptionsError) as error:
            validate_options("la_pilot_2019", raw)
        assert str(error.value) == message


def test_unknown_rule_set() -> None:
    with pytest.raises(OptionsError, match="Unknown rule set"):
        validate_options("prop47", None)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[1, 2]", "Options must be a JSON object"),
        ('{"baselineEligibility": []}', 'Option "baselineEligibility" must be an object'),
        ('{"additionalRelief": 57}', 'Option "additionalRelief" must be an object'),
    ],
)
def test_wrong_shapes(raw: str, message: str) -> None:
    with pytest.raises(OptionsError) as error:
        validate_options("bear", raw)
    assert str(error.value) == message

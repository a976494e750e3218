"""Rule-set options: validation, defaults and the canonical form (rules spec §4.1, §5.1, §6.1).

Every error is an `OptionsError` whose text is the spec's exact one-line message; it is raised
before any file is read. Options never contain row data, so the messages may quote keys and values.

Choices where the spec is silent (a careful prosecutor's reading):

1. ``priorTiming`` (statutory) and the ``la_pilot_2019`` keys match case-insensitively, like the
   BEAR keys, and live at the top level of the options object.
2. A JSON ``null`` is a value of the wrong type, not a missing key.
3. A value of the wrong type for an integer option (a string, a float such as ``57.0``, a
   boolean) gets the option's range message; a list entry that is not a string gets
   ``Option "dismiss" must be a list of code sections``. A top-level value that is not an object
   gets ``Options must be a JSON object``; a group that is not an object gets
   ``Option "<group>" must be an object``.
4. The canonical options hold the *effective* values under their canonical key names: both lists
   de-duplicated and sorted (a section in both lists stays in both; the decision tables try
   dismissal first, so dismiss wins), the six additional-relief values, and ``priorTiming`` for
   ``statutory``. The three no-effect ``dismiss…Threshold`` keys are not part of it.
5. For ``la_pilot_2019`` a ``0`` is stored as the default it stands for (50 / 10).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

PROP64_SECTIONS: Final[tuple[str, ...]] = ("11357", "11358", "11359", "11360")

BEFORE_CONVICTION: Final[str] = "beforeConviction"
BEFORE_COMPUTE_DATE: Final[str] = "beforeComputeDate"

RULE_SET_NAMES: Final[tuple[str, ...]] = ("statutory", "bear", "la_pilot_2019")

_BOOLEAN_KEYS: Final[tuple[str, ...]] = (
    "subjectUnder21AtConviction",
    "subjectIsDeceased",
    "subjectHasOnlyProp64Charges",
)
#: integer option → (low, high) of the non-zero range, and the exact message.
_INTEGER_KEYS: Final[dict[str, tuple[int, int, str]]] = {
    "subjectAgeThreshold": (40, 65, "SubjectAgeThreshold should be between 40 and 65, or 0"),
    "yearsSinceConvictionThreshold": (
        1,
        15,
        "YearsSinceConvictionThreshold should be between 1 and 15, or 0",
    ),
    "yearsCrimeFreeThreshold": (1, 15, "YearsCrimeFreeThreshold should be between 1 and 15, or 0"),
}
#: accepted, no effect; each names the threshold it used to switch on.
_NO_EFFECT_KEYS: Final[dict[str, str]] = {
    "dismissOlderThanAgeThreshold": "subjectAgeThreshold",
    "dismissYearsSinceConvictionThreshold": "yearsSinceConvictionThreshold",
    "dismissYearsCrimeFreeThreshold": "yearsCrimeFreeThreshold",
}
_LA_KEYS: Final[dict[str, tuple[int, int, int, str]]] = {
    "individualDismissAge": (
        18,
        100,
        50,
        "individualDismissAge should be between 18 and 100, or 0",
    ),
    "yearsConvictionFree": (1, 50, 10, "yearsConvictionFree should be between 1 and 50, or 0"),
}


class OptionsError(ValueError):
    """Invalid options; `str(error)` is the spec's exact one-line message."""


@dataclass(frozen=True, slots=True)
class Options:
    """Validated options of one rule set. Accessors irrelevant to the rule set hold defaults."""

    rule_set: str
    canonical_json: str  # sorted keys, no spaces
    digest: str  # SHA-256 hex of canonical_json
    warnings: tuple[str, ...] = ()
    dismiss: tuple[str, ...] = ()
    reduce: tuple[str, ...] = ()
    subject_under_21_at_conviction: bool = False
    subject_age_threshold: int = 0
    years_since_conviction_threshold: int = 0
    years_crime_free_threshold: int = 0
    subject_is_deceased: bool = False
    subject_has_only_prop64_charges: bool = False
    prior_timing: str = ""  # statutory only
    individual_dismiss_age: int = 50  # la_pilot_2019 only
    years_conviction_free: int = 10  # la_pilot_2019 only

    @property
    def as_json(self) -> object:
        """The canonical options as plain data."""
        return json.loads(self.canonical_json)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _fold(obj: Mapping[str, object]) -> dict[str, tuple[str, object]]:
    """Lower-cased key → (key as written, value). The last of two spellings wins, like JSON."""
    return {str(k).lower(): (str(k), v) for k, v in obj.items()}


def _parse_text(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise OptionsError(
            f"Options file is not valid JSON (line {error.lineno}, column {error.colno})"
        ) from None


def _section_list(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OptionsError(f'Option "{name}" must be a list of code sections')
    for v in value:
        if v not in PROP64_SECTIONS:
            raise OptionsError(
                f'Unknown code section "{v}" in baselineEligibility.{name}: '
                "use 11357, 11358, 11359 or 11360"
            )
    return tuple(sorted(set(value)))


def _group(value: object, name: str) -> dict[str, tuple[str, object]]:
    if not isinstance(value, Mapping):
        raise OptionsError(f'Option "{name}" must be an object')
    return _fold(value)


def _finish(rule_set: str, canonical: dict[str, object], **fields: object) -> Options:
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Options(rule_set=rule_set, canonical_json=text, digest=digest, **fields)  # type: ignore[arg-type]


def _bear_like(rule_set: str, top: dict[str, tuple[str, object]]) -> Options:
    statutory = rule_set == "statutory"
    warnings: list[str] = []
    known_top = {"baselineeligibility", "additionalrelief"} | (
        {"priortiming"} if statutory else set()
    )
    for low, (written, _) in top.items():
        if low not in known_top:
            raise OptionsError(f'Unknown option "{written}"')

    dismiss: tuple[str, ...] = ()
    reduce: tuple[str, ...] = PROP64_SECTIONS if statutory else ()
    if "baselineeligibility" in top:
        baseline = _group(top["baselineeligibility"][1], top["baselineeligibility"][0])
        for low, (written, value) in baseline.items():
            if low == "dismiss":
                dismiss = _section_list(value, "dismiss")
            elif low == "reduce":
                reduce = _section_list(value, "reduce")
            else:
                raise OptionsError(f'Unknown option "{written}"')
    for section in dismiss:
        if section in reduce:
            warnings.append(
                f'Code section "{section}" is in both baselineEligibility.dismiss and '
                "baselineEligibility.reduce; dismiss wins"
            )

    booleans: dict[str, bool] = dict.fromkeys(_BOOLEAN_KEYS, False)
    integers: dict[str, int] = dict.fromkeys(_INTEGER_KEYS, 0)
    no_effect: dict[str, bool] = {}
    lookup = {k.lower(): k for k in (*_BOOLEAN_KEYS, *_INTEGER_KEYS, *_NO_EFFECT_KEYS)}
    if "additionalrelief" in top:
        relief = _group(top["additionalrelief"][1], top["additionalrelief"][0])
        for low, (written, value) in relief.items():
            key = lookup.get(low)
            if key is None:
                raise OptionsError(f'Unknown option "{written}"')
            if key in _INTEGER_KEYS:
                lo, hi, message = _INTEGER_KEYS[key]
                if not _is_int(value) or not (value == 0 or lo <= value <= hi):  # type: ignore[operator]
                    raise OptionsError(message)
                integers[key] = value  # type: ignore[assignment]
            else:
                if not isinstance(value, bool):
                    raise OptionsError(f'Option "{key}" must be true or false')
                if key in _NO_EFFECT_KEYS:
                    no_effect[key] = value
                else:
                    booleans[key] = value
    for key, threshold in _NO_EFFECT_KEYS.items():
        if no_effect.get(key) is False and integers[threshold] != 0:
            warnings.append(f'"{key}" is false but its threshold is set; the threshold applies')

    prior_timing = ""
    if statutory:
        prior_timing = BEFORE_CONVICTION
        if "priortiming" in top:
            value = top["priortiming"][1]
            if value not in (BEFORE_CONVICTION, BEFORE_COMPUTE_DATE):
                raise OptionsError('priorTiming must be "beforeConviction" or "beforeComputeDate"')
            prior_timing = str(value)

    canonical: dict[str, object] = {
        "baselineEligibility": {"dismiss": list(dismiss), "reduce": list(reduce)},
        "additionalRelief": {**booleans, **integers},
    }
    if statutory:
        canonical["priorTiming"] = prior_timing
    return _finish(
        rule_set,
        canonical,
        warnings=tuple(warnings),
        dismiss=dismiss,
        reduce=reduce,
        subject_under_21_at_conviction=booleans["subjectUnder21AtConviction"],
        subject_age_threshold=integers["subjectAgeThreshold"],
        years_since_conviction_threshold=integers["yearsSinceConvictionThreshold"],
        years_crime_free_threshold=integers["yearsCrimeFreeThreshold"],
        subject_is_deceased=booleans["subjectIsDeceased"],
        subject_has_only_prop64_charges=booleans["subjectHasOnlyProp64Charges"],
        prior_timing=prior_timing,
    )


def _la_pilot(top: dict[str, tuple[str, object]]) -> Options:
    values: dict[str, int] = {}
    lookup = {k.lower(): k for k in _LA_KEYS}
    for low, (written, _) in top.items():
        if low not in lookup:
            raise OptionsError(f'Unknown option "{written}"')
    for key, (lo, hi, default, message) in _LA_KEYS.items():
        value = top[key.lower()][1] if key.lower() in top else 0
        if not _is_int(value) or not (value == 0 or lo <= value <= hi):  # type: ignore[operator]
            raise OptionsError(message)
        values[key] = value or default  # type: ignore[assignment]
    return _finish(
        "la_pilot_2019",
        dict(values),
        individual_dismiss_age=values["individualDismissAge"],
        years_conviction_free=values["yearsConvictionFree"],
    )


def validate_options(rule_set: str, raw: Mapping[str, object] | str | None) -> Options:
    """Validate `raw` (a mapping, JSON text or None) for `rule_set` (spec §4.1, §5.1, §6.1)."""
    if rule_set not in RULE_SET_NAMES:
        raise OptionsError(f'Unknown rule set "{rule_set}": use statutory, bear or la_pilot_2019')
    data: object = raw
    if isinstance(raw, str):
        data = _parse_text(raw)
    if data is None:
        if rule_set == "bear":
            raise OptionsError("Rule set bear needs eligibility options")
        data = {}
    if not isinstance(data, Mapping):
        raise OptionsError("Options must be a JSON object")
    top = _fold(data)
    if rule_set == "la_pilot_2019":
        return _la_pilot(top)
    return _bear_like(rule_set, top)

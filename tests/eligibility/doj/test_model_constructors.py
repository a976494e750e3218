"""The model's positional bulk constructors make the same objects as the dataclass constructors."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from eligibility.model import (
    CodeSection,
    Conviction,
    Determination,
    Evidence,
    Level,
    RowRef,
    SentencePart,
    Statute,
    Subject,
    new_conviction,
    new_determination,
    new_evidence,
    new_row_ref,
    new_sentence_part,
    new_subject,
)


def _conviction_values() -> tuple[object, ...]:
    ref = RowRef(1, 7)
    section = CodeSection((Statute("11357", "", ("(C)",), "HS"),), code="HS")
    return (
        ref, "000000000001", "000", "000000", dt.date(2001, 2, 3), Level.FELONY, "LOS ANGELES",
        section, "11357(C) HS", (SentencePart(ref, 1, 2, 3),), dt.date(2002, 4, 6), ("A1",),
        ("F1",), "", True, False, (RowRef(1, 8),),
    )  # fmt: skip


def test_row_ref_and_sentence_part_equal_the_dataclass_ones() -> None:
    ref = new_row_ref(2, 40)
    assert ref == RowRef(2, 40)
    assert hash(ref) == hash(RowRef(2, 40))
    assert str(ref) == "2:40"
    part = new_sentence_part(ref, 1, 0, 5)
    assert part == SentencePart(RowRef(2, 40), 1, 0, 5)
    assert type(part) is SentencePart


def test_conviction_equals_the_dataclass_one_field_by_field() -> None:
    values = _conviction_values()
    made = new_conviction(*values)
    assert made == Conviction(*values)  # type: ignore[arg-type]
    assert [getattr(made, f.name) for f in dataclasses.fields(Conviction)] == list(values)
    assert made.prop64_section == "11357"


def test_subject_equals_the_dataclass_one() -> None:
    values = ("S1", "DOE,JANE", "A1", None, None, False, (), (), None, RowRef(1, 2))
    assert new_subject(*values) == Subject(*values)


def test_objects_made_in_bulk_stay_frozen() -> None:
    ref = new_row_ref(1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.line = 3  # type: ignore[misc]
    made = new_conviction(*_conviction_values())
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.county = "ORANGE"  # type: ignore[misc]


def test_a_missing_field_is_an_error() -> None:
    with pytest.raises(TypeError):
        new_row_ref(1)  # type: ignore[call-arg]


def test_determination_and_evidence_take_keywords_too() -> None:
    ref = RowRef(3, 9)
    values: dict[str, object] = {
        f.name: f"v{i}" for i, f in enumerate(dataclasses.fields(Determination))
    }
    values["conviction_ref"] = ref
    values["evidence"] = (new_evidence("conviction", ref),)
    made = new_determination(**values)
    assert made == Determination(**values)  # type: ignore[arg-type]
    assert made.evidence == (Evidence("conviction", ref),)
    assert str(made.evidence[0]) == "conviction@3:9"

"""Plain builders for synthetic review data: invented people, made-up case numbers."""

from __future__ import annotations

import itertools
from typing import Any

from clearrecord.accounts.models import User
from clearrecord.cases import synthetic
from clearrecord.cases.models import Conviction, Evaluation
from clearrecord.cases.raw import RawLine, store_raw_lines
from clearrecord.intake.models import Upload

_serial = itertools.count(1)


def make_upload(county: str, *, by: User | None = None) -> tuple[Upload, Evaluation]:
    """A published upload with its current evaluation."""
    return synthetic.published_upload(county, by=by, username=f"uploader-{next(_serial)}")


def make_convictions(
    county: str,
    n: int,
    *,
    upload: tuple[Upload, Evaluation] | None = None,
    review_state: str = "flagged",
    outcome: str = "eligible_dismissal",
    section: str = "11357",
    level: str = "misdemeanor",
    flags: list[str] | None = None,
    per_subject: int = 1,
    **conviction: Any,
) -> list[Conviction]:
    """`n` convictions (`per_subject` per invented person) with a current determination, set-wise."""
    up, evaluation = upload or make_upload(county)
    fields = {"review_state": review_state, "level": level, "section": section,
              "code_section": f"{section}(A) HS", **conviction}  # fmt: skip
    return synthetic.add_convictions(
        up,
        evaluation,
        n,
        first=next(_serial) * 100_000,
        per_subject=per_subject,
        conviction=lambda i: fields,
        determination=lambda i: {"outcome": outcome, "flags": flags or []},
    )


def make_raw_rows(conviction: Conviction, events: list[dict[str, str]]) -> list[RawLine]:
    """Rows of the person's DOJ record (invented values), the conviction's own row first."""
    from eligibility.doj.columns import COLUMNS, INDEX

    rows = []
    for offset, event in enumerate(events):
        values = [""] * len(COLUMNS)
        values[INDEX["SUBJECT_ID"]] = conviction.subject.subject_id
        for column, value in event.items():
            values[INDEX[column]] = value
        rows.append(
            RawLine(
                subject_id=conviction.subject.subject_id,
                file_number=conviction.file_number,
                # the conviction's own row first, then rows no other builder uses
                line=conviction.line if offset == 0 else conviction.line + 50_000 + offset,
                values=values,
            )
        )
    store_raw_lines(upload_id=conviction.upload_id, lines=rows)
    return rows

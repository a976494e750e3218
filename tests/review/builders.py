"""Plain builders for synthetic review data: invented people, made-up case numbers."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from clearrecord.accounts.models import Role, User
from clearrecord.cases.models import Conviction, Determination, Evaluation, Subject
from clearrecord.cases.raw import RawLine, store_raw_lines
from clearrecord.intake.models import Status, Upload

_serial = itertools.count(1)


def make_upload(county: str, *, by: User | None = None) -> tuple[Upload, Evaluation]:
    """A published upload with its current evaluation."""
    by = by or User.objects.create(
        username=f"uploader-{next(_serial)}", role=Role.DA_SUPERVISOR, county=county
    )
    upload = Upload.objects.create(
        county=county,
        created_by=by,
        compute_at=dt.date(2026, 7, 1),
        rule_set="statutory",
        options_digest="0" * 64,
        status=Status.PUBLISHED,
    )
    evaluation = Evaluation.objects.create(
        upload=upload,
        created_by=by,
        rule_set="statutory",
        options_digest="0" * 64,
        compute_at=dt.date(2026, 7, 1),
        is_current=True,
        state=Evaluation.State.COMPLETE,
    )
    return upload, evaluation


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
    start = next(_serial) * 100_000
    subjects = Subject.objects.bulk_create(
        Subject(
            upload=up,
            county=county,
            subject_id=f"S{start + i}",
            name=f"TESTPERSON, SYNTH{start + i}",
            cii=f"A{start + i:08d}",
            dob=dt.date(1980, 1, 1) + dt.timedelta(days=i),
        )
        for i in range((n + per_subject - 1) // per_subject)
    )
    convictions = Conviction.objects.bulk_create(
        Conviction(
            upload=up,
            subject=subjects[i // per_subject],
            county=county,
            file_number=1,
            line=start + i,
            cnt_order=f"{start + i:06d}001001",
            court_case=f"{(start + i) % 1_000_000:06d}",
            case_numbers=[f"CR-{start + i}"],
            date=dt.date(2010, 5, 1),
            level=level,
            section=section,
            code_section=f"{section}(A) HS",
            review_state=review_state,
            **conviction,
        )
        for i in range(n)
    )
    determinations = Determination.objects.bulk_create(
        Determination(
            evaluation=evaluation,
            conviction=c,
            outcome=outcome,
            rule_id="statutory.misdemeanor",
            reason="misdemeanor_dismissal",
            explanation="A misdemeanour under H&S 11357 is dismissed (H&S 11361.8(e)).",
            citation="H&S 11361.8(e)",
            evidence=[{"role": "conviction", "file": 1, "line": c.line}],
            remedy="dismiss_and_seal",
            flags=flags or [],
        )
        for c in convictions
    )
    for c, d in zip(convictions, determinations, strict=True):
        c.current_determination = d
    Conviction.objects.bulk_update(convictions, ["current_determination"])
    return convictions


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

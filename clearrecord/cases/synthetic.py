"""Invented people and convictions, written straight into the database for tests and benchmarks.

Synthetic only: names like ``TESTPERSON, SYNTH12`` and made-up CII and case numbers, never a
real record. Everything refuses to run when ``CLEARRECORD_ENV`` is production (like
`seed_demo`). Rows are written set-wise (`bulk_create`, one UPDATE for the current
determinations), so a benchmark can seed hundreds of thousands of convictions.

A real upload goes through the ingest pipeline; these builders skip the engine and write what
it would store: a published upload with its current evaluation (`published_upload`), then
people with their convictions and determinations (`add_convictions`), optionally with one
raw DOJ row per conviction that the engine reads back as the same conviction (`raw_rows`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from clearrecord.accounts.models import Role, User
from clearrecord.intake.models import Status, Upload
from eligibility.doj.columns import COLUMNS, INDEX

from .models import Conviction, Determination, Evaluation, Subject
from .raw import RawLine, store_raw_lines

COMPUTE_AT = dt.date(2026, 7, 1)
LEVEL_CODES = {"felony": ("F", "FELONY"), "misdemeanor": ("M", "MISDEMEANOR"),
               "infraction": ("I", "INFRACTION")}  # fmt: skip


EXPLANATION = "A misdemeanour under H&S 11357 is dismissed (H&S 11361.8(e))."


def refuse_in_production() -> None:
    if settings.CLEARRECORD_ENV == "production":
        raise ImproperlyConfigured("synthetic data is never written under production settings")


def published_upload(
    county: str, *, by: User | None = None, username: str = "synthetic-uploader"
) -> tuple[Upload, Evaluation]:
    """A published upload of `county` with its current (complete) statutory evaluation."""
    refuse_in_production()
    by = by or User.objects.create(username=username, role=Role.DA_SUPERVISOR, county=county)
    upload = Upload.objects.create(
        county=county,
        created_by=by,
        compute_at=COMPUTE_AT,
        rule_set="statutory",
        options_digest="0" * 64,
        status=Status.PUBLISHED,
    )
    evaluation = Evaluation.objects.create(
        upload=upload,
        created_by=by,
        rule_set="statutory",
        options_digest="0" * 64,
        compute_at=COMPUTE_AT,
        is_current=True,
        state=Evaluation.State.COMPLETE,
    )
    return upload, evaluation


def add_convictions(
    upload: Upload,
    evaluation: Evaluation,
    n: int,
    *,
    first: int = 0,
    per_subject: int = 1,
    dob: Callable[[int], dt.date] | None = None,
    conviction: Callable[[int], dict[str, Any]] | None = None,
    determination: Callable[[int], dict[str, Any]] | None = None,
    raw_rows: bool = False,
    batch_size: int = 5000,
) -> list[Conviction]:
    """`n` convictions numbered from `first`, `per_subject` per invented person, each with a
    current determination of `evaluation`.

    Defaults: an H&S 11357(A) misdemeanour of 2010-05-01, dismissed and sealed under the
    statutory rules; `conviction(i)` and `determination(i)` return fields that replace them
    for conviction number `first + i`, `dob(i)` the birth date of person number `i`.
    """
    refuse_in_production()
    county = upload.county
    subjects = Subject.objects.bulk_create(
        (
            Subject(
                upload=upload,
                county=county,
                subject_id=f"S{first + i}",
                name=f"TESTPERSON, SYNTH{first + i}",
                cii=f"A{first + i:08d}",
                dob=dob(i) if dob else dt.date(1980, 1, 1) + dt.timedelta(days=i),
            )
            for i in range((n + per_subject - 1) // per_subject)
        ),
        batch_size=batch_size,
    )
    convictions = Conviction.objects.bulk_create(
        (
            Conviction(
                upload=upload,
                subject=subjects[i // per_subject],
                county=county,
                **{
                    "file_number": 1,
                    "line": first + i + 2,
                    "cnt_order": f"{first + i:06d}001001",
                    "court_case": f"{(first + i) % 1_000_000:06d}",
                    "case_numbers": [f"CR-{first + i}"],
                    "date": dt.date(2010, 5, 1),
                    "level": "misdemeanor",
                    "section": "11357",
                    "code_section": "11357(A) HS",
                    **(conviction(i) if conviction else {}),
                },
            )
            for i in range(n)
        ),
        batch_size=batch_size,
    )
    determinations = Determination.objects.bulk_create(
        (
            Determination(
                evaluation=evaluation,
                conviction=c,
                **{
                    "outcome": "eligible_dismissal",
                    "rule_id": "statutory.misdemeanor",
                    "reason": "misdemeanor_dismissal",
                    "explanation": EXPLANATION,
                    "citation": "H&S 11361.8(e)",
                    "evidence": [{"role": "conviction", "file": c.file_number, "line": c.line}],
                    "remedy": "dismiss_and_seal",
                    **(determination(i) if determination else {}),
                },
            )
            for i, c in enumerate(convictions)
        ),
        batch_size=batch_size,
    )
    for c, d in zip(convictions, determinations, strict=True):
        c.current_determination = d
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_conviction c SET current_determination_id = d.id "
            "FROM cases_determination d WHERE d.conviction_id = c.id AND d.evaluation_id = %s "
            "AND c.id = ANY(%s)",
            [evaluation.pk, [c.pk for c in convictions]],
        )
    if raw_rows:
        store_raw_lines(upload_id=upload.pk, lines=[raw_row(c) for c in convictions])
    return convictions


def raw_row(c: Conviction) -> RawLine:
    """The conviction's own DOJ court-action row (invented values), as ingest stores it."""
    values = [""] * len(COLUMNS)
    subject = c.subject
    toc, status = LEVEL_CODES.get(c.level, ("M", "MISDEMEANOR"))
    offense = f"{c.code_section}-SYNTHETIC CANNABIS OFFENCE"
    for column, value in (
        ("SUBJECT_ID", subject.subject_id),
        ("CII_NUMBER", subject.cii),
        ("PRI_NAME", subject.name),
        ("PRI_DOB", subject.dob.strftime("%Y%m%d") if subject.dob else ""),
        ("STP_EVENT_DATE", c.date.strftime("%Y%m%d") if c.date else ""),
        ("STP_TYPE_DESCR", "COURT ACTION"),
        ("STP_ORI_CNTY_NAME", c.county),
        ("CNT_ORDER", c.cnt_order),
        ("OFN", c.case_numbers[0] if c.case_numbers else ""),
        ("OFFENSE_DESCR", offense),
        ("OFFENSE_TOC", toc),
        ("CONV_OFFENSE_DESCR", offense),
        ("DISP_DESCR", "CONVICTED"),
        ("CONV_STAT_DESCR", status),
        ("END_OF_REC", "#"),
    ):
        values[INDEX[column]] = value
    return RawLine(
        subject_id=subject.subject_id, file_number=c.file_number, line=c.line, values=values
    )

"""SSN, driver's licence and FBI numbers are masked everywhere unless the role may view them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from clearrecord.accounts import policy
from clearrecord.accounts.models import Role
from clearrecord.cases.masking import (
    IDENTIFIER_COLUMNS,
    mask_identifier,
    mask_row,
    mask_values,
    raw_row_fields,
)
from clearrecord.cases.models import Conviction, Subject
from clearrecord.cases.raw import raw_lines_of
from eligibility.doj.columns import COLUMNS
from tests.conftest import HOME_COUNTY

from .canary import IDENTIFIERS, leaks

IDS = list(IDENTIFIERS.values())


def test_an_ssn_keeps_its_shape_and_last_four_only() -> None:
    assert mask_identifier("987-65-4391", column="PRI_SSN") == "•••-••-4391"
    assert mask_identifier("987654391", column="REQ_SSN") == "•••-••-4391"
    assert mask_identifier("Q7391846", column="PRI_CDL") == "••••1846"
    assert mask_identifier("FBI7391848CAN", column="FBI_NUMBER") == "••••8CAN"
    assert mask_identifier("123", column="PRI_SSN") == "••••"
    assert mask_identifier("  ", column="PRI_SSN") == ""


def test_no_role_may_view_identifiers_by_default(make_user) -> None:
    assert policy.CAPABILITIES["view_identifiers"] == frozenset()
    for role in Role:
        values = [""] * len(COLUMNS)
        for column, value in IDENTIFIERS.items():
            values[COLUMNS.index(column)] = value
        masked = mask_values(values, user=make_user(role))
        assert not leaks(" ".join(masked), IDS)
        assert masked[COLUMNS.index("PRI_SSN")] == "•••-••-4391"


def test_a_role_granted_the_capability_sees_them_whole(make_user, monkeypatch) -> None:
    monkeypatch.setitem(policy.CAPABILITIES, "view_identifiers", frozenset({Role.DA_SUPERVISOR}))
    row = dict(IDENTIFIERS, PRI_NAME="x")
    assert mask_row(row, user=make_user(Role.DA_SUPERVISOR)) == row
    masked = mask_row(row, user=make_user(Role.DA_REVIEWER))
    assert set(k for k in masked if masked[k] != row[k]) == IDENTIFIER_COLUMNS


@pytest.mark.django_db(transaction=True)
def test_raw_row_fields_of_an_ingested_row_are_masked(canary_upload, prosecutor) -> None:
    subject = Subject.objects.filter(upload=canary_upload).order_by("pk").first()
    assert subject is not None
    raw = raw_lines_of(upload_id=canary_upload.pk, subject_id=subject.subject_id)[0]
    assert IDENTIFIERS["PRI_SSN"] in raw.values  # stored whole
    shown = dict(raw_row_fields(raw.values, user=prosecutor))
    assert shown["PRI_SSN"] == "•••-••-4391"
    assert not leaks(repr(shown), IDS)


def _gets(upload, conviction) -> list[str]:
    """Every page, API response and export that can show a person or an upload."""
    return [
        reverse("home"),
        reverse("intake:list"),
        reverse("intake:detail", args=[upload.pk]),
        reverse("intake:progress", args=[upload.pk]),
        reverse("intake:issues_csv", args=[upload.pk]),
        reverse("intake_api:uploads"),
        reverse("intake_api:upload", args=[upload.pk]),
        reverse("review:queue"),
        reverse("review:queue") + "?format=csv",
        reverse("review:conviction", args=[conviction.pk]),
        reverse("review:person", args=[conviction.subject_id]),  # the whole DOJ record
        reverse("review_api:conviction_list"),
        reverse("review_api:conviction", args=[conviction.pk]),
        reverse("audit:events"),
        reverse("audit:export"),
        reverse("api:me"),
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_no_page_api_response_or_export_shows_an_identifier(canary_upload, make_user, role) -> None:
    conviction = Conviction.objects.filter(upload=canary_upload).first()
    assert conviction is not None
    client = Client()
    client.force_login(make_user(role, county=HOME_COUNTY))
    seen_ok = 0
    for url in _gets(canary_upload, conviction):
        response = client.get(url)
        assert response.status_code < 500, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert not leaks(body.decode("utf-8", "replace"), IDS), url
        seen_ok += response.status_code == 200
    assert seen_ok >= 2  # the role did see pages, not only refusals

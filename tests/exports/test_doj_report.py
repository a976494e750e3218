"""The DOJ report: what is listed, the CSV (columns, spreadsheet safety), marking reported."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from clearrecord.accounts.models import Role
from clearrecord.audit.models import AuditEvent
from clearrecord.cases.models import Subject
from clearrecord.exports import doj, services
from clearrecord.exports.errors import NothingToReport, NotPermitted
from clearrecord.exports.models import OrderLine
from tests.conftest import OTHER_COUNTY, REQUEST_QUERIES

pytestmark = pytest.mark.django_db

ORDER = {"order_date": dt.date(2026, 9, 1), "judge": "Hon. A. Synthetic", "order_number": "ORD-7"}


@pytest.fixture
def ordered(clerk, supervisor, ready):
    """Three convictions of the home county with a court order (two granted, one denied)."""
    convictions = ready(3)
    batch = services.batch_build(user=supervisor)
    ids = [c.pk for c in convictions]
    services.order_record(
        user=clerk, batch_id=batch.pk, outcome="granted",
        overrides={ids[2]: ("denied", "")}, **ORDER,
    )  # fmt: skip
    return ids


def _csv(client) -> list[dict[str, str]]:
    response = client.get(reverse("exports:doj_report_csv"))
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_report_lists_ordered_convictions_not_yet_reported(client, clerk, ordered):
    client.force_login(clerk)
    page = client.get(reverse("exports:doj_report")).content.decode()
    for pk in ordered:
        assert f'value="{pk}"' in page
    assert "Mark all 3 as reported" in page


def test_other_countys_orders_are_not_listed(client, clerk, ordered, make_user, ready):
    ready(1, county=OTHER_COUNTY)
    batch = services.batch_build(user=make_user(Role.DA_SUPERVISOR, county=OTHER_COUNTY))
    services.order_record(
        user=make_user(Role.COURT_CLERK, county=OTHER_COUNTY), batch_id=batch.pk,
        outcome="granted", **ORDER,
    )  # fmt: skip
    client.force_login(clerk)
    assert len(_csv(client)) == 3


def test_empty_state(client, clerk):
    client.force_login(clerk)
    page = client.get(reverse("exports:doj_report")).content.decode()
    assert "Nothing to report" in page
    assert "Download the report" not in page


def test_list_queries_do_not_grow_with_rows(
    client, clerk, supervisor, ready, django_assert_num_queries
):
    ready(40)
    batch = services.batch_build(user=supervisor)
    services.order_record(user=clerk, batch_id=batch.pk, outcome="granted", **ORDER)
    client.force_login(clerk)
    client.get(reverse("exports:doj_report"))  # warm the session
    with django_assert_num_queries(REQUEST_QUERIES + 2):  # count + one page of values
        response = client.get(reverse("exports:doj_report"))
    assert response.content.decode().count('name="convictions"') == 40


def test_csv_has_what_doj_needs(client, clerk, ordered):
    client.force_login(clerk)
    rows = _csv(client)
    assert list(rows[0]) == list(doj.HEADER)
    by_outcome = {r["outcome"]: r for r in rows}
    granted, denied = by_outcome["Granted"], by_outcome["Denied"]
    assert granted["order_number"] == "ORD-7"
    assert granted["order_date"] == "2026-09-01"
    assert granted["relief_granted"] == "Dismiss and seal"
    assert granted["remedy_statute"] == "H&S 11361.8(e)"
    assert granted["cii"].startswith("A")
    assert granted["court_case_number"].startswith("CR-")
    assert granted["code_section"] == "11357(A) HS"
    assert granted["conviction_date"] == "2010-05-01"
    assert denied["relief_granted"] == "None (relief denied)"
    assert denied["remedy_statute"] == ""
    event = AuditEvent.objects.get(action="doj.report_downloaded")
    assert event.actor_id == clerk.pk


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x","y")', "+cmd", "@SUM(1)", "-2+3"])
def test_csv_cells_are_inert(client, clerk, ordered, name):
    Subject.objects.filter(convictions__pk=ordered[0]).update(name=name)
    client.force_login(clerk)
    response = client.get(reverse("exports:doj_report_csv"))
    body = b"".join(response.streaming_content).decode()
    names = [r["name"] for r in csv.DictReader(io.StringIO(body))]
    assert "'" + name in names  # parsed back: the cell starts with an apostrophe, inert text
    for line in body.splitlines()[1:]:
        for cell in next(csv.reader([line])):
            assert not cell.startswith(("=", "+", "@", "-")), cell


def test_mark_all_asks_first_then_marks_up_to_what_was_listed(
    client, clerk, ordered, supervisor, ready
):
    client.force_login(clerk)
    confirm = client.post(reverse("exports:doj_mark"), {"scope": "all"})
    assert "Mark <strong>3 convictions</strong>" in confirm.content.decode()
    assert not OrderLine.objects.filter(reported_at__isnull=False).exists()
    up_to = confirm.context["up_to"]
    # an order recorded while the clerk reads the confirmation is not swept in unseen
    ready(1)
    late = services.batch_build(user=supervisor)
    services.order_record(user=clerk, batch_id=late.pk, outcome="granted", **ORDER)
    response = client.post(
        reverse("exports:doj_mark"), {"scope": "all", "up_to": up_to, "confirmed": "yes"}
    )
    assert response.status_code == 302
    reported = OrderLine.objects.filter(reported_at__isnull=False)
    assert set(reported.values_list("conviction_id", flat=True)) == set(ordered)
    assert set(reported.values_list("reported_by", flat=True)) == {clerk.pk}
    assert len(_csv(client)) == 1  # only the late one is left
    assert AuditEvent.objects.filter(action="conviction.reported_to_doj").count() == 3
    assert AuditEvent.objects.get(action="doj.reported").detail == {
        "convictions": 3, "selection": False,
    }  # fmt: skip


def test_mark_selected(client, clerk, ordered):
    client.force_login(clerk)
    data = {"scope": "selected", "convictions": [str(ordered[1])]}
    confirm = client.post(reverse("exports:doj_mark"), data)
    assert "Mark <strong>1 conviction</strong>" in confirm.content.decode()
    client.post(reverse("exports:doj_mark"), {**data, "confirmed": "yes"})
    assert list(
        OrderLine.objects.filter(reported_at__isnull=False).values_list("conviction_id", flat=True)
    ) == [ordered[1]]
    page = client.get(reverse("exports:doj_report")).content.decode()
    assert f'value="{ordered[1]}"' not in page  # reported convictions leave the list
    assert f'value="{ordered[0]}"' in page


def test_mark_selected_without_a_tick_says_so(client, clerk, ordered):
    client.force_login(clerk)
    response = client.post(reverse("exports:doj_mark"), {"scope": "selected"}, follow=True)
    assert "Tick the convictions" in response.content.decode()


def test_service_skips_what_another_clerk_reported_first(clerk, make_user, ordered):
    other = make_user(Role.COURT_CLERK)
    assert services.doj_mark_reported(user=other, conviction_ids=ordered[:2]) == 2
    assert services.doj_mark_reported(user=clerk, conviction_ids=ordered) == 1
    with pytest.raises(NothingToReport):
        services.doj_mark_reported(user=clerk)
    assert OrderLine.objects.get(conviction_id=ordered[0]).reported_by_id == other.pk


def test_service_does_not_reach_another_county(ordered, make_user):
    with pytest.raises(NothingToReport):
        services.doj_mark_reported(
            user=make_user(Role.COURT_CLERK, county=OTHER_COUNTY), conviction_ids=ordered
        )
    assert not OrderLine.objects.filter(reported_at__isnull=False).exists()


@pytest.mark.parametrize("role", [Role.DA_SUPERVISOR, Role.PUBLIC_DEFENDER])
def test_only_a_clerk_reports(make_user, ordered, role):
    with pytest.raises(NotPermitted):
        services.doj_mark_reported(user=make_user(role))


@pytest.mark.parametrize(
    "name", ["exports:doj_report", "exports:doj_report_csv", "exports:doj_mark"]
)
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_doj_pages_are_for_the_clerk(client, make_user, name, role):
    client.force_login(make_user(role))
    assert client.get(reverse(name)).status_code == (200 if role == Role.COURT_CLERK else 403)

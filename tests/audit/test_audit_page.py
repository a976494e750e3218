"""The audit page: county-scoped, filtered, paginated, exported as spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clearrecord.audit.models import AuditEvent
from clearrecord.audit.services import audit_record
from tests.conftest import HOME_COUNTY, OTHER_COUNTY, REQUEST_QUERIES

EVENTS = reverse("audit:events")
EXPORT = reverse("audit:export")


def event(action: str = "case.viewed", county: str = HOME_COUNTY, **extra) -> AuditEvent:
    return audit_record(action=action, county=county, **extra)


def shown(response) -> list[AuditEvent]:
    return list(response.context["events"])


def exported(client: Client, query: str = "") -> list[list[str]]:
    response = client.get(EXPORT + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_a_supervisor_sees_only_their_county(supervisor, client: Client) -> None:
    mine = event(county=HOME_COUNTY)
    theirs = event(county=OTHER_COUNTY)
    client.force_login(supervisor)
    events = shown(client.get(EVENTS))
    assert mine in events
    assert theirs not in events
    assert all(e.county == HOME_COUNTY for e in events)


def test_an_admin_sees_every_county_and_can_filter_by_one(administrator, client: Client) -> None:
    mine = event(county=HOME_COUNTY)
    theirs = event(county=OTHER_COUNTY)
    client.force_login(administrator)
    assert {mine, theirs} <= set(shown(client.get(EVENTS)))
    assert shown(client.get(EVENTS, {"county": OTHER_COUNTY})) == [theirs]


def test_a_supervisor_cannot_widen_the_scope_with_a_county_filter(
    supervisor, client: Client
) -> None:
    event(county=OTHER_COUNTY)
    client.force_login(supervisor)
    assert all(e.county == HOME_COUNTY for e in shown(client.get(EVENTS, {"county": OTHER_COUNTY})))


def test_filters_by_action_actor_outcome(supervisor, prosecutor, client: Client) -> None:
    viewed = event("case.viewed", actor=prosecutor)
    failed = event("case.decided", actor=prosecutor, outcome="failure")
    event("case.decided", actor=supervisor)
    client.force_login(supervisor)
    assert shown(client.get(EVENTS, {"action": "case.viewed"})) == [viewed]
    by_actor = shown(client.get(EVENTS, {"actor": prosecutor.username.upper()}))
    assert set(by_actor) >= {viewed, failed}
    assert all(e.actor_username == prosecutor.username for e in by_actor)
    assert shown(client.get(EVENTS, {"outcome": "failure", "action": "case.decided"})) == [failed]


def test_filters_by_date_range_in_local_days(supervisor, client: Client) -> None:
    tz = timezone.get_current_timezone()
    made = {}
    for day in (1, 2, 3):
        moment = datetime(2026, 3, day, 23, 30, tzinfo=tz)  # late evening, local time
        with time_machine.travel(moment, tick=False):
            made[day] = event(f"day.{day}")
    client.force_login(supervisor)
    response = client.get(EVENTS, {"date_from": "2026-03-02", "date_to": "2026-03-02"})
    assert shown(response) == [made[2]]
    response = client.get(EVENTS, {"date_from": "2026-03-02"})
    assert made[1] not in shown(response)
    bad = client.get(EVENTS, {"date_from": "2026-03-03", "date_to": "2026-03-01"})
    assert "The end date is before the start date." in bad.content.decode()


def test_pages_of_fifty_newest_first(supervisor, client: Client) -> None:
    start = timezone.now() - timedelta(hours=1)
    for i in range(120):
        with time_machine.travel(start + timedelta(seconds=i), tick=False):
            event("bulk.step", object_id=i)
    client.force_login(supervisor)
    first = client.get(EVENTS, {"action": "bulk.step"})
    assert [e.object_id for e in shown(first)][:2] == ["119", "118"]
    assert len(shown(first)) == 50
    assert "page=2" in first.content.decode()
    third = client.get(EVENTS, {"action": "bulk.step", "page": 3})
    assert len(shown(third)) == 20


def test_empty_state(supervisor, client: Client) -> None:
    client.force_login(supervisor)
    page = client.get(EVENTS, {"action": "", "actor": "nobody-at-all"}).content.decode()
    assert "No event matches these filters." in page


def test_the_page_query_count_does_not_grow_with_rows(
    supervisor, client: Client, django_assert_num_queries
) -> None:
    for i in range(60):
        event("bulk.step", object_id=i)
    client.force_login(supervisor)
    # session, user, OTP device, actions for the filter, count, the page of rows
    with django_assert_num_queries(REQUEST_QUERIES + 3):
        response = client.get(EVENTS)
    assert len(shown(response)) == 50


def test_the_export_is_spreadsheet_safe_filtered_and_scoped(supervisor, client: Client) -> None:
    event("case.viewed", object_type="intake.upload", object_id="=HYPERLINK(1)")
    event("case.viewed", county=OTHER_COUNTY, object_id="42")
    event("case.decided", object_id="7")
    client.force_login(supervisor)
    rows = exported(client, "?action=case.viewed")
    assert rows[0][:5] == ["time", "username", "role", "county", "action"]
    assert len(rows) == 2
    assert rows[1][6] == "'=HYPERLINK(1)"
    assert rows[1][3] == HOME_COUNTY


def test_the_export_is_audited_with_its_filters(supervisor, client: Client) -> None:
    event("case.viewed")
    event("case.viewed")
    client.force_login(supervisor)
    exported(client, "?action=case.viewed&outcome=success")
    record = AuditEvent.objects.get(action="audit.exported")
    assert record.actor == supervisor
    assert record.county == HOME_COUNTY
    assert record.detail == {
        "rows": 2,
        "filters": {"action": "case.viewed", "outcome": "success"},
    }


@pytest.mark.parametrize("role", ["da_reviewer", "public_defender", "court_clerk"])
def test_other_roles_cannot_export(make_user, client: Client, role: str) -> None:
    client.force_login(make_user(role))
    assert client.get(EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(action="audit.exported").exists()

"""County review settings: supervisors allow or restrict bulk decisions for the county's DA
reviewers; the one check holds on the bulk page, the bulk API, the service and the queue."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from clearrecord.audit.models import AuditEvent
from clearrecord.cases.models import Conviction
from clearrecord.review import selectors, services
from clearrecord.review.errors import RoleNotPermitted
from clearrecord.review.models import CountyReviewSettings
from tests.conftest import HOME_COUNTY, OTHER_COUNTY

from .builders import make_convictions

pytestmark = pytest.mark.django_db


def bulk_page(client: Client, action: str = "not_challenge", method: str = "get"):
    return getattr(client, method)(reverse("review:bulk"), {"action": action})


def bulk_api(client: Client, action: str = "not_challenge"):
    return client.post(reverse("review_api:bulk"), {"action": action}, "application/json")


def allow(client: Client, supervisor, value: bool):
    client.force_login(supervisor)
    return client.post(reverse("review:settings"), {"reviewers_may_bulk": "on"} if value else {})


def test_bulk_is_for_supervisors_by_default(client: Client, prosecutor) -> None:
    make_convictions(HOME_COUNTY, 3)
    client.force_login(prosecutor)
    assert bulk_page(client).status_code == 403
    assert bulk_page(client, method="post").status_code == 403
    assert bulk_api(client).status_code == 403
    with pytest.raises(RoleNotPermitted):
        services.conviction_bulk_not_challenge(
            actor=prosecutor, convictions=Conviction.objects.all()
        )
    assert not Conviction.objects.exclude(review_state="flagged").exists()
    queue = client.get(reverse("review:queue")).content.decode()
    assert 'id="bulk-form"' not in queue
    assert 'name="ids"' not in queue


def test_reviewer_may_bulk_when_a_supervisor_allows_it(
    client: Client, prosecutor, supervisor
) -> None:
    a, b, c = make_convictions(HOME_COUNTY, 3)
    assert allow(client, supervisor, True).status_code == 302
    client.force_login(prosecutor)
    queue = client.get(reverse("review:queue")).content.decode()
    assert 'id="bulk-form"' in queue
    assert 'value="not_challenge"' in queue
    assert 'value="release"' not in queue  # the sign-off stays with supervisors
    confirm = bulk_page(client)
    assert (confirm.status_code, confirm.context["changing"]) == (200, 3)
    done = client.post(reverse("review:bulk"), {"action": "not_challenge", "ids": [a.pk]})
    assert done.status_code == 302
    assert Conviction.objects.get(pk=a.pk).review_state == "not_challenged"
    assert bulk_api(client).json() == {"action": "not_challenge", "changed": 2, "skipped": 1}
    assert set(Conviction.objects.values_list("review_state", flat=True)) == {"not_challenged"}
    # releasing in bulk is still refused to a reviewer: by the page, the API and the service
    assert bulk_page(client, "release").status_code == 403
    assert bulk_api(client, "release").status_code == 403
    assert {b.pk, c.pk} <= set(Conviction.objects.values_list("pk", flat=True))
    assert not Conviction.objects.filter(review_state="ready_for_export").exists()


def test_restricting_again_stops_reviewers(client: Client, prosecutor, supervisor) -> None:
    make_convictions(HOME_COUNTY, 2)
    allow(client, supervisor, True)
    allow(client, supervisor, False)
    client.force_login(prosecutor)
    assert bulk_page(client).status_code == 403
    assert bulk_api(client).status_code == 403
    assert not Conviction.objects.exclude(review_state="flagged").exists()


def test_another_countys_setting_has_no_effect(client: Client, prosecutor, make_user) -> None:
    make_convictions(HOME_COUNTY, 2)
    allow(client, make_user("da_supervisor", county=OTHER_COUNTY), True)
    assert CountyReviewSettings.objects.get().county == OTHER_COUNTY
    client.force_login(prosecutor)
    assert selectors.may_bulk_decide(user=prosecutor) is False
    assert bulk_page(client).status_code == 403
    assert bulk_api(client).status_code == 403
    assert not Conviction.objects.exclude(review_state="flagged").exists()


def test_a_change_is_audited_with_the_old_and_new_value(client: Client, supervisor) -> None:
    allow(client, supervisor, True)
    allow(client, supervisor, True)  # the value in force again: nothing changes, nothing recorded
    allow(client, supervisor, False)
    events = AuditEvent.objects.filter(action="county.settings_changed").order_by("id")
    assert [e.detail for e in events] == [
        {"reviewers_may_bulk": {"old": False, "new": True}},
        {"reviewers_may_bulk": {"old": True, "new": False}},
    ]
    assert {(e.actor, e.county, e.outcome) for e in events} == {
        (supervisor, HOME_COUNTY, "success")
    }
    row = CountyReviewSettings.objects.get(county=HOME_COUNTY)
    assert (row.reviewers_may_bulk, row.changed_by) == (False, supervisor)


def test_only_a_supervisor_changes_the_settings(client: Client, prosecutor) -> None:
    client.force_login(prosecutor)
    assert client.post(reverse("review:settings"), {"reviewers_may_bulk": "on"}).status_code == 403
    with pytest.raises(RoleNotPermitted):
        services.county_settings_update(actor=prosecutor, reviewers_may_bulk=True)
    assert not CountyReviewSettings.objects.exists()
    refused = AuditEvent.objects.get(action="county.settings_changed")
    assert (refused.actor, refused.outcome) == (prosecutor, "denied")


def test_the_settings_page_shows_the_value_and_who_set_it(client: Client, supervisor) -> None:
    client.force_login(supervisor)
    queue = client.get(reverse("review:queue")).content.decode()
    assert reverse("review:settings") in queue  # linked from the supervisor's queue
    page = client.get(reverse("review:settings")).content.decode()
    assert "only supervisors may take bulk decisions" in page
    assert "Never changed" in page
    client.post(reverse("review:settings"), {"reviewers_may_bulk": "on"}, follow=True)
    page = client.get(reverse("review:settings")).content.decode()
    assert "DA reviewers and supervisors may take bulk decisions" in page
    assert f"Last changed by {supervisor.username}" in page


def test_the_reviewer_queue_does_not_link_to_the_settings(client: Client, prosecutor) -> None:
    client.force_login(prosecutor)
    assert reverse("review:settings") not in client.get(reverse("review:queue")).content.decode()

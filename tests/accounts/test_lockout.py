"""Lockout: five failed sign-ins within fifteen minutes lock the account until a person releases it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clearrecord.accounts import lockout
from clearrecord.audit.models import AuditEvent
from tests.conftest import OTHER_COUNTY, PASSWORD, REQUEST_QUERIES

LOGIN = reverse("accounts:login")


def fail(client: Client, username: str, times: int = 1) -> None:
    for _ in range(times):
        client.post(LOGIN, {"username": username, "password": "wrong-password-123"})


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_five_failures_lock_the_account_and_the_right_password_no_longer_works(
    prosecutor, client: Client
) -> None:
    fail(client, prosecutor.username, 4)
    assert not lockout.is_locked(prosecutor.username)
    fail(client, prosecutor.username)
    assert lockout.is_locked(prosecutor.username)
    response = sign_in(Client(), prosecutor.username)
    assert response.status_code == 403
    page = response.content.decode()
    assert "This account is locked" in page
    assert "releases it" in page
    assert "_auth_user_id" not in Client().session


def test_the_lock_is_audited_once_with_the_county(prosecutor, client: Client) -> None:
    fail(client, prosecutor.username, 7)
    events = AuditEvent.objects.filter(action="auth.lockout")
    assert events.count() == 1
    event = events.get()
    assert event.county == prosecutor.county
    assert event.object_id == str(prosecutor.pk)
    assert event.outcome == "denied"
    assert event.detail == {"username": prosecutor.username, "failures": 5}


def test_four_failures_leave_the_account_open(prosecutor, client: Client) -> None:
    fail(client, prosecutor.username, 4)
    assert sign_in(client, prosecutor.username).status_code == 302


def test_failures_older_than_fifteen_minutes_do_not_count(prosecutor) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(Client(), prosecutor.username, 4)
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        fail(Client(), prosecutor.username, 4)
        assert not lockout.is_locked(prosecutor.username)
        fail(Client(), prosecutor.username)
        assert lockout.is_locked(prosecutor.username)


def test_failures_spread_over_the_window_still_count(prosecutor) -> None:
    start = timezone.now()
    for minute in (0, 3, 6, 9, 14):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            fail(Client(), prosecutor.username)
    assert lockout.is_locked(prosecutor.username)


def test_there_is_no_cool_off(prosecutor) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(Client(), prosecutor.username, 5)
    with time_machine.travel(start + timedelta(days=30), tick=False):
        assert sign_in(Client(), prosecutor.username).status_code == 403


def test_supervisor_sees_and_releases_a_locked_account_of_their_county(
    prosecutor, supervisor, client: Client
) -> None:
    fail(Client(), prosecutor.username, 5)
    client.force_login(supervisor)
    page = client.get(reverse("accounts:lockouts")).content.decode()
    assert prosecutor.username in page
    url = reverse("accounts:lockout_release", args=[prosecutor.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Release" in confirm.content.decode()
    assert lockout.is_locked(prosecutor.username)  # GET only asks
    response = client.post(url)
    assert response.status_code == 302
    assert not lockout.is_locked(prosecutor.username)
    event = AuditEvent.objects.get(action="auth.lockout_released")
    assert event.actor == supervisor
    assert event.object_id == str(prosecutor.pk)
    assert sign_in(Client(), prosecutor.username).status_code == 302


def test_a_released_account_starts_a_fresh_window(prosecutor, supervisor, client: Client) -> None:
    fail(Client(), prosecutor.username, 5)
    client.force_login(supervisor)
    client.post(reverse("accounts:lockout_release", args=[prosecutor.pk]))
    fail(Client(), prosecutor.username)
    assert not lockout.is_locked(prosecutor.username)


def test_supervisor_of_another_county_neither_sees_nor_releases(
    prosecutor, outsider, client: Client
) -> None:
    fail(Client(), prosecutor.username, 5)
    client.force_login(outsider)
    assert prosecutor.username not in client.get(reverse("accounts:lockouts")).content.decode()
    url = reverse("accounts:lockout_release", args=[prosecutor.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert lockout.is_locked(prosecutor.username)


def test_admin_releases_any_county(make_user, administrator, client: Client) -> None:
    far = make_user("da_reviewer", county=OTHER_COUNTY)
    fail(Client(), far.username, 5)
    client.force_login(administrator)
    assert far.username in client.get(reverse("accounts:lockouts")).content.decode()
    client.post(reverse("accounts:lockout_release", args=[far.pk]))
    assert not lockout.is_locked(far.username)


@pytest.mark.parametrize("role", ["da_reviewer", "public_defender", "court_clerk"])
def test_other_roles_cannot_release(make_user, prosecutor, client: Client, role: str) -> None:
    fail(Client(), prosecutor.username, 5)
    client.force_login(make_user(role))
    assert client.post(reverse("accounts:lockout_release", args=[prosecutor.pk])).status_code == 403
    assert lockout.is_locked(prosecutor.username)


def test_an_unlocked_account_cannot_be_released(prosecutor, supervisor, client: Client) -> None:
    client.force_login(supervisor)
    response = client.post(reverse("accounts:lockout_release", args=[prosecutor.pk]))
    assert response.status_code == 404


def test_lockout_list_query_count(
    make_user, supervisor, client: Client, django_assert_num_queries
) -> None:
    for _ in range(3):
        fail(Client(), make_user("da_reviewer").username, 5)
    client.force_login(supervisor)
    with django_assert_num_queries(REQUEST_QUERIES + 2):  # locked names, users
        response = client.get(reverse("accounts:lockouts"))
    assert response.status_code == 200
    assert len(response.context["locked_users"]) == 3


def test_empty_state(supervisor, client: Client) -> None:
    client.force_login(supervisor)
    assert "No account is locked." in client.get(reverse("accounts:lockouts")).content.decode()

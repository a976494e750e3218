"""Sessions end after 30 idle minutes or 12 hours in all; polling does not keep them alive."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clearrecord.audit.models import AuditEvent

HOME = reverse("home")
EXPIRED = f"{reverse('accounts:login')}?expired=1"


@pytest.fixture
def start():
    return timezone.now().replace(microsecond=0)


def at(start, **delta):
    return time_machine.travel(start + timedelta(**delta), tick=False)


def signed_in(client: Client, user, start) -> None:
    with at(start):
        client.force_login(user)


def test_activity_within_30_minutes_keeps_the_session(prosecutor, client: Client, start) -> None:
    signed_in(client, prosecutor, start)
    for minutes in (29, 58, 87):
        with at(start, minutes=minutes):
            assert client.get(HOME).status_code == 200


def test_31_idle_minutes_end_the_session(prosecutor, client: Client, start) -> None:
    signed_in(client, prosecutor, start)
    with at(start, minutes=10):
        assert client.get(HOME).status_code == 200
    with at(start, minutes=41, seconds=1):
        response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == EXPIRED
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.session_expired")
    assert event.actor == prosecutor
    assert event.detail == {"reason": "idle"}
    assert not AuditEvent.objects.filter(action="auth.logout").exists()
    with at(start, minutes=42):
        assert client.get(HOME).status_code == 302


def test_the_sign_in_page_says_the_session_expired(client: Client) -> None:
    page = client.get(EXPIRED).content.decode()
    assert "Your session expired" in page


def test_twelve_hours_end_even_a_busy_session(prosecutor, client: Client, start) -> None:
    signed_in(client, prosecutor, start)
    minutes = 0
    while minutes < 12 * 60 - 20:
        minutes += 20
        with at(start, minutes=minutes):
            assert client.get(HOME).status_code == 200
    with at(start, hours=12, seconds=1):
        response = client.get(HOME)
    assert response["Location"] == EXPIRED
    assert AuditEvent.objects.get(action="auth.session_expired").detail == {"reason": "absolute"}


@pytest.mark.urls("tests.accounts.polling_urls")
def test_polling_does_not_keep_a_session_alive(prosecutor, client: Client, start) -> None:
    signed_in(client, prosecutor, start)
    for minutes in range(5, 31, 5):
        with at(start, minutes=minutes):
            assert client.get("/test-progress/").status_code == 200
    with at(start, minutes=31):
        response = client.get("/test-progress/")
    assert response.status_code == 302
    assert response["Location"] == EXPIRED


@pytest.mark.urls("tests.accounts.polling_urls")
def test_htmx_requests_are_sent_to_the_sign_in_page_whole(prosecutor, client: Client, start):
    signed_in(client, prosecutor, start)
    with at(start, minutes=45):
        response = client.get("/test-progress/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == EXPIRED


def test_a_real_sign_in_starts_the_clock(prosecutor, start) -> None:
    from tests.conftest import PASSWORD

    client = Client()
    with at(start):
        client.post(
            reverse("accounts:login"), {"username": prosecutor.username, "password": PASSWORD}
        )
    with at(start, minutes=31):
        response = client.get(reverse("accounts:otp"))
    assert response["Location"] == EXPIRED

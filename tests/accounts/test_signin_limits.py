"""Sign-in attempts are limited per client address, across every username."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from clearrecord.audit.models import AuditEvent
from tests.conftest import PASSWORD

LOGIN = reverse("accounts:login")


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.CLEARRECORD_SIGNIN_ATTEMPTS_PER_ADDRESS = 3


def attempt(client: Client, username: str, password: str, address: str = "10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_an_address_spraying_many_usernames_is_stopped(make_user) -> None:
    client = Client()
    users = [make_user() for _ in range(4)]
    for user in users[:3]:  # three different accounts, one wrong password each: no lockout
        assert attempt(client, user.username, "wrong-password-1").status_code == 200
    response = attempt(client, users[3].username, PASSWORD)  # even the right password now waits
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.signin_rate_limited")
    assert event.outcome == "denied"
    assert event.client_ip == "10.0.0.7"


def test_another_address_is_not_affected(prosecutor) -> None:
    for _ in range(4):
        attempt(Client(), "someone", "wrong-password-1", address="10.0.0.7")
    response = attempt(Client(), prosecutor.username, PASSWORD, address="10.0.0.8")
    assert response.status_code == 302


def test_the_limit_is_not_reached_by_normal_use(prosecutor) -> None:
    for _ in range(3):
        assert attempt(Client(), prosecutor.username, PASSWORD).status_code == 302

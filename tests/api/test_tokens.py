"""API tokens: named, hashed, shown once, revocable, one user's; Bearer authentication; throttles."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from clearrecord.accounts import services
from clearrecord.accounts.models import ApiToken
from clearrecord.audit.models import AuditEvent
from tests.conftest import OTHER_COUNTY

ME = reverse("api:me")
TOKENS = reverse("accounts:api_tokens")


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_token_made_on_the_page_is_shown_once_and_works(prosecutor, client: Client) -> None:
    client.force_login(prosecutor)
    response = client.post(TOKENS, {"name": "nightly report script"})
    assert response.status_code == 302
    page = client.get(TOKENS).content.decode()
    secret = re.search(r'id="new-token-value">([^<]+)<', page).group(1)
    assert secret.startswith("cr_")
    assert secret not in client.get(TOKENS).content.decode()  # once only
    token = ApiToken.objects.get()
    assert token.user == prosecutor
    assert token.name == "nightly report script"
    assert secret not in (token.digest, token.prefix)
    assert len(token.digest) == 64
    assert AuditEvent.objects.get(action="api.token_created").object_id == str(token.pk)

    api = Client()
    response = api.get(ME, **bearer(secret))
    assert response.status_code == 200
    assert response.json() == {
        "username": prosecutor.username,
        "role": "da_reviewer",
        "county": prosecutor.county,
    }
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_needs_a_name(prosecutor, client: Client) -> None:
    client.force_login(prosecutor)
    response = client.post(TOKENS, {"name": "  "})
    assert response.status_code == 400
    assert "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_revoked_token_stops_working(prosecutor, client: Client) -> None:
    token, secret = services.api_token_create(user=prosecutor, name="tool")
    client.force_login(prosecutor)
    url = reverse("accounts:api_token_revoke", args=[token.pk])
    assert "Revoke" in client.get(url).content.decode()  # confirmation first
    assert Client().get(ME, **bearer(secret)).status_code == 200
    assert client.post(url).status_code == 302
    response = Client().get(ME, **bearer(secret))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert AuditEvent.objects.filter(action="api.token_revoked").count() == 1
    assert AuditEvent.objects.filter(action="api.token_failed", outcome="failure").count() == 1


def test_nobody_sees_or_revokes_another_persons_token(prosecutor, supervisor, client) -> None:
    token, secret = services.api_token_create(user=prosecutor, name="mine")
    client.force_login(supervisor)
    assert "mine" not in client.get(TOKENS).content.decode()
    url = reverse("accounts:api_token_revoke", args=[token.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Client().get(ME, **bearer(secret)).status_code == 200


def test_a_disabled_users_token_stops_working(make_user) -> None:
    user = make_user("court_clerk", county=OTHER_COUNTY)
    _token, secret = services.api_token_create(user=user, name="x")
    user.is_active = False
    user.save()
    assert Client().get(ME, **bearer(secret)).status_code == 401


def test_wrong_tokens_are_throttled_per_address(prosecutor) -> None:
    _token, secret = services.api_token_create(user=prosecutor, name="ok")
    api = Client(REMOTE_ADDR="10.0.0.9")
    for i in range(10):
        assert api.get(ME, **bearer(f"cr_wrong{i}")).status_code == 401
    response = api.get(ME, **bearer(secret))
    assert response.status_code == 429  # even the right token waits
    assert Client(REMOTE_ADDR="10.0.0.10").get(ME, **bearer(secret)).status_code == 200
    failed = AuditEvent.objects.filter(action="api.token_failed")
    assert failed.count() == 10
    assert all(secret not in str(e.detail) for e in failed)


@pytest.fixture
def tight_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "user": "3/minute", "anon": "2/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def test_each_user_has_a_request_rate(prosecutor, supervisor, tight_rates) -> None:
    _t, mine = services.api_token_create(user=prosecutor, name="a")
    _t, theirs = services.api_token_create(user=supervisor, name="b")
    api = Client()
    assert [api.get(ME, **bearer(mine)).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert api.get(ME, **bearer(theirs)).status_code == 200


@pytest.mark.urls("tests.api.anon_urls")
def test_anonymous_requests_have_a_rate(tight_rates) -> None:
    api = Client()
    assert [api.get("/api/v1/open/").status_code for _ in range(3)] == [200, 200, 429]


def test_token_list_query_count(prosecutor, client: Client, django_assert_num_queries) -> None:
    for i in range(5):
        services.api_token_create(user=prosecutor, name=f"t{i}")
    client.force_login(prosecutor)
    with django_assert_num_queries(4):  # session, user, OTP device, tokens
        response = client.get(TOKENS)
    assert len(response.context["tokens"]) == 5

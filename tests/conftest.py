"""Personas and shared fixtures. Every person here is invented; every record is synthetic."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from celery.contrib.testing.worker import start_worker
from celery.fixups.django import DjangoWorkerFixup
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from clearrecord.accounts.models import Role, User
from clearrecord.celery import app as celery_app

HOME_COUNTY = "SACRAMENTO"
OTHER_COUNTY = "FRESNO"
PASSWORD = "correct-horse-battery-staple-42"
#: Queries every signed-in request makes before the view runs: session, user, verified OTP device.
#: Query-count tests add their view's own queries to this, so a middleware change moves one number.
REQUEST_QUERIES = 3


@pytest.fixture(autouse=True)
def force_login_is_two_factor_verified(monkeypatch: pytest.MonkeyPatch) -> None:
    """`client.force_login(user)` also passes the second factor.

    force_login already means "skip authentication": the password step is skipped, so the code step
    is skipped too. The user gets a confirmed authenticator device (created once) and the session
    is marked verified with it, exactly as `django_otp.login` does after a real code. Tests of the
    sign-in itself (tests/accounts/test_twofactor.py) post to the real pages and never use this.
    """
    original = Client.force_login

    def force_login(self: Client, user: User, backend: str | None = None) -> None:
        original(self, user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="force_login", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Throttle counters live in the cache: every test starts from none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: str = Role.DA_REVIEWER, county: str = HOME_COUNTY, **extra: object) -> User:
        username = (
            extra.pop("username", None)
            or f"{role}-{county.lower().replace(' ', '-')}-{next(counter)}"
        )
        user = User(username=str(username), role=role, county=county, **extra)
        user.set_password(PASSWORD)
        user.save()
        return user

    return make


@pytest.fixture
def prosecutor(make_user: Callable[..., User]) -> User:
    return make_user(Role.DA_REVIEWER, first_name="Dana", last_name="Reyes")


@pytest.fixture
def supervisor(make_user: Callable[..., User]) -> User:
    return make_user(Role.DA_SUPERVISOR)


@pytest.fixture
def defender(make_user: Callable[..., User]) -> User:
    return make_user(Role.PUBLIC_DEFENDER)


@pytest.fixture
def clerk(make_user: Callable[..., User]) -> User:
    return make_user(Role.COURT_CLERK)


@pytest.fixture
def administrator(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    """A DA supervisor of another county: sees nothing of HOME_COUNTY."""
    return make_user(Role.DA_SUPERVISOR, county=OTHER_COUNTY)


@pytest.fixture
def persona(request: pytest.FixtureRequest, make_user: Callable[..., User]) -> User:
    """Parametrize with (role, county) via indirect=True."""
    role, county = request.param
    return make_user(
        role, county=county, is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN
    )


@pytest.fixture
def celery_worker(monkeypatch: pytest.MonkeyPatch):
    """A real Celery worker (in a thread) consuming from the real broker.

    Celery's Django worker fixup closes database connections (even their file descriptors) when a
    worker starts. In a thread of the test process that would pull the test's own connection away,
    so the fixup is not installed for this in-process worker.
    """
    monkeypatch.setattr(DjangoWorkerFixup, "install", lambda self: self)
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker

"""Personas and shared fixtures. Every person here is invented; every record is synthetic."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from celery.contrib.testing.worker import start_worker
from celery.fixups.django import DjangoWorkerFixup

from clearrecord.accounts.models import Role, User
from clearrecord.celery import app as celery_app

HOME_COUNTY = "SACRAMENTO"
OTHER_COUNTY = "FRESNO"
PASSWORD = "correct-horse-battery-staple-42"


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

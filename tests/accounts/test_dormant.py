"""Accounts unused for 90 days are disabled every night; an administrator can re-enable them."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clearrecord.accounts import services, tasks
from clearrecord.accounts.models import User
from clearrecord.audit.models import AuditEvent
from clearrecord.celery import app as celery_app
from tests.conftest import PASSWORD

DAY = timedelta(days=1)


def aged(user: User, *, last_login_days: int | None, joined_days: int = 400) -> User:
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(
        date_joined=now - joined_days * DAY,
        last_login=None if last_login_days is None else now - last_login_days * DAY,
    )
    user.refresh_from_db()
    return user


def test_accounts_unused_for_90_days_are_disabled_and_audited(make_user) -> None:
    stale = aged(make_user("da_reviewer"), last_login_days=91)
    never = aged(make_user("court_clerk", county="FRESNO"), last_login_days=None)
    recent = aged(make_user("da_reviewer"), last_login_days=89)
    new = aged(make_user("public_defender"), last_login_days=None, joined_days=10)

    assert services.users_disable_dormant(now=timezone.now()) == 2

    assert {u.pk for u in User.objects.filter(is_active=False)} == {stale.pk, never.pk}
    assert User.objects.get(pk=recent.pk).is_active
    assert User.objects.get(pk=new.pk).is_active
    events = AuditEvent.objects.filter(action="account.disabled_dormant")
    assert {(e.object_id, e.county) for e in events} == {
        (str(stale.pk), stale.county),
        (str(never.pk), "FRESNO"),
    }
    assert all(e.detail == {"days": 90} for e in events)
    assert services.users_disable_dormant(now=timezone.now()) == 0  # nothing twice


def test_a_disabled_account_cannot_sign_in(make_user) -> None:
    user = aged(make_user("da_reviewer"), last_login_days=120)
    services.users_disable_dormant(now=timezone.now())
    response = Client().post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "did not match an active account" in response.content.decode()


def test_the_management_command_and_the_task_do_the_same(make_user, capsys) -> None:
    aged(make_user("da_reviewer"), last_login_days=100)
    call_command("disable_dormant")
    assert "Disabled 1 account unused for 90 days" in capsys.readouterr().out
    aged(make_user("da_reviewer"), last_login_days=100)
    assert tasks.disable_dormant() == 1


def test_the_task_runs_every_night_by_name() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["disable-dormant-accounts"]
    assert entry["task"] == "accounts.disable_dormant"
    assert entry["task"] in celery_app.tasks
    now = timezone.now()
    assert entry["schedule"].remaining_estimate(now) <= DAY


def test_admin_re_enabling_restarts_the_clock(make_user, administrator, client: Client) -> None:
    user = aged(make_user("da_reviewer"), last_login_days=200)
    services.users_disable_dormant(now=timezone.now())
    client.force_login(administrator)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reenable_accounts", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active
    assert user.reactivated_at is not None
    event = AuditEvent.objects.get(action="account.reenabled")
    assert event.actor == administrator
    assert event.object_id == str(user.pk)
    assert services.users_disable_dormant(now=timezone.now()) == 0
    assert services.users_disable_dormant(now=timezone.now() + 91 * DAY) == 2  # both idle again


def test_re_enabling_is_audited_once(make_user, administrator) -> None:
    user = aged(make_user("da_reviewer"), last_login_days=200)
    services.users_disable_dormant(now=timezone.now())
    services.account_reenable(actor=administrator, user=user)
    assert user.is_active
    assert AuditEvent.objects.filter(action="account.reenabled").count() == 1
    services.account_reenable(actor=administrator, user=user)  # already active: nothing
    assert AuditEvent.objects.filter(action="account.reenabled").count() == 1

"""The audit log: sign-in events from day one, and rows that cannot be changed or deleted."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from clearrecord.audit.models import AuditEvent
from clearrecord.audit.services import audit_record
from tests.conftest import PASSWORD


def test_successful_sign_in_is_audited(prosecutor, client: Client) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": prosecutor.username, "password": PASSWORD},
        REMOTE_ADDR="10.1.2.3",
    )  # fmt: skip
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == prosecutor
    assert event.outcome == "success"
    assert event.client_ip == "10.1.2.3"
    assert event.county == prosecutor.county
    assert event.object_id == str(prosecutor.pk)


def test_failed_sign_in_is_audited_without_the_password(prosecutor, client: Client) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": prosecutor.username, "password": "wrong-password-123"},
        REMOTE_ADDR="10.9.8.7",
    )  # fmt: skip
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.outcome == "failure"
    assert event.actor is None
    assert event.detail == {"username": prosecutor.username}
    assert event.client_ip == "10.9.8.7"
    assert "wrong-password-123" not in str(event.detail)


def test_sign_out_is_audited(prosecutor, client: Client) -> None:
    client.force_login(prosecutor)
    client.post(reverse("accounts:logout"))
    assert AuditEvent.objects.filter(action="auth.logout", actor=prosecutor).count() == 1


def test_audit_rows_cannot_be_updated(prosecutor) -> None:
    event = audit_record(action="test.happened", actor=prosecutor)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="test.rewritten")
    event.refresh_from_db()
    assert event.action == "test.happened"


def test_audit_rows_cannot_be_deleted_even_with_raw_sql(prosecutor) -> None:
    event = audit_record(action="test.happened", actor=prosecutor)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_user_with_audit_history_cannot_be_deleted(prosecutor) -> None:
    audit_record(action="test.happened", actor=prosecutor)
    with pytest.raises(Exception, match=r"protected|append-only"), transaction.atomic():
        prosecutor.delete()


@pytest.mark.parametrize(
    ("trusted", "forwarded", "remote", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.1", "10.0.0.1"),  # untrusted header ignored
        (1, "1.1.1.1", "10.0.0.1", "1.1.1.1"),
        (1, "6.6.6.6, 1.1.1.1", "10.0.0.1", "1.1.1.1"),  # spoofed left-most entry ignored
    ],
)
def test_client_address_honours_only_trusted_proxies(
    rf, settings, prosecutor, trusted: int, forwarded: str, remote: str, expected: str
) -> None:
    settings.CLEARRECORD_TRUSTED_PROXIES = trusted
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    request.user = prosecutor
    assert audit_record(action="test.ip", request=request).client_ip == expected


def test_failed_sign_in_belongs_to_the_account_county(make_user, client: Client) -> None:
    user = make_user("da_reviewer", county="FRESNO")
    client.post(reverse("accounts:login"), {"username": user.username, "password": "nope-nope-1"})
    client.post(reverse("accounts:login"), {"username": "no-such-person", "password": "nope-1"})
    counties = dict(
        AuditEvent.objects.filter(action="auth.login_failed").values_list(
            "detail__username", "county"
        )
    )
    assert counties == {user.username: "FRESNO", "no-such-person": ""}

"""Two-factor sign-in through the real pages. None of these tests uses force_login's bypass."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clearrecord.audit.models import AuditEvent
from tests.conftest import PASSWORD

LOGIN = reverse("accounts:login")
OTP = reverse("accounts:otp")
ENROL = reverse("accounts:otp_enrol")
HOME = reverse("home")


def code_for(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key).token():06d}"


def password_step(client: Client, user, next_url: str = "") -> str:
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(LOGIN, data)
    assert response.status_code == 302
    return response["Location"]


@pytest.fixture
def enrolled(prosecutor):
    return TOTPDevice.objects.create(user=prosecutor, name="phone", confirmed=True)


def test_a_password_alone_reaches_no_page(prosecutor, enrolled) -> None:
    client = Client()
    location = password_step(client, prosecutor)
    assert location.startswith(OTP)
    for url in (HOME, reverse("system:health"), reverse("accounts:recovery_codes")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(OTP)


def test_first_sign_in_goes_to_enrolment(prosecutor) -> None:
    client = Client()
    client.post(LOGIN, {"username": prosecutor.username, "password": PASSWORD})
    response = client.get(OTP)
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL)


def test_enrolment_shows_a_qr_code_and_key_then_ten_recovery_codes_once(prosecutor) -> None:
    client = Client()
    password_step(client, prosecutor)
    page = client.get(ENROL).content.decode()
    assert "<svg" in page
    assert "style=" not in page  # CSP: no inline styles
    device = TOTPDevice.objects.get(user=prosecutor, confirmed=False)
    key = re.search(r'id="manual-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert key
    client.get(ENROL)
    assert TOTPDevice.objects.filter(user=prosecutor).count() == 1  # a reload keeps the key

    response = client.post(ENROL, {"code": code_for(device), "next": HOME})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:recovery_codes"))
    device.refresh_from_db()
    assert device.confirmed
    shown = client.get(response["Location"])
    codes = shown.context["codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    for code in codes:
        assert code in shown.content.decode()
    again = client.get(reverse("accounts:recovery_codes"))
    assert again.context["codes"] is None
    assert codes[0] not in again.content.decode()
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(action="auth.otp_enrolled", actor=prosecutor).count() == 1


def test_a_wrong_enrolment_code_is_refused_and_audited(prosecutor) -> None:
    client = Client()
    password_step(client, prosecutor)
    client.get(ENROL)
    response = client.post(ENROL, {"code": "000000"})
    assert response.status_code == 400
    assert "did not match" in response.content.decode()
    assert not TOTPDevice.objects.get(user=prosecutor).confirmed
    assert client.get(HOME).status_code == 302
    event = AuditEvent.objects.get(action="auth.otp_failed")
    assert event.outcome == "failure"
    assert event.detail == {"step": "enrolment"}


def test_a_password_alone_cannot_replace_an_existing_device(prosecutor, enrolled) -> None:
    client = Client()
    password_step(client, prosecutor)
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith(OTP)
    client.post(ENROL, {"code": "123456"})
    assert list(TOTPDevice.objects.filter(user=prosecutor)) == [enrolled]


def test_the_app_code_completes_sign_in_and_keeps_next(prosecutor, enrolled, supervisor) -> None:
    client = Client()
    location = password_step(client, prosecutor, next_url="/accounts/otp/recovery-codes/")
    response = client.post(location, {"code": code_for(enrolled)})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/otp/recovery-codes/"
    assert client.get(HOME).status_code == 200
    event = AuditEvent.objects.get(action="auth.otp_verified")
    assert event.actor == prosecutor
    assert event.detail == {"method": "app"}


def test_a_wrong_code_is_refused_and_audited(prosecutor, enrolled) -> None:
    client = Client()
    password_step(client, prosecutor)
    response = client.post(OTP, {"code": "999999"})
    assert response.status_code == 400
    assert "did not match" in response.content.decode()
    assert client.get(HOME).status_code == 302
    assert AuditEvent.objects.filter(action="auth.otp_failed", outcome="failure").count() == 1


def test_repeated_wrong_codes_are_throttled(prosecutor, enrolled) -> None:
    client = Client()
    password_step(client, prosecutor)
    start = timezone.now()
    for second in (0, 2, 5):  # django-otp's back-off: 1 s, 2 s, 4 s ...
        with time_machine.travel(start + timedelta(seconds=second), tick=False):
            response = client.post(OTP, {"code": "999999"})
    assert "Too many wrong codes" in response.content.decode()
    with time_machine.travel(start + timedelta(seconds=6), tick=False):
        # Even the right code waits out the back-off.
        assert client.post(OTP, {"code": code_for(enrolled)}).status_code == 400
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        assert client.post(OTP, {"code": code_for(enrolled)}).status_code == 302


def test_a_recovery_code_works_once(prosecutor) -> None:
    client = Client()
    password_step(client, prosecutor)
    client.get(ENROL)
    app = TOTPDevice.objects.get(user=prosecutor)
    client.post(ENROL, {"code": code_for(app)})
    codes = client.get(reverse("accounts:recovery_codes")).context["codes"]
    client.post(reverse("accounts:logout"))

    second = Client()
    password_step(second, prosecutor)
    response = second.post(OTP, {"code": codes[3].upper()})
    assert response.status_code == 302
    assert second.get(HOME).status_code == 200
    used = AuditEvent.objects.get(action="auth.recovery_code_used")
    assert used.detail == {"remaining": 9}
    assert codes[3] not in str(used.detail)

    third = Client()
    password_step(third, prosecutor)
    assert third.post(OTP, {"code": codes[3]}).status_code == 400


def test_new_recovery_codes_cancel_the_old_ones(prosecutor, client: Client) -> None:
    client.force_login(prosecutor)  # the page itself is under test here, not the sign-in
    first = client.post(reverse("accounts:recovery_codes")).context["codes"]
    second = client.post(reverse("accounts:recovery_codes")).context["codes"]
    assert len(second) == 10
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert stored == set(second)
    assert not stored & set(first)


def test_next_cannot_leave_the_site(prosecutor, enrolled) -> None:
    client = Client()
    client.post(LOGIN, {"username": prosecutor.username, "password": PASSWORD})
    response = client.post(OTP, {"code": code_for(enrolled), "next": "https://evil.example/"})
    assert response["Location"] == HOME


def test_sign_out_works_before_the_second_factor(prosecutor, enrolled) -> None:
    client = Client()
    password_step(client, prosecutor)
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_session_key_changes_when_the_code_is_accepted(prosecutor, enrolled) -> None:
    client = Client()
    password_step(client, prosecutor)
    half = client.session.session_key
    client.post(OTP, {"code": code_for(enrolled)})
    assert client.session.session_key != half
    assert client.get(HOME).status_code == 200


def test_an_admin_resets_two_step_sign_in(prosecutor, enrolled, administrator) -> None:
    admin_client = Client()
    admin_client.force_login(administrator)
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_step", "_selected_action": [prosecutor.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=prosecutor).exists()
    event = AuditEvent.objects.get(action="auth.otp_reset")
    assert event.actor == administrator
    assert event.object_id == str(prosecutor.pk)
    client = Client()
    password_step(client, prosecutor)
    assert client.get(OTP)["Location"].startswith(ENROL)


def test_the_admin_site_does_not_show_device_secrets() -> None:
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)

"""Each role signs in through the real page and lands on a home page written for that role."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from clearrecord.accounts.models import Role
from clearrecord.audit.models import AuditEvent
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_signs_in_and_sees_its_home_page(page, make_user, role: str) -> None:
    user = make_user(role, first_name="Test", last_name="Person", is_staff=role == Role.ADMIN)
    page.goto("/")
    assert "/accounts/login/" in page.url
    expect(page.get_by_role("heading", name="Authorised use only")).to_be_visible()
    sign_in(page, user.username, PASSWORD)
    page.wait_for_url("**/")
    expect(page.get_by_role("heading", name="Welcome, Test Person")).to_be_visible()
    assert Role(role).label in page.inner_text("main")
    screenshot(page, f"home-{role}")
    assert AuditEvent.objects.filter(action="auth.login", actor=user).exists()


def test_wrong_password_shows_a_clear_message_and_is_audited(page, prosecutor) -> None:
    sign_in(page, prosecutor.username, "not-the-password-123")
    assert (
        page.get_by_role("alert")
        .inner_text()
        .startswith("That username and password did not match")
    )
    screenshot(page, "login-failed")
    assert AuditEvent.objects.filter(action="auth.login_failed", outcome="failure").count() == 1


def test_sign_out_returns_to_the_login_page(page, clerk) -> None:
    sign_in(page, clerk.username, PASSWORD)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")
    page.goto("/")
    assert "/accounts/login/" in page.url

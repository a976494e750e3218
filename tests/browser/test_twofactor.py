"""A first sign-in sets up the authenticator app through the real pages (no bypass)."""

from __future__ import annotations

from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_sign_in_enrols_an_authenticator_and_shows_recovery_codes(page, defender) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(defender.username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/otp/enrol/**")
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    screenshot(page, "otp-enrol")
    secret = page.locator("#manual-key").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("6-digit code from the app").fill(f"{TOTP(key).token():06d}")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    assert page.locator(".codes li").count() == 10
    screenshot(page, "otp-recovery-codes")
    with page.expect_navigation():
        page.get_by_role("link", name="I have saved my codes").click()
    expect(page.get_by_role("heading", name="Welcome").first).to_be_visible()

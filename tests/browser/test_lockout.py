"""A locked account is told so in plain words on the sign-in page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(page, clerk) -> None:
    for _ in range(5):
        sign_in(page, clerk.username, "not-the-password-123")
    sign_in(page, clerk.username, PASSWORD)
    alert = page.get_by_role("alert").inner_text()
    assert alert.startswith("This account is locked after too many failed sign-ins")
    assert "DA supervisor of your county or an administrator" in alert
    screenshot(page, "login-locked")
    assert "/accounts/login/" in page.url

"""A DA supervisor filters the audit log in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_filters_the_audit_log(page, supervisor, prosecutor) -> None:
    sign_in(page, prosecutor.username, "wrong-password-123")
    sign_in(page, supervisor.username, PASSWORD)
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/audit/**")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    page.get_by_label("Action").select_option("auth.login_failed")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert "auth.login_failed" in rows.first.inner_text()
    screenshot(page, "audit-log")

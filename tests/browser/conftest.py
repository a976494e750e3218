"""Playwright driving Debian's Chromium against pytest-django's live server.

Screenshots go to test-artifacts/ (not committed) so a person can look at the pages.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CLEARRECORD_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


#: The authenticator secret `sign_in` gives every browser-test user (hex, as django-otp stores it).
TOTP_KEY = "3132333435363738393031323334353637383930"


def totp_code(key_hex: str = TOTP_KEY) -> str:
    from django_otp.oath import TOTP

    return f"{TOTP(bytes.fromhex(key_hex)).token():06d}"


def sign_in(page, username: str, password: str) -> None:
    """Sign in through the real pages: password, then a code computed from the user's known key.

    The user gets a confirmed authenticator device with `TOTP_KEY` if they have none. A wrong
    password stays on the sign-in page (no code step).
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from clearrecord.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is not None:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, confirmed=True, defaults={"name": "browser test", "key": TOTP_KEY}
        )
        # A second sign-in within the same 30 s would reuse a code; django-otp refuses reuse.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if "/accounts/otp/" not in page.url:
        return
    page.get_by_label("Code").fill(totp_code())
    with page.expect_navigation():
        page.get_by_role("button", name="Verify").click()

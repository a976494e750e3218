"""Every page carries the security headers: CSP without inline code, no framing, no features."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from clearrecord.accounts.models import Role
from tests.accounts.test_access import (  # noqa: F401  (quick_health is a fixture)
    ANON,
    CONVICTION_URLS,
    EXPECTED,
    PERSON_URLS,
    quick_health,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    directives = dict(
        [*part.split(" ", 1), ""][:2] for part in (p.strip() for p in csp.split(";")) if part
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("who", [ANON, *[r.value for r in Role]])
def test_every_page_carries_the_security_headers(make_user, client: Client, who: str) -> None:
    if who != ANON:
        client.force_login(make_user(who, is_staff=who == Role.ADMIN))
    for name in EXPECTED.keys() - CONVICTION_URLS - PERSON_URLS:  # those need an object id
        assert_security_headers(client.get(reverse(name)))
    assert_security_headers(client.get("/no-such-page/"))


def test_the_sign_in_steps_carry_the_security_headers(prosecutor) -> None:
    from tests.conftest import PASSWORD

    client = Client()
    assert_security_headers(
        client.post(
            reverse("accounts:login"), {"username": prosecutor.username, "password": "nope-nope-1"}
        )
    )
    client.post(reverse("accounts:login"), {"username": prosecutor.username, "password": PASSWORD})
    assert_security_headers(client.get(reverse("accounts:otp_enrol")))


def test_templates_hold_no_inline_script_or_style() -> None:
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.I
    )
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in inline.finditer(path.read_text())
    ]
    assert not offenders

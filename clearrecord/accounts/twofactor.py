"""Two-factor authentication (TOTP, RFC 6238) for every account, with one-time recovery codes.

A password alone signs a person in only half-way: until a code from their authenticator app (or
a recovery code) is entered, `OTPRequiredMiddleware` sends every request to the code step. The
devices are django-otp's: one confirmed `TOTPDevice` and one `StaticDevice` of recovery codes per
user. django-otp throttles wrong codes per device (exponential back-off).
"""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from typing import Any, TypeVar

import segno
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

View = TypeVar("View", bound=Callable[..., Any])


def otp_exempt(view: View) -> View:
    """Mark a view reachable before the second factor (sign-in, the code steps, sign-out)."""
    view.otp_exempt = True  # type: ignore[attr-defined]
    return view


def confirmed_app_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_device(user: Any) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def manual_key(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """The provisioning URI as an inline SVG QR code (no image request, no inline style)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, title="QR code for your authenticator app", dark="#000", light="#fff"
    )
    return mark_safe(svg)  # noqa: S308 (segno's markup of our own URI)  # nosec B308 B703


def normalise_code(raw: str) -> str:
    """People type codes with spaces or dashes; recovery codes are lower-case base32."""
    return "".join(ch for ch in raw if ch.isalnum()).lower()[:16]

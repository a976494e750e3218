"""Writes about accounts: each one a transaction that records its audit event."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clearrecord.audit.models import Outcome
from clearrecord.audit.services import audit_record

from . import twofactor
from .models import ApiToken, User


def lockout_release(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Lift the lock on `user` (the caller fetched it through `selectors.locked_user_get`).

    The failure log of the account goes too, so the window starts empty; the audit log keeps every
    failed sign-in.
    """
    with transaction.atomic():
        attempts, _ = AccessAttempt.objects.filter(username=user.username).delete()
        AccessFailureLog.objects.filter(username=user.username).delete()
        audit_record(
            action="auth.lockout_released",
            actor=actor,
            request=request,
            obj=user,
            county=user.county,
            detail={"attempt_rows": attempts},
        )


def otp_enrolment_device(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator device being set up (the same one across page reloads)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=twofactor.APP_DEVICE_NAME, confirmed=False
        )
    return device


def otp_enrol_confirm(
    *, user: User, device: TOTPDevice, code: str, request: HttpRequest
) -> list[str] | None:
    """Confirm `device` with a first code; return the new recovery codes, or None if wrong.

    1. The code must match (django-otp throttles repeated wrong codes).
    2. The device is confirmed, any other authenticator device of the user is removed, and the
       session is verified with it.
    3. Ten recovery codes replace any earlier ones; they are returned to be shown once.
    """
    with transaction.atomic():
        if not device.verify_token(twofactor.normalise_code(code)):
            audit_record(
                action="auth.otp_failed",
                actor=user,
                request=request,
                obj=user,
                outcome=Outcome.FAILURE,
                detail={"step": "enrolment"},
            )
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = _recovery_codes_replace(user=user)
        _verified(request, device)
        audit_record(action="auth.otp_enrolled", actor=user, request=request, obj=user)
    return codes


def _verified(request: HttpRequest, device: Any) -> None:
    """Mark the session verified by `device`, under a new session key (no fixation across the
    step from half to fully signed in)."""
    request.session.cycle_key()
    otp_login(request, device)


def _recovery_codes_replace(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(
        user=user, name=twofactor.RECOVERY_DEVICE_NAME, confirmed=True
    )
    codes = [StaticToken.random_token() for _ in range(twofactor.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def otp_verify(*, user: User, code: str, request: HttpRequest) -> bool:
    """Verify the session with an app code or, failing that, a recovery code (used up)."""
    code = twofactor.normalise_code(code)
    with transaction.atomic():
        is_app_code = len(code) == 6 and code.isdigit()
        app = twofactor.confirmed_app_device(user)
        if app is not None and is_app_code and app.verify_token(code):
            _verified(request, app)
            audit_record(
                action="auth.otp_verified",
                actor=user,
                request=request,
                obj=user,
                detail={"method": "app"},
            )
            return True
        recovery = twofactor.recovery_device(user)
        if recovery is not None and not is_app_code and recovery.verify_token(code):
            _verified(request, recovery)
            remaining = recovery.token_set.count()
            audit_record(
                action="auth.recovery_code_used",
                actor=user,
                request=request,
                obj=user,
                detail={"remaining": remaining},
            )
            audit_record(
                action="auth.otp_verified",
                actor=user,
                request=request,
                obj=user,
                detail={"method": "recovery_code"},
            )
            return True
    audit_record(
        action="auth.otp_failed",
        actor=user,
        request=request,
        obj=user,
        outcome=Outcome.FAILURE,
        detail={"step": "verification"},
    )
    return False


def otp_throttled(*, user: User) -> bool:
    """True while django-otp refuses to check codes after several wrong ones (its back-off
    doubles from one second with every failure)."""
    app = twofactor.confirmed_app_device(user)
    return app is not None and app.throttling_failure_count >= 3


def recovery_codes_regenerate(*, user: User, request: HttpRequest) -> list[str]:
    with transaction.atomic():
        codes = _recovery_codes_replace(user=user)
        audit_record(
            action="auth.recovery_codes_regenerated", actor=user, request=request, obj=user
        )
    return codes


def users_disable_dormant(*, now: datetime) -> int:
    """Disable every active account unused for `DORMANT_ACCOUNT_DAYS` days; return how many.

    1. Pick the dormant accounts (no sign-in, creation or re-enabling since the cut-off).
    2. Lock those rows and disable them with one UPDATE (a sign-in racing this run waits).
    3. One audit event per disabled account, in the account's county.
    """
    since = now - timedelta(days=settings.DORMANT_ACCOUNT_DAYS)
    with transaction.atomic():
        disabled = list(
            User.objects.dormant(since=since).select_for_update().values_list("pk", "county")
        )
        User.objects.filter(pk__in=[pk for pk, _ in disabled], is_active=True).update(
            is_active=False
        )
        for pk, county in disabled:
            audit_record(
                action="account.disabled_dormant",
                object_type="accounts.user",
                object_id=pk,
                county=county,
                detail={"days": settings.DORMANT_ACCOUNT_DAYS},
            )
    return len(disabled)


def account_reenable(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """An administrator brings back a disabled account; the dormancy clock restarts today."""
    with transaction.atomic():
        updated = User.objects.filter(pk=user.pk, is_active=False).update(
            is_active=True, reactivated_at=timezone.now()
        )
        if updated:
            audit_record(
                action="account.reenabled",
                actor=actor,
                request=request,
                obj=user,
                county=user.county,
            )
    user.refresh_from_db(fields=["is_active", "reactivated_at"])


API_TOKEN_PREFIX = "cr_"  # noqa: S105 (a label in front of the random part, not a secret)  # nosec B105


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(
    *, user: User, name: str, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """Make a token for `user`; return it with the secret, which is never stored or shown again."""
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=secret[:8], digest=_token_digest(secret)
        )
        audit_record(action="api.token_created", actor=user, request=request, obj=token)
    return token, secret


def api_token_revoke(*, actor: User, token: ApiToken, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit_record(action="api.token_revoked", actor=actor, request=request, obj=token)


def api_token_authenticate(*, token: str) -> ApiToken | None:
    """The live token of an active user matching `token`, or None. Use is stamped once a minute."""
    found = (
        ApiToken.objects.live()
        .select_related("user")
        .filter(digest=_token_digest(token), user__is_active=True)
        .first()
    )
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found


def otp_reset(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """An administrator removes a person's authenticator and recovery codes (lost phone and
    codes): the next sign-in enrols a new app. Sessions verified by the old device lose it."""
    with transaction.atomic():
        app, _ = TOTPDevice.objects.filter(user=user).delete()
        codes, _ = StaticDevice.objects.filter(user=user).delete()
        audit_record(
            action="auth.otp_reset",
            actor=actor,
            request=request,
            obj=user,
            county=user.county,
            detail={"devices": app + codes},
        )

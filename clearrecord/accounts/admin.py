"""User management for administrators. Accounts are deactivated, never deleted (audit history)."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "role",
        "county",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "county", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("ClearRecord", {"fields": ("role", "county", "reactivated_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        ("ClearRecord", {"fields": ("role", "county", "first_name", "last_name", "email")}),
    )

    readonly_fields = ("reactivated_at",)
    actions = ["reenable_accounts", "reset_two_step"]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Re-enabling through the form goes through the audited service (dormancy restarts)."""
        reenabling = change and obj.is_active and "is_active" in form.changed_data
        if reenabling:
            obj.is_active = False
        super().save_model(request, obj, form, change)
        if reenabling:
            services.account_reenable(actor=request.user, user=obj, request=request)

    @admin.action(description="Re-enable the selected accounts")
    def reenable_accounts(self, request: HttpRequest, queryset: Any) -> None:
        users = list(queryset.filter(is_active=False))
        for user in users:
            services.account_reenable(actor=request.user, user=user, request=request)
        self.message_user(request, f"Re-enabled {len(users)} account(s).")

    @admin.action(description="Reset two-step sign-in (lost phone and recovery codes)")
    def reset_two_step(self, request: HttpRequest, queryset: Any) -> None:
        users = list(queryset)
        for user in users:
            services.otp_reset(actor=request.user, user=user, request=request)
        self.message_user(
            request, f"{len(users)} account(s) will set up a new authenticator at next sign-in."
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# django-otp's own admin pages show device secrets and QR codes to administrators; a reset (above,
# audited) is all an administrator needs.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

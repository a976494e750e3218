"""User management for administrators. Accounts are deactivated, never deleted (audit history)."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

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
        ("ClearRecord", {"fields": ("role", "county")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        ("ClearRecord", {"fields": ("role", "county", "first_name", "last_name", "email")}),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

"""Read-only view of the audit log in the admin: nobody can add, change or delete an event."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "actor_username",
        "actor_role",
        "county",
        "action",
        "outcome",
        "client_ip",
    )
    list_filter = ("action", "outcome", "county")
    search_fields = ("actor_username", "action", "object_id")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

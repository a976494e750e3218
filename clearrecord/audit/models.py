"""The append-only audit log: who did what, when, to which object, with what outcome, from where.

Rows are only ever inserted: a database trigger (migration 0002) rejects UPDATE and DELETE, so
neither the application nor anyone using its database account can rewrite history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"
    DENIED = "denied", "Denied"


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # PROTECT: an account with history is deactivated, never deleted (the trigger forbids the
    # SET NULL update that deleting it would need anyway).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    county = models.CharField(max_length=32, blank=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)  # dotted verb: conviction.challenged
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    # Ids, counts and codes only: never record contents (names, DOB, CII, charge text).
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username or '-'} {self.action} {self.outcome}"
        )

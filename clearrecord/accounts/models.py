"""Users of ClearRecord: each has one role and belongs to one county."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Coalesce, Greatest

from .counties import County


class Role(models.TextChoices):
    DA_REVIEWER = "da_reviewer", "DA reviewer"
    DA_SUPERVISOR = "da_supervisor", "DA supervisor"
    PUBLIC_DEFENDER = "public_defender", "Public defender"
    COURT_CLERK = "court_clerk", "Court clerk"
    ADMIN = "admin", "Administrator"


class UserQuerySet(models.QuerySet["User"]):
    def dormant(self, *, since: datetime) -> UserQuerySet:
        """Active accounts with no sign-in, creation or re-enabling after `since`."""
        last_use = Greatest(
            Coalesce("last_login", "date_joined"),
            Coalesce("reactivated_at", "date_joined"),
        )
        return self.filter(is_active=True).alias(last_use=last_use).filter(last_use__lt=since)


class AccountManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who signs in. Role and county decide everything they may see and do."""

    objects = AccountManager()

    role = models.CharField(max_length=32, choices=Role.choices, default=Role.DA_REVIEWER)
    county = models.CharField(max_length=32, choices=County.choices)
    #: When an administrator last re-enabled the account: a fresh start for the dormancy rule.
    reactivated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(county__in=County.values), name="user_county_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def is_district_attorney(self) -> bool:
        return self.role in (Role.DA_REVIEWER, Role.DA_SUPERVISOR)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def live(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A named API key of one user: `Authorization: Bearer <token>` acts as that user.

    Only a SHA-256 digest is stored (the token is 256 random bits, so a fast hash is enough); the
    token itself is shown once, when it is made. Revoked tokens stay for the audit trail.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    #: The first characters of the token, so that people can tell their tokens apart.
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

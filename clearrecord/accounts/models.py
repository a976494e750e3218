"""Users of ClearRecord: each has one role and belongs to one county."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from .counties import County


class Role(models.TextChoices):
    DA_REVIEWER = "da_reviewer", "DA reviewer"
    DA_SUPERVISOR = "da_supervisor", "DA supervisor"
    PUBLIC_DEFENDER = "public_defender", "Public defender"
    COURT_CLERK = "court_clerk", "Court clerk"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    """A person who signs in. Role and county decide everything they may see and do."""

    role = models.CharField(max_length=32, choices=Role.choices, default=Role.DA_REVIEWER)
    county = models.CharField(max_length=32, choices=County.choices)

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

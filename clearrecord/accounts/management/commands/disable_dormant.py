"""Disable accounts unused for DORMANT_ACCOUNT_DAYS days (the nightly task does the same)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from clearrecord.accounts import services


class Command(BaseCommand):
    help = "Disable accounts that nobody has used for DORMANT_ACCOUNT_DAYS days (audited)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.users_disable_dormant(now=timezone.now())
        self.stdout.write(
            f"Disabled {count} account{'s' if count != 1 else ''} unused for "
            f"{settings.DORMANT_ACCOUNT_DAYS} days."
        )

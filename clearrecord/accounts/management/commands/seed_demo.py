"""Create one demo user per role in a demo county (development only) and print their credentials.

Refuses to run in production: demo passwords are printed on the terminal.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clearrecord.accounts.models import Role, User

DEMO_COUNTY = "SACRAMENTO"
DEMO_PASSWORD = "demo-Prop64-relief"  # noqa: S105 (development only; the command refuses production)

#: username, first name, last name, role
DEMO_USERS = (
    ("reviewer", "Dana", "Reyes", Role.DA_REVIEWER),
    ("supervisor", "Sam", "Okoro", Role.DA_SUPERVISOR),
    ("defender", "Pat", "Lindqvist", Role.PUBLIC_DEFENDER),
    ("clerk", "Kim", "Alvarez", Role.COURT_CLERK),
    ("admin", "Alex", "Morgan", Role.ADMIN),
)


class Command(BaseCommand):
    help = "Create demo users (one per role) in a demo county. Development only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", default=DEMO_COUNTY)
        parser.add_argument(
            "--quiet-credentials", action="store_true", help="do not print passwords"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.CLEARRECORD_ENV == "production":
            raise CommandError("seed_demo is for development only; it prints passwords.")
        county = options["county"]
        for username, first, last, role in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "role": role, "county": county},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_staff = role == Role.ADMIN
                user.is_superuser = role == Role.ADMIN
                user.save()
        if not options["quiet_credentials"]:
            self.stdout.write(
                self.style.SUCCESS(f"Demo users in {county.title()} County (development only):")
            )
            for username, _first, _last, role in DEMO_USERS:
                self.stdout.write(f"  {username:<11} {DEMO_PASSWORD}   {Role(role).label}")

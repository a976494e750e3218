"""Create one demo user per role in a demo county (development only) and print their credentials.

Also creates one synthetic demo upload (`DEMO_ROWS` generated rows for the demo county) through the
real upload service, which enqueues it for the worker that the run command starts. Idempotent: the
same seed gives the same file, and an upload of that file already in the county is kept.

Refuses to run in production: demo passwords are printed on the terminal.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clearrecord.accounts.models import Role, User

DEMO_ROWS = 3000
DEMO_SEED = 64

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
        parser.add_argument(
            "--no-upload", action="store_true", help="do not create the synthetic demo upload"
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
        if not options["no_upload"]:
            self.seed_upload(county)
        if not options["quiet_credentials"]:
            self.stdout.write(
                self.style.SUCCESS(f"Demo users in {county.title()} County (development only):")
            )
            for username, _first, _last, role in DEMO_USERS:
                self.stdout.write(f"  {username:<11} {DEMO_PASSWORD}   {Role(role).label}")

    def seed_upload(self, county: str) -> None:
        """One synthetic upload of the demo county, processed by the worker (step 1 of the doc)."""
        import datetime as dt
        import tempfile
        from pathlib import Path

        from clearrecord.intake import services
        from clearrecord.intake.errors import DuplicateUpload
        from eligibility.generate import generate_file

        reviewer = User.objects.filter(county=county, role=Role.DA_REVIEWER).first()
        if reviewer is None:
            return
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"demo_{county.lower().replace(' ', '_')}.csv"
            generate_file(path, county=county, rows=DEMO_ROWS, seed=DEMO_SEED, malformed_share=0.01)
            incoming = _incoming(path)
            try:
                upload = services.upload_create(
                    user=reviewer,
                    compute_at=dt.date(2026, 7, 1),
                    rule_set="statutory",
                    options=None,
                    files=[incoming],
                )
            except DuplicateUpload as exc:
                self.stdout.write(f"Demo upload already present (upload #{exc.earlier_id}).")
                return
            finally:
                incoming.close()
        self.stdout.write(f"Demo upload #{upload.pk} queued ({DEMO_ROWS} synthetic rows).")


def _incoming(path: Any) -> Any:
    """The generated file as the upload handler would hand it over (hashed, sniffed, on disk)."""
    import hashlib

    from clearrecord.intake.uploads import IncomingFile, sniff

    data = path.read_bytes()
    f = IncomingFile(path.name, "text/csv", len(data), None)
    f.write(data)
    f.flush()
    f.sha256 = hashlib.sha256(data).hexdigest()
    f.sniffed = sniff(data[:8192])
    return f

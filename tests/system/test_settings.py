"""Settings fail closed: production refuses to start with unsafe values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3J9-x" * 10  # 60 random-looking characters, not a known placeholder

PRODUCTION = {
    "CLEARRECORD_ENV": "production",
    "DJANGO_SECRET_KEY": GOOD_KEY,
    "DJANGO_ALLOWED_HOSTS": "clearrecord.example.gov",
    "DATABASE_URL": "postgres://app@db.example.gov:5432/clearrecord",
    "CELERY_BROKER_URL": "redis://redis.example.gov:6379/0",
}


def load_settings(
    env: dict[str, str], code: str = "print('loaded')"
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CLEARRECORD_", "DATABASE_URL"))
    }
    clean.update(env)
    script = f"import django; django.setup(); from django.conf import settings; {code}"
    return subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, "DJANGO_SETTINGS_MODULE": "clearrecord.settings"},
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_production_settings_load_with_safe_values() -> None:
    result = load_settings(PRODUCTION, "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)")
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.strip() == "False True"


def test_environment_defaults_to_production() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "CLEARRECORD_ENV"}
    env.pop("DJANGO_SECRET_KEY")
    result = load_settings(env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG must be off"),
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "django-insecure-" + "a1b2c3d4e5" * 5}, "placeholder"),
        ({"DJANGO_SECRET_KEY": "change-me-" + "x9y8z7w6v5" * 5}, "placeholder"),
        ({"DJANGO_SECRET_KEY": "a" * 60}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS"),
        ({"DATABASE_URL": ""}, "DATABASE_URL must be set"),
        ({"DATABASE_URL": "sqlite:///db.sqlite3"}, "PostgreSQL"),
        ({"CLEARRECORD_ENV": "staging"}, "CLEARRECORD_ENV must be one of"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be true or false"),
    ],
)
def test_unsafe_production_settings_refuse_to_load(override: dict[str, str], message: str) -> None:
    result = load_settings({**PRODUCTION, **override})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_check_deploy_reports_no_warnings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CLEARRECORD_"))}, **PRODUCTION},
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

"""docker-compose.yml cannot run here (no Docker engine), so its structure is checked instead:
every service's command and environment refer to things that exist in this repository."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCUMENTED = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))


def command_of(service: str) -> str:
    command = SERVICES[service]["command"]
    return " ".join(command) if isinstance(command, list) else command


def test_the_four_services_exist_with_health_checks() -> None:
    assert set(SERVICES) == {"postgres", "redis", "web", "worker"}
    for name, service in SERVICES.items():
        assert service["healthcheck"]["test"], name


@pytest.mark.parametrize("service", ["web", "worker"])
def test_app_services_wait_for_healthy_database_and_broker(service: str) -> None:
    depends = SERVICES[service]["depends_on"]
    assert depends == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_web_command_names_a_real_wsgi_application() -> None:
    module, attribute = re.search(r"gunicorn (\S+):(\S+)", command_of("web")).groups()
    assert callable(getattr(importlib.import_module(module), attribute))
    assert "manage.py migrate" in command_of("web")


def test_worker_command_names_the_real_celery_app() -> None:
    app_module = re.search(r"celery -A (\S+) worker", command_of("worker")).group(1)
    app = importlib.import_module(app_module).celery_app
    assert app.main == "clearrecord"
    assert "--beat" in command_of("worker")  # periodic lease checks run in the worker


def test_app_environment_is_documented_and_read_by_settings() -> None:
    settings_source = (ROOT / "clearrecord" / "settings.py").read_text()
    read_by_settings = set(
        re.findall(r'env_(?:str|bool|int|list)\("([A-Z0-9_]+)"', settings_source)
    )
    for service in ("web", "worker"):
        for name in SERVICES[service]["environment"]:
            assert name in DOCUMENTED, f"{name} is not in .env.example"
            assert name in read_by_settings, f"{name} is not read by settings"


def test_every_setting_read_from_the_environment_is_documented() -> None:
    settings_source = (ROOT / "clearrecord" / "settings.py").read_text()
    read_by_settings = set(
        re.findall(r'env_(?:str|bool|int|list)\("([A-Z0-9_]+)"', settings_source)
    )
    assert read_by_settings <= DOCUMENTED, sorted(read_by_settings - DOCUMENTED)


def test_database_url_points_at_the_postgres_service() -> None:
    url = SERVICES["web"]["environment"]["DATABASE_URL"]
    assert "@postgres:5432/" in url
    assert SERVICES["postgres"]["environment"]["POSTGRES_DB"] == url.rsplit("/", 1)[1]
    assert SERVICES["web"]["environment"]["CELERY_BROKER_URL"].startswith("redis://redis:6379")


def test_dockerfile_installs_the_lock_and_runs_unprivileged() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -r requirements.txt" in dockerfile
    assert "USER clearrecord" in dockerfile
    assert SERVICES["web"]["build"] == "."

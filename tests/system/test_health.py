"""A real Celery worker answers a ping through the real broker, seen on the health page."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse


def test_health_page_round_trips_a_ping_through_broker_and_worker(
    supervisor, client: Client, celery_worker
) -> None:
    client.force_login(supervisor)
    response = client.get(reverse("system:health"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.json()
    checks = {c["name"]: c for c in response.json()["checks"]}
    assert set(checks) == {"database", "broker", "worker"}, response.json()
    assert checks["database"]["ok"]
    assert checks["broker"]["ok"], response.json()
    assert checks["worker"]["ok"]
    assert checks["worker"]["detail"].startswith("A worker answered")


def test_health_page_says_when_no_worker_answers(supervisor, client: Client, monkeypatch) -> None:
    from clearrecord.system import services

    real = services.health_check
    monkeypatch.setattr(services, "health_check", lambda: real(worker_timeout=0.5))
    client.force_login(supervisor)
    response = client.get(reverse("system:health"))
    assert response.status_code == 503
    assert "No worker answered" in response.content.decode()

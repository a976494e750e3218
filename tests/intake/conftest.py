from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path_factory) -> Path:
    """Each test stores its uploads in its own folder."""
    path = tmp_path_factory.mktemp("var")
    settings.VAR_DIR = path
    return path


@pytest.fixture
def no_enqueue(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record enqueued upload ids instead of sending them to the broker."""
    from clearrecord.intake import services

    sent: list[int] = []
    monkeypatch.setattr(services, "_enqueue", lambda upload_id, countdown=0: sent.append(upload_id))
    return sent

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
    from clearrecord.intake import services

    sent: list[int] = []
    monkeypatch.setattr(services, "_enqueue", lambda upload_id, countdown=0: sent.append(upload_id))
    return sent


@pytest.fixture
def canary_upload(prosecutor, tmp_path, no_enqueue):
    """A published upload of the home county whose rows carry the canary values."""
    from clearrecord.intake import pipeline
    from tests.intake.builders import make_upload

    from .canary import canary_file

    upload = make_upload(prosecutor, canary_file(tmp_path))
    assert pipeline.upload_process(upload_id=upload.pk) == "published"
    upload.refresh_from_db()
    return upload

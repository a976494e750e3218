"""Published uploads with two evaluations, made through the real ingest pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from clearrecord.cases.models import Evaluation
from clearrecord.intake import pipeline, services
from clearrecord.intake.models import Upload
from tests.intake.builders import make_upload, synthetic_file
from tests.intake.conftest import no_enqueue, var_dir  # noqa: F401 (fixtures)

#: the second evaluation reduces nothing and dismisses everything it can
DISMISS_MORE = {"baselineEligibility": {"dismiss": ["11357", "11358", "11359", "11360"],
                                        "reduce": []}}  # fmt: skip


@dataclass
class Published:
    upload: Upload
    path: Path
    first: Evaluation
    second: Evaluation


@pytest.fixture
def published(prosecutor, supervisor, tmp_path, no_enqueue, monkeypatch) -> Published:  # noqa: F811
    path = synthetic_file(tmp_path, rows=1500, seed=11)
    upload = make_upload(prosecutor, path)
    assert pipeline.upload_process(upload_id=upload.pk) == "published"
    upload.refresh_from_db()
    first = Evaluation.objects.get(upload=upload)
    from clearrecord.intake import tasks

    monkeypatch.setattr(tasks.process_evaluation, "delay", lambda pk: None)
    second = services.evaluation_request(
        user=supervisor, upload=upload, compute_at=upload.compute_at, rule_set="statutory",
        options=DISMISS_MORE,
    )  # fmt: skip
    assert pipeline.evaluation_process(evaluation_id=second.pk) == "complete"
    first.refresh_from_db()
    second.refresh_from_db()
    return Published(upload, path, first, second)

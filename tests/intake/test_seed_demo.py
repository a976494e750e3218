from __future__ import annotations

import pytest
from django.core.management import call_command

from clearrecord.intake.models import Upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_queues_one_synthetic_upload_and_is_idempotent(no_enqueue) -> None:
    call_command("seed_demo", "--quiet-credentials")
    call_command("seed_demo", "--quiet-credentials")
    upload = Upload.objects.get()
    assert upload.county == "SACRAMENTO"
    assert upload.created_by.username == "reviewer"
    assert no_enqueue == [upload.pk]

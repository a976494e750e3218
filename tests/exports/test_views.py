"""Batch pages: who may open them, county scoping, the build action, streamed audited downloads."""

from __future__ import annotations

import csv
import hashlib
import io
import re

import pytest
from django.urls import reverse

from clearrecord.accounts.models import Role
from clearrecord.audit.models import AuditEvent
from clearrecord.exports import services, writers
from clearrecord.exports.models import ExportBatch
from tests.conftest import HOME_COUNTY, OTHER_COUNTY, REQUEST_QUERIES

pytestmark = pytest.mark.django_db

ALLOWED = {Role.DA_SUPERVISOR, Role.COURT_CLERK}


@pytest.fixture
def written_batch(supervisor, ready) -> ExportBatch:
    ready(3)
    batch = services.batch_build(user=supervisor)
    writers.batch_write_files(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("county", [HOME_COUNTY, OTHER_COUNTY])
@pytest.mark.parametrize("kind", ["detail", "court", "challenges", "order", "gogen"])
def test_object_urls_by_role_and_county(client, make_user, written_batch, role, county, kind):
    client.force_login(make_user(role, county=county))
    if kind == "detail":
        url = reverse("exports:detail", args=[written_batch.pk])
    else:
        url = reverse("exports:download", args=[written_batch.pk, kind])
    expected = 403 if role not in ALLOWED else (200 if county == HOME_COUNTY else 404)
    assert client.get(url).status_code == expected


def test_anonymous_goes_to_sign_in(client, written_batch):
    response = client.get(reverse("exports:detail", args=[written_batch.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_list_shows_the_county_batches(client, clerk, written_batch, make_user, ready):
    ready(1, county=OTHER_COUNTY)
    services.batch_build(user=make_user(Role.DA_SUPERVISOR, county=OTHER_COUNTY))
    client.force_login(clerk)
    page = client.get(reverse("exports:list")).content.decode()
    assert f"#{written_batch.pk}" in page
    assert len(re.findall(r'href="/batches/\d+/"', page)) == 1
    assert "Build a batch" not in page  # only a supervisor builds


def test_list_empty_state(client, clerk):
    client.force_login(clerk)
    assert "No batches yet" in client.get(reverse("exports:list")).content.decode()


def test_list_queries_do_not_grow_with_batches(client, clerk, supervisor, ready,
                                               django_assert_num_queries):  # fmt: skip
    for _ in range(3):
        ready(1)
        services.batch_build(user=supervisor)
    client.force_login(clerk)
    client.get(reverse("exports:list"))  # warm the session
    with django_assert_num_queries(REQUEST_QUERIES + 2):  # count + page with built_by
        client.get(reverse("exports:list"))


def test_supervisor_builds_from_the_list(client, supervisor, ready):
    ready(2)
    client.force_login(supervisor)
    assert "2 convictions released" in client.get(reverse("exports:list")).content.decode()
    response = client.post(reverse("exports:build"))
    batch = ExportBatch.objects.get()
    assert response["Location"] == reverse("exports:detail", args=[batch.pk])
    assert batch.conviction_count == 2


def test_build_with_nothing_ready_says_so(client, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse("exports:build"), follow=True)
    assert "No conviction is ready for export" in response.content.decode()
    assert not ExportBatch.objects.exists()


@pytest.mark.parametrize("role", [Role.DA_REVIEWER, Role.PUBLIC_DEFENDER, Role.COURT_CLERK])
def test_other_roles_cannot_build(client, make_user, ready, role):
    ready(1)
    client.force_login(make_user(role))
    assert client.post(reverse("exports:build")).status_code == 403
    assert client.get(reverse("exports:build")).status_code in (403, 405)
    assert not ExportBatch.objects.exists()


def test_download_streams_the_file_and_is_audited(client, clerk, written_batch):
    client.force_login(clerk)
    response = client.get(reverse("exports:download", args=[written_batch.pk, "court"]))
    assert response.streaming  # FileResponse: read from disk in blocks, never held in memory
    body = b"".join(response.streaming_content).decode()
    assert len(list(csv.DictReader(io.StringIO(body)))) == 3
    assert f"court-{written_batch.pk}.csv" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="batch.downloaded")
    assert event.object_id == str(written_batch.pk)
    assert event.detail == {"file": "court"}
    assert event.actor_id == clerk.pk


def test_no_download_before_the_files_are_written(client, clerk, supervisor, ready):
    ready(1)
    batch = services.batch_build(user=supervisor)
    client.force_login(clerk)
    assert client.get(reverse("exports:download", args=[batch.pk, "order"])).status_code == 404
    assert (
        "Writing the files"
        in client.get(reverse("exports:detail", args=[batch.pk])).content.decode()
    )


def test_unknown_file_kind_is_404(client, clerk, written_batch):
    client.force_login(clerk)
    url = reverse("exports:download", args=[written_batch.pk, "secrets"])
    assert client.get(url).status_code == 404


def test_the_gogen_zip_downloads_streamed_and_audited_and_is_listed(client, clerk, written_batch):
    client.force_login(clerk)
    page = client.get(reverse("exports:detail", args=[written_batch.pk])).content.decode()
    assert reverse("exports:download", args=[written_batch.pk, "gogen"]) in page
    assert written_batch.gogen_zip_sha256 in page
    response = client.get(reverse("exports:download", args=[written_batch.pk, "gogen"]))
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert f"gogen-{written_batch.pk}.zip" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == written_batch.gogen_zip_sha256
    assert AuditEvent.objects.get(action="batch.downloaded").detail == {"file": "gogen"}

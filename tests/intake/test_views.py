"""Upload pages and API: access per role and county, forms, report, CSV, query counts, logs."""

from __future__ import annotations

import csv
import io
import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

from clearrecord.accounts.models import Role
from clearrecord.intake import pipeline
from clearrecord.intake.models import Status, Upload
from tests.conftest import HOME_COUNTY, OTHER_COUNTY
from tests.intake.builders import make_upload, synthetic_file

pytestmark = pytest.mark.django_db(transaction=True)

ALL_ROLES = [r.value for r in Role]
DA = {Role.DA_REVIEWER, Role.DA_SUPERVISOR}

#: url name -> role -> status for an upload of the user's own county
OBJECT_EXPECTED = {
    "intake:detail": {r: 200 if r in DA else 403 for r in ALL_ROLES},
    "intake:progress": {r: 200 if r in DA else 403 for r in ALL_ROLES},
    "intake:issues_csv": {r: 200 if r in DA else 403 for r in ALL_ROLES},
    "intake:reevaluate": {r: 200 if r == Role.DA_SUPERVISOR else 403 for r in ALL_ROLES},
    "intake_api:upload": {r: 200 if r in DA else 403 for r in ALL_ROLES},
}


@pytest.fixture
def published(prosecutor, tmp_path, no_enqueue) -> Upload:
    upload = make_upload(prosecutor, synthetic_file(tmp_path, rows=1500, malformed=0.03))
    assert pipeline.upload_process(upload_id=upload.pk) == "published"
    upload.refresh_from_db()
    return upload


def form_data(**extra):
    data = {
        "compute_at": "2026-07-01", "rule_set": "statutory", "prior_timing": "beforeConviction",
        "section_11357": "dismiss", "section_11358": "reduce", "section_11359": "reduce",
        "section_11360": "reduce", "subject_age_threshold": "0", "years_since_conviction": "0",
        "years_crime_free": "0", "individual_dismiss_age": "0", "years_conviction_free": "0",
    }  # fmt: skip
    data.update(extra)
    return data


def test_every_object_url_has_an_access_rule() -> None:
    from tests.accounts.test_access import OBJECT_URLS

    assert {n for n in OBJECT_URLS if n.startswith("intake")} == set(OBJECT_EXPECTED)


@pytest.mark.parametrize("name", sorted(OBJECT_EXPECTED))
def test_object_urls_by_role_county_and_anonymous(published, make_user, name) -> None:
    url = reverse(name, args=[published.pk])
    assert Client().get(url).status_code == (403 if name.startswith("intake_api") else 302)
    for role, status in OBJECT_EXPECTED[name].items():
        client = Client()
        client.force_login(make_user(role, county=HOME_COUNTY))
        assert client.get(url).status_code == status, role
        other = Client()
        other.force_login(make_user(role, county=OTHER_COUNTY))
        assert other.get(url).status_code in ({404} if status == 200 else {403, 404}), role


def test_upload_through_the_form_shows_the_upload(prosecutor, tmp_path, no_enqueue) -> None:
    client = Client()
    client.force_login(prosecutor)
    path = synthetic_file(tmp_path)
    with path.open("rb") as f:
        response = client.post(reverse("intake:new"), {**form_data(), "files": [f]})
    upload = Upload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:detail", args=[upload.pk])
    assert upload.county == HOME_COUNTY
    assert upload.options["baselineEligibility"]["dismiss"] == ["11357"]
    page = client.get(response["Location"]).content.decode()
    assert "Queued" in page
    assert "<progress" in page
    assert no_enqueue == [upload.pk]


def test_the_engines_exact_options_message_is_shown(prosecutor, tmp_path, no_enqueue) -> None:
    client = Client()
    client.force_login(prosecutor)
    with synthetic_file(tmp_path).open("rb") as f:
        response = client.post(
            reverse("intake:new"), {**form_data(subject_age_threshold="30"), "files": [f]}
        )
    assert response.status_code == 400
    assert "SubjectAgeThreshold should be between 40 and 65, or 0" in response.content.decode()
    assert Upload.objects.count() == 0


def test_a_duplicate_upload_is_refused_in_the_form(prosecutor, published, tmp_path) -> None:
    client = Client()
    client.force_login(prosecutor)
    path = synthetic_file(tmp_path, rows=1500, malformed=0.03)
    with path.open("rb") as f:
        response = client.post(reverse("intake:new"), {**form_data(), "files": [f]})
    assert response.status_code == 400
    assert f"upload #{published.pk}" in response.content.decode()


def test_a_pdf_is_refused_in_the_form_in_plain_words(prosecutor, tmp_path, no_enqueue) -> None:
    client = Client()
    client.force_login(prosecutor)
    path = tmp_path / "doj.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"x" * 100)
    with path.open("rb") as f:
        response = client.post(reverse("intake:new"), {**form_data(), "files": [f]})
    assert response.status_code == 400
    assert "looks like a PDF document" in response.content.decode()


def test_a_file_over_the_size_cap_is_refused(prosecutor, tmp_path, no_enqueue, settings) -> None:
    settings.CLEARRECORD_UPLOAD_MAX_BYTES = 10_000
    client = Client()
    client.force_login(prosecutor)
    with synthetic_file(tmp_path).open("rb") as f:
        response = client.post(reverse("intake:new"), {**form_data(), "files": [f]})
    assert response.status_code == 400
    assert "larger than the upload limit" in response.content.decode()
    assert Upload.objects.count() == 0


def test_the_report_shows_counts_issues_and_outcomes(prosecutor, published) -> None:
    client = Client()
    client.force_login(prosecutor)
    page = client.get(reverse("intake:detail", args=[published.pk])).content.decode()
    assert "Validation report" in page
    assert f"<dd>{published.quarantined}</dd>" in page
    assert f"<dd>{published.relevant_convictions}</dd>" in page
    assert "FIELD_COUNT" in page
    assert "Outcome summary" in page
    assert "Eligible for dismissal" in page


def test_the_row_issues_csv_is_complete_and_spreadsheet_safe(prosecutor, published) -> None:
    client = Client()
    client.force_login(prosecutor)
    response = client.get(reverse("intake:issues_csv", args=[published.pk]))
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len([r for r in rows if r["severity"] == "error"]) == published.quarantined
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@")), value


def test_the_list_is_scoped_to_the_county(prosecutor, outsider, published) -> None:
    client = Client()
    client.force_login(outsider)
    assert f"#{published.pk}" not in client.get(reverse("intake:list")).content.decode()
    client.force_login(prosecutor)
    assert f"#{published.pk}" in client.get(reverse("intake:list")).content.decode()


def test_the_empty_list_invites_an_upload(prosecutor) -> None:
    client = Client()
    client.force_login(prosecutor)
    page = client.get(reverse("intake:list")).content.decode()
    assert "No uploads yet" in page


def test_list_page_query_count_does_not_grow(
    prosecutor, tmp_path, no_enqueue, django_assert_num_queries
) -> None:
    for seed in range(3):
        make_upload(prosecutor, synthetic_file(tmp_path, seed=seed, rows=200))
    client = Client()
    client.force_login(prosecutor)
    client.get(reverse("intake:list"))
    # session, user, count, page of uploads (with their authors)
    with django_assert_num_queries(4):
        client.get(reverse("intake:list"))


def test_detail_page_query_count(prosecutor, published, django_assert_num_queries) -> None:
    client = Client()
    client.force_login(prosecutor)
    client.get(reverse("intake:detail", args=[published.pk]))
    # session, user, upload, files, current evaluation, issues by reason, evaluations
    with django_assert_num_queries(7):
        client.get(reverse("intake:detail", args=[published.pk]))


def test_api_upload_and_status(prosecutor, outsider, tmp_path, no_enqueue) -> None:
    client = Client()
    client.force_login(prosecutor)
    with synthetic_file(tmp_path).open("rb") as f:
        response = client.post(
            reverse("intake_api:uploads"),
            {"compute_at": "2026-07-01", "rule_set": "bear", "files": [f],
             "options": json.dumps({"baselineEligibility": {"dismiss": ["11357"]}})},
        )  # fmt: skip
    assert response.status_code == 201, response.content
    upload_id = response.json()["id"]
    assert response.json()["status"] == Status.QUEUED
    pipeline.upload_process(upload_id=upload_id)
    body = client.get(reverse("intake_api:upload", args=[upload_id])).json()
    assert body["status"] == "published"
    assert body["progress"]["percent"] == 100
    assert body["counts"]["relevant_convictions"] > 0
    other = Client()
    other.force_login(outsider)
    assert other.get(reverse("intake_api:upload", args=[upload_id])).status_code == 404


def test_api_refuses_bad_options_with_the_engines_message(prosecutor, tmp_path, no_enqueue) -> None:
    client = Client()
    client.force_login(prosecutor)
    with synthetic_file(tmp_path).open("rb") as f:
        response = client.post(
            reverse("intake_api:uploads"),
            {"compute_at": "2026-07-01", "rule_set": "bear", "files": [f]},
        )
    assert response.status_code == 400
    assert response.json()["detail"] == "Rule set bear needs eligibility options"


def test_no_record_contents_in_logs_task_arguments_or_errors(
    prosecutor, tmp_path, caplog, monkeypatch
) -> None:
    """Generate a file, process it end to end, then look for its names and CII numbers."""
    from clearrecord.intake import services

    sent: list[tuple] = []
    monkeypatch.setattr(services, "_enqueue", lambda *args, **kw: sent.append((args, kw)))
    caplog.set_level(logging.DEBUG)
    path = synthetic_file(tmp_path, rows=1500, malformed=0.03)
    upload = make_upload(prosecutor, path)
    pipeline.upload_process(upload_id=upload.pk)
    from clearrecord.audit.models import AuditEvent
    from clearrecord.cases.models import Subject

    secrets = set()
    for name, cii in Subject.objects.values_list("name", "cii"):
        secrets.update(part for part in name.replace(",", " ").split() if len(part) > 3)
        if cii:
            secrets.add(cii)
    assert len(secrets) > 50
    logged = (
        caplog.text + repr(sent) + repr(list(AuditEvent.objects.values_list("detail", flat=True)))
    )
    upload.refresh_from_db()
    logged += upload.error_message + upload.phase
    leaked = sorted(s for s in secrets if s in logged)
    assert leaked == []


def test_a_supervisor_queues_a_reevaluation_from_the_page(
    supervisor, prosecutor, published, monkeypatch
) -> None:
    from clearrecord.cases.models import Evaluation
    from clearrecord.intake import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.process_evaluation, "delay", sent.append)
    url = reverse("intake:reevaluate", args=[published.pk])
    reviewer = Client()
    reviewer.force_login(prosecutor)
    assert reviewer.post(url, form_data(rule_set="bear")).status_code == 403
    client = Client()
    client.force_login(supervisor)
    response = client.post(url, form_data(rule_set="bear"))
    assert response.status_code == 302
    queued = Evaluation.objects.get(upload=published, is_current=False)
    assert queued.rule_set == "bear"
    assert sent == [queued.pk]
    # a second request while the first is queued is refused in plain words
    again = client.post(url, form_data(rule_set="bear"))
    assert again.status_code == 400
    assert "already running" in again.content.decode()

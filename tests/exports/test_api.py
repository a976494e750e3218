"""The court exports API with Bearer tokens: batches, files, orders, the DOJ report."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse

from clearrecord.accounts.models import Role
from clearrecord.accounts.services import api_token_create
from clearrecord.audit.models import AuditEvent
from clearrecord.cases.models import Conviction
from clearrecord.exports import services, writers
from clearrecord.exports.models import ExportBatch, OrderLine
from clearrecord.review.models import Decision
from tests.conftest import OTHER_COUNTY

pytestmark = pytest.mark.django_db

ORDER = {"order_date": "2026-09-01", "judge": "Hon. A. Synthetic", "order_number": "ORD-3"}


def api(name: str, **kwargs) -> str:
    return reverse(f"exports_api:{name}", kwargs=kwargs)


def bearer_client(user) -> Client:
    _token, secret = api_token_create(user=user, name="tool")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def as_clerk(clerk) -> Client:
    return bearer_client(clerk)


@pytest.fixture
def written(supervisor, ready) -> ExportBatch:
    ready(3)
    batch = services.batch_build(user=supervisor)
    writers.batch_write_files(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def test_supervisor_builds_with_a_filter(supervisor, ready):
    ready(2, section="11357")
    ready(1, section="11359")
    response = bearer_client(supervisor).post(
        api("build"), {"section": "11359"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["conviction_count"] == 1
    assert response.json()["filters"] == {"section": "11359"}
    assert Conviction.objects.filter(review_state="exported").count() == 1


def test_build_with_nothing_ready_is_409(supervisor):
    response = bearer_client(supervisor).post(api("build"), {}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["error"] == "NothingToExport"


@pytest.mark.parametrize("role", [Role.COURT_CLERK, Role.DA_REVIEWER, Role.PUBLIC_DEFENDER])
def test_others_cannot_build(make_user, ready, role):
    ready(1)
    response = bearer_client(make_user(role)).post(api("build"), {}, "application/json")
    assert response.status_code == 403
    assert not ExportBatch.objects.exists()


def test_list_and_detail(as_clerk, written, make_user, ready):
    ready(1, county=OTHER_COUNTY)
    services.batch_build(user=make_user(Role.DA_SUPERVISOR, county=OTHER_COUNTY))
    listed = as_clerk.get(api("batch_list")).json()
    assert [b["id"] for b in listed["results"]] == [written.pk]  # the county's only
    detail = as_clerk.get(api("batch", batch_id=written.pk)).json()
    assert {f["kind"] for f in detail["files"]} == {"court", "challenges", "order"}
    assert detail["orders"] == {
        "ordered": 0,
        "waiting": 3,
        "granted": 0,
        "denied": 0,
        "modified": 0,
    }


def test_list_query_count_is_constant(as_clerk, supervisor, ready, django_assert_num_queries):
    for _ in range(3):
        ready(1)
        services.batch_build(user=supervisor)
    as_clerk.get(api("batch_list"))
    with django_assert_num_queries(1 + 2):  # token with its user, count + page with builders
        as_clerk.get(api("batch_list"))


def test_download_streams_and_is_audited(as_clerk, written):
    response = as_clerk.get(api("download", batch_id=written.pk, kind="court"))
    assert response.status_code == 200
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 3
    assert AuditEvent.objects.get(action="batch.downloaded").detail == {"file": "court"}
    assert as_clerk.get(api("download", batch_id=written.pk, kind="nope")).status_code == 404


def test_another_countys_batch_is_404(written, make_user):
    other = bearer_client(make_user(Role.COURT_CLERK, county=OTHER_COUNTY))
    assert other.get(api("batch", batch_id=written.pk)).status_code == 404
    assert other.get(api("download", batch_id=written.pk, kind="court")).status_code == 404
    response = other.post(
        api("order", batch_id=written.pk), {**ORDER, "outcome": "granted"}, "application/json"
    )
    assert response.status_code == 404
    assert not OrderLine.objects.exists()


def test_record_the_order_with_lines_then_report(as_clerk, written):
    ids = sorted(written.items.values_list("conviction_id", flat=True))
    body = {
        **ORDER, "outcome": "granted",
        "lines": [{"conviction_id": ids[0], "outcome": "modified", "note": "Reduced."}],
    }  # fmt: skip
    response = as_clerk.post(api("order", batch_id=written.pk), body, "application/json")
    assert response.status_code == 201, response.content
    assert response.json()["line_count"] == 3
    again = as_clerk.post(api("order", batch_id=written.pk), body, "application/json")
    assert again.status_code == 409
    assert again.json()["error"] == "NothingToOrder"

    report = as_clerk.get(api("doj_report")).json()
    assert report["count"] == 3
    rows = {r["conviction_id"]: r for r in report["results"]}
    assert set(rows) == set(ids)
    assert rows[ids[0]]["outcome"] == "modified"
    assert rows[ids[1]]["relief"] == "Dismiss and seal"
    marked = as_clerk.post(api("doj_mark"), {"conviction_ids": ids[:2]}, "application/json")
    assert marked.json() == {"marked": 2}
    assert [r["conviction_id"] for r in as_clerk.get(api("doj_report")).json()["results"]] == [
        ids[2]
    ]
    assert as_clerk.post(api("doj_mark"), {"all": True}, "application/json").json() == {"marked": 1}
    nothing = as_clerk.post(api("doj_mark"), {"all": True}, "application/json")
    assert nothing.status_code == 409


def test_order_errors_name_the_field(as_clerk, supervisor, ready):
    challenged = ready(1)[0]
    Decision.objects.create(
        conviction=challenged, action="release", from_state="challenged",
        to_state="ready_for_export", version=2, actor=supervisor,
    )  # fmt: skip
    Conviction.objects.filter(pk=challenged.pk).update(version=2)
    batch = services.batch_build(user=supervisor)
    url = api("order", batch_id=batch.pk)
    response = as_clerk.post(url, {**ORDER, "outcome": "granted"}, "application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "challenged_outcome"
    response = as_clerk.post(url, {**ORDER, "challenged_outcome": "denied"}, "application/json")
    assert response.status_code == 201


def test_mark_needs_a_choice(as_clerk):
    assert as_clerk.post(api("doj_mark"), {}, "application/json").status_code == 400


def test_doj_report_query_count(as_clerk, clerk, supervisor, ready, django_assert_num_queries):
    ready(25)
    batch = services.batch_build(user=supervisor)
    services.order_record(
        user=clerk, batch_id=batch.pk, outcome="granted", order_date=dt.date(2026, 9, 1),
        judge="J", order_number="1",
    )  # fmt: skip
    as_clerk.get(api("doj_report"))
    with django_assert_num_queries(1 + 2):  # token with its user, count + page
        assert len(as_clerk.get(api("doj_report")).json()["results"]) == 25


def test_anonymous_is_401(written):
    assert Client().get(api("batch_list")).status_code == 401
    assert Client().get(api("doj_report")).status_code == 401


def test_schema_documents_the_export_endpoints(as_clerk):
    text = as_clerk.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    body = text.content.decode()
    for path in (
        "/api/v1/batches/", "/api/v1/batches/build/", "/api/v1/batches/{batch_id}/",
        "/api/v1/batches/{batch_id}/files/{kind}/", "/api/v1/batches/{batch_id}/order/",
        "/api/v1/doj-report/", "/api/v1/doj-report/mark-reported/",
    ):  # fmt: skip
        assert path in body, path

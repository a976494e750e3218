"""De-identified statistics export: small-cell suppression, spreadsheet safety, audit."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from clearrecord.audit.models import AuditEvent
from clearrecord.reports import export
from clearrecord.reports.figures import figures_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, 0),
        (1, "<11"),
        (10, "<11"),
        (11, 11),
        (12345, 12345),
        (None, None),
        ("2001-01-01", "2001-01-01"),
    ],
)
def test_suppression_threshold(value, shown) -> None:
    assert export.suppress(value) == shown


STATS = {
    "county": "SACRAMENTO",
    "ruleSet": "statutory",
    "optionsDigest": "=1+1",
    "byOutcome": {"eligible_dismissal": 3, "not_eligible": 40},
    "byOutcomeAndReason": {"eligible_dismissal": {"=HYPERLINK(1)": 3}, "not_eligible": {"x": 40}},
    "prop64ConvictionsCountInCountyByCodeSection": {"11357": 10, "11358": 33},
    "reliefWithCurrentEligibilityChoices": {"CountSubjectsNoFelony": 0},
}


def test_csv_suppresses_small_cells_and_neutralises_formulas() -> None:
    rows = dict(csv.reader(io.StringIO("".join(export.export_csv_lines(STATS)))))
    assert rows["by_outcome.eligible_dismissal"] == "<11"
    assert rows["by_section.11357"] == "<11"
    assert rows["by_section.11358"] == "33"
    assert rows["relief.current.no_felony"] == "0"
    assert rows["county"] == "SACRAMENTO"
    assert rows["options_digest"] == "'=1+1"  # a formula-looking cell is neutralised


def test_exports_of_a_real_evaluation_hold_no_count_under_11(published, supervisor) -> None:
    client = Client()
    client.force_login(supervisor)
    evaluation = published.first
    response = client.get(reverse("reports:export_json", args=[evaluation.pk]))
    data = json.loads(response.content)
    figures = figures_of(evaluation.stats)
    small = [k for k, v in figures.items() if isinstance(v, int) and 0 < v < 11]
    assert small  # the synthetic file has small cells (e.g. rare reasons)
    for name in small:
        assert data["figures"][name] == "<11"
    assert all(not (isinstance(v, int) and 0 < v < 11) for v in data["figures"].values())
    big = next(k for k, v in figures.items() if isinstance(v, int) and v >= 11)
    assert data["figures"][big] == figures[big]

    response = client.get(reverse("reports:export_csv", args=[evaluation.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = dict(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    for name in small:
        assert rows[name] == "<11"
    events = AuditEvent.objects.filter(action="reports.statistics_exported")
    assert [e.detail["format"] for e in events.order_by("id")] == ["json", "csv"]
    assert all(e.detail == {"upload": published.upload.pk, "format": e.detail["format"]}
               for e in events)  # fmt: skip

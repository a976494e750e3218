"""The public impact report PDF: renders, holds the figures and no synthetic person's data."""

from __future__ import annotations

import shutil
import subprocess  # nosec B404 (test: pdftoppm/pdftotext on our own output)
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from clearrecord.audit.models import AuditEvent
from clearrecord.cases.models import Subject

pytestmark = pytest.mark.django_db(transaction=True)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_the_report_renders_and_has_no_personal_data(published, defender, tmp_path) -> None:
    client = Client()
    client.force_login(defender)
    response = client.get(reverse("reports:impact_report", args=[published.first.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)

    subprocess.run(  # nosec B603 B607 (fixed arguments)
        ["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages
    assert all(p.stat().st_size > 5000 for p in pages)  # something was drawn
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(pages[0], ARTIFACTS / "impact-report-page1.png")

    text = subprocess.run(  # nosec B603 B607 (fixed arguments)
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Impact report: Sacramento" in text
    stats = published.first.stats
    assert f"{stats['reliefWithCurrentEligibilityChoices']['CountSubjectsNoFelony']:,}" in text
    people = list(Subject.objects.filter(upload=published.upload).values_list("name", "cii"))
    assert len(people) > 50
    flat = " ".join(text.split()).upper()
    for name, cii in people:
        assert not name or name.upper() not in flat
        if "," in name:  # DOJ writes LAST,FIRST: nor "FIRST LAST"
            last, first = name.upper().split(",", 1)
            assert f"{first.strip()} {last.strip()}" not in flat
        assert not cii or cii not in text
    assert AuditEvent.objects.filter(action="reports.impact_report_downloaded").count() == 1

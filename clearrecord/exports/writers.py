"""The files of a batch: court CSV, challenges CSV, bulk motion and proposed order PDF, and the
gogen-compatible CSVs of the batch in a zip (`gogen.py`).

`batch_write_files` is run by the Celery task with the batch id. It writes each file to a
temporary name under ``VAR_DIR/exports/<batch id>/``, hashes it while writing, renames it into
place and records the SHA-256 on the batch, moving `progress` as it goes. Every CSV cell goes
through `eligibility.csvsafe` (no cell can be read as a formula by a spreadsheet).

Record contents never reach a log or an error message: a failure records only the exception's
class name on the batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from fpdf import FPDF

from clearrecord.accounts.counties import County
from eligibility import csvsafe

from . import gogen
from .models import BatchItem, BatchStatus, Disposition, ExportBatch

COURT_CSV = "court.csv"
CHALLENGES_CSV = "challenges.csv"
ORDER_PDF = "motion-and-order.pdf"
GOGEN_ZIP = "gogen.zip"
FILES = (COURT_CSV, CHALLENGES_CSV, ORDER_PDF, GOGEN_ZIP)
ROWS_PER_FETCH = 5000

#: remedy -> (relief as the court reads it, statute)
RELIEF: dict[str, tuple[str, str]] = {
    "dismiss_and_seal": ("Dismiss and seal", "H&S 11361.8(e)"),
    "redesignate": ("Reduce to misdemeanour", "H&S 11361.8(f)"),
    "recall_and_dismiss": ("Dismiss and seal", "H&S 11361.8(b)"),
    "recall_and_resentence": ("Resentence", "H&S 11361.8(b)"),
}
LEVELS = {"felony": "Felony", "misdemeanor": "Misdemeanour", "infraction": "Infraction"}
GROUNDS = {
    "does_not_meet_criteria": "Does not meet the criteria",
    "unreasonable_risk": "Unreasonable risk to public safety",
}

COURT_HEADER = (
    "batch_item",
    "name",
    "dob",
    "cii",
    "doj_subject_id",
    "court_case_numbers",
    "count",
    "code_section",
    "conviction_date",
    "level",
    "da_position",
    "relief",
    "remedy_statute",
    "determination_rule",
    "determination_reason",
)
CHALLENGE_HEADER = (
    "batch_item",
    "name",
    "dob",
    "cii",
    "doj_subject_id",
    "court_case_numbers",
    "count",
    "code_section",
    "conviction_date",
    "level",
    "ground",
    "note",
)


def batch_dir(batch_id: int) -> Path:
    return Path(settings.VAR_DIR) / "exports" / str(batch_id)


def batch_file(batch: ExportBatch, name: str) -> Path:
    if name not in FILES:
        raise ValueError("unknown batch file")
    return batch_dir(batch.pk) / name


def county_label(county: str) -> str:
    return str(dict(County.choices).get(county, county.title()))


def _rows(batch_id: int) -> Iterator[dict[str, Any]]:
    """The batch's convictions with what the files show, streamed from the database."""
    qs = (
        BatchItem.objects.filter(batch_id=batch_id)
        .order_by("conviction__subject__name", "conviction__date", "conviction_id")
        .values(
            "id",
            "disposition",
            "remedy",
            "ground",
            "note",
            "conviction_id",
            "conviction__subject__name",
            "conviction__subject__dob",
            "conviction__subject__cii",
            "conviction__subject__subject_id",
            "conviction__case_numbers",
            "conviction__court_case",
            "conviction__cnt_order",
            "conviction__code_section",
            "conviction__date",
            "conviction__level",
            "conviction__current_determination__remedy",
            "conviction__current_determination__remedy_citation",
            "conviction__current_determination__rule_id",
            "conviction__current_determination__reason",
        )
    )
    for row in qs.iterator(chunk_size=ROWS_PER_FETCH):
        remedy = row["remedy"] or row["conviction__current_determination__remedy"] or ""
        relief, statute = RELIEF.get(remedy, ("", ""))
        if not row["remedy"] and row["conviction__current_determination__remedy_citation"]:
            statute = row["conviction__current_determination__remedy_citation"]
        cases = row["conviction__case_numbers"] or [row["conviction__court_case"]]
        yield {
            "item": str(row["id"]),
            "disposition": row["disposition"],
            "name": row["conviction__subject__name"] or "",
            "dob": _date(row["conviction__subject__dob"]),
            "cii": row["conviction__subject__cii"] or "",
            "subject_id": row["conviction__subject__subject_id"] or "",
            "cases": "; ".join(c for c in cases if c),
            "count": row["conviction__cnt_order"] or "",
            "code_section": row["conviction__code_section"] or "",
            "date": _date(row["conviction__date"]),
            "level": LEVELS.get(row["conviction__level"], row["conviction__level"] or ""),
            "position": Disposition(row["disposition"]).label,
            "relief": relief,
            "statute": statute,
            "rule": row["conviction__current_determination__rule_id"] or "",
            "reason": row["conviction__current_determination__reason"] or "",
            "ground": GROUNDS.get(row["ground"], row["ground"]),
            "note": row["note"] or "",
        }


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


class _HashingWriter:
    """Writes bytes to a temporary file and hashes them; `commit` renames it into place."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + ".tmp")
        self.digest = hashlib.sha256()
        self.fh: IO[bytes] = open(self.tmp, "wb")  # noqa: SIM115 (closed in commit/abort)

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.fh.write(data)

    def commit(self) -> str:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.tmp, self.path)
        return self.digest.hexdigest()

    def abort(self) -> None:
        self.fh.close()
        self.tmp.unlink(missing_ok=True)


def _write(path: Path, chunks: Iterator[bytes]) -> str:
    out = _HashingWriter(path)
    try:
        for chunk in chunks:
            out.write(chunk)
    except BaseException:
        out.abort()
        raise
    return out.commit()


def _write_file(path: Path, make: Callable[[Path], None]) -> str:
    """Like `_write` for a file another module writes (a zip): made under a temporary name,
    synced, hashed, renamed into place."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        make(tmp)
        digest = hashlib.sha256()
        with open(tmp, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return digest.hexdigest()


def _csv_chunks(header: tuple[str, ...], lines: Iterator[list[str]]) -> Iterator[bytes]:
    buffer = [csvsafe.header_line(header)]
    for values in lines:
        buffer.append(csvsafe.line(values))
        if len(buffer) >= 2000:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    yield "".join(buffer).encode("utf-8")


#: Row keys of the person and the conviction that both CSVs start with (their headers' order).
_PERSON_AND_CONVICTION = (
    "item", "name", "dob", "cii", "subject_id", "cases", "count", "code_section", "date", "level",
)  # fmt: skip
COURT_KEYS = (*_PERSON_AND_CONVICTION, "position", "relief", "statute", "rule", "reason")
CHALLENGE_KEYS = (*_PERSON_AND_CONVICTION, "ground", "note")


def court_csv_lines(rows: list[dict[str, Any]]) -> Iterator[list[str]]:
    for r in rows:
        yield [r[key] for key in COURT_KEYS]


def challenge_csv_lines(rows: list[dict[str, Any]]) -> Iterator[list[str]]:
    for r in rows:
        if r["disposition"] == Disposition.CHALLENGED:
            yield [r[key] for key in CHALLENGE_KEYS]


# PDF ------------------------------------------------------------------------------------------
def _latin1(text: str) -> str:
    """fpdf2 core fonts are Latin-1: anything else becomes '?' rather than failing the batch."""
    return text.encode("latin-1", "replace").decode("latin-1")


#: replaced by the page count at the end; as wide as a six-digit count so the text never shifts
PAGES_ALIAS = "{pages}"


class _MotionPDF(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="portrait", unit="pt", format="Letter")
        self.doc_title = title
        self.set_margins(54, 54, 54)
        self.set_auto_page_break(auto=True, margin=54)
        self.set_title(title)
        self.set_creator("ClearRecord")

    def footer(self) -> None:
        self.set_y(-40)
        self.set_font("Helvetica", size=8)
        self.set_text_color(90)
        self.cell(0, 10, _latin1(self.doc_title), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 10, f"Page {self.page_no()} of {PAGES_ALIAS}", align="R")
        self.set_text_color(0)


MOTION_TEXT = (
    "TO THE HONORABLE PRESIDING JUDGE OF THE SUPERIOR COURT:",
    "Pursuant to Health and Safety Code section 11361.9, the Department of Justice has "
    "identified past convictions in this county that are potentially eligible for recall or "
    "dismissal of sentence, dismissal and sealing, or redesignation pursuant to Health and "
    "Safety Code section 11361.8. The District Attorney has reviewed every conviction listed "
    "in the attached schedule.",
    'For each conviction marked "Not challenged" or "Remedy modified", the District '
    "Attorney does not challenge the recall or dismissal of sentence, dismissal and sealing, "
    "or redesignation, and moves the Court to grant the relief stated in the schedule. For each "
    'conviction marked "Challenged", the District Attorney has notified the public defender '
    "and the defendant of the challenge and its ground, as section 11361.9, subdivision (b), "
    "requires; those convictions are listed for the Court's information only.",
    "The District Attorney respectfully requests that the Court issue the proposed order "
    "below and that the clerk report the Court's orders to the Department of Justice.",
)
ORDER_TEXT = (
    "Good cause appearing, IT IS ORDERED that, for each conviction listed in the schedule as "
    '"Not challenged" or "Remedy modified", the relief stated in the schedule is GRANTED '
    "pursuant to Health and Safety Code section 11361.8, unless the Court notes otherwise "
    "beside the conviction. The clerk shall notify the Department of Justice of this order "
    "pursuant to Health and Safety Code section 11361.9, subdivision (g)."
)
SCHEDULE_HEADER = ("#", "Name", "DOB", "Case no.", "Count", "Section", "Convicted", "Level",
                   "DA position", "Relief")  # fmt: skip
SCHEDULE_WIDTHS = (24, 150, 50, 70, 62, 55, 50, 58, 62, 0)


def _pdf_bytes(batch: ExportBatch, rows: list[dict[str, Any]]) -> bytes:
    county = county_label(batch.county)
    title = f"Bulk motion and proposed order - {county} County - batch {batch.pk}"
    pdf = _MotionPDF(_latin1(title))
    pdf.alias_nb_pages(PAGES_ALIAS)
    pdf.add_page()
    width = pdf.epw

    # Caption
    pdf.set_font("Times", "B", 13)
    pdf.cell(width, 18, _latin1(f"SUPERIOR COURT OF CALIFORNIA, COUNTY OF {county.upper()}"),
             align="C", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(10)
    pdf.set_font("Times", size=11)
    top = pdf.get_y()
    pdf.multi_cell(width / 2, 15, "THE PEOPLE OF THE STATE OF CALIFORNIA,\n\n"
                   "Plaintiff,\n\nv.\n\nTHE PERSONS LISTED IN SCHEDULE A,\n\nDefendants.",
                   border="RB", new_x="RIGHT", new_y="TOP")  # fmt: skip
    pdf.set_xy(pdf.l_margin + width / 2 + 12, top)
    pdf.set_font("Times", "B", 11)
    pdf.multi_cell(width / 2 - 12, 15,
                   _latin1(f"Batch no. {batch.pk}\n\nBULK MOTION AND PROPOSED ORDER FOR RECALL, "
                           "DISMISSAL, SEALING OR REDESIGNATION\n\n(Health & Safety Code, "
                           "sections 11361.8, 11361.9)"),
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_y(max(pdf.get_y(), top + 150) + 16)

    # Motion
    pdf.set_font("Times", "B", 12)
    pdf.cell(width, 16, "MOTION", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Times", size=11)
    for paragraph in MOTION_TEXT:
        pdf.multi_cell(width, 15, paragraph, align="J", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
    challenged = batch.challenged_count
    pdf.multi_cell(width, 15, f"Schedule A lists {batch.conviction_count} conviction(s): "
                   f"{batch.conviction_count - challenged} for which relief is requested and "
                   f"{challenged} challenged.", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(14)
    _signature(pdf, "District Attorney", f"County of {county}")

    # Proposed order
    pdf.ln(18)
    pdf.set_font("Times", "B", 12)
    pdf.cell(width, 16, "[PROPOSED] ORDER", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Times", size=11)
    pdf.multi_cell(width, 15, ORDER_TEXT, align="J", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(14)
    _signature(pdf, "Judge of the Superior Court", f"County of {county}")

    # Schedule
    pdf.add_page(orientation="landscape")
    pdf.set_font("Times", "B", 12)
    pdf.cell(0, 16, "SCHEDULE A - CONVICTIONS", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = list(SCHEDULE_WIDTHS)
    widths[-1] = pdf.epw - sum(widths[:-1])
    _schedule(pdf, widths, rows)
    return bytes(pdf.output())


ROW_HEIGHT = 11


class _Fitter:
    """Shortens values to their column with the font's own glyph widths (no layout engine).

    `FPDF.get_string_width` parses the text for shaping and markup on every call, which costs
    more than drawing the row; the core fonts' width tables give the same figure directly.
    """

    def __init__(self, pdf: FPDF) -> None:
        font = pdf.current_font
        self.widths: dict[str, int] | None = getattr(font, "cw", None)
        self.pdf = pdf
        self.scale = pdf.font_size_pt * 0.001 / pdf.k
        self.em = pdf.font_size

    def width(self, text: str) -> float:
        if self.widths is None:
            return float(self.pdf.get_string_width(text))
        cw = self.widths
        return sum(cw.get(c, 1000) for c in text) * self.scale

    def fit(self, text: str, width: float) -> str:
        """The text, shortened with an ellipsis if it would overflow its column."""
        if not text.isascii():
            text = _latin1(text)
        room = width - 4
        # No Helvetica glyph is wider than one em: a short value fits without measuring it.
        if len(text) * self.em <= room or self.width(text) <= room:
            return text
        while text and self.width(text + "...") > room:
            text = text[:-1]
        return text + "..."


def _schedule_header(pdf: FPDF, widths: list[float]) -> None:
    pdf.set_font("Helvetica", "B", 7.5)
    pdf.set_fill_color(225, 225, 225)
    for label, width in zip(SCHEDULE_HEADER, widths, strict=True):
        pdf.cell(width, ROW_HEIGHT + 2, label, border="B", fill=True)
    pdf.ln(ROW_HEIGHT + 2)
    pdf.set_font("Helvetica", size=7.5)
    pdf.text(pdf.l_margin, pdf.get_y(), "")  # selects the row font on this page's stream


def _schedule(pdf: FPDF, widths: list[float], rows: list[dict[str, Any]]) -> None:
    """The schedule as a table drawn row by row, its header repeated on every page.

    Not `FPDF.table` (it lays out every cell as a paragraph) nor one `FPDF.cell` per value
    (half a million calls for a 50k batch, each copying the graphics state): each row is one
    text object placing its values at the columns' precomputed offsets, plus its bottom rule,
    as `cell(..., border="B")` draws them. Long values are shortened to fit their column (the
    CSV carries them in full).
    """
    _schedule_header(pdf, widths)
    fitter = _Fitter(pdf)
    encode = pdf.current_font.encode_text
    k, page_height = pdf.k, pdf.h
    left = pdf.l_margin
    right = left + sum(widths)
    pad = pdf.c_margin
    baseline = 0.5 * ROW_HEIGHT + 0.3 * pdf.font_size
    steps = [f"{w * k:.2f} 0 Td" for w in widths[:-1]]
    line_width = f"{pdf.line_width * k:.2f} w"
    bottom = pdf.h - pdf.b_margin
    y = pdf.get_y()
    for n, r in enumerate(rows, 1):
        if y + ROW_HEIGHT > bottom:
            pdf.add_page(orientation="landscape")
            _schedule_header(pdf, widths)
            y = pdf.get_y()
        values = (
            str(n),
            r["name"],
            r["dob"],
            r["cases"],
            r["count"],
            r["code_section"],
            r["date"],
            r["level"],
            r["position"],
            "" if r["disposition"] == Disposition.CHALLENGED else r["relief"],
        )
        parts = [f"BT 0 g {(left + pad) * k:.2f} {(page_height - y - baseline) * k:.2f} Td"]
        for i, (value, width) in enumerate(zip(values, widths, strict=True)):
            if value:
                parts.append(encode(fitter.fit(value, width)))
            if i < len(steps):
                parts.append(steps[i])
        rule = (page_height - y - ROW_HEIGHT) * k
        parts.append(f"ET {line_width} {left * k:.2f} {rule:.2f} m {right * k:.2f} {rule:.2f} l S")
        # fpdf2 has no public call for a prebuilt content-stream fragment
        pdf._out(" ".join(parts))  # noqa: SLF001
        y += ROW_HEIGHT
    pdf.set_y(y)


def _signature(pdf: FPDF, role: str, county: str) -> None:
    pdf.set_font("Times", size=11)
    pdf.cell(pdf.epw / 2, 15, "Dated: ____________________")
    x = pdf.l_margin + pdf.epw / 2
    pdf.set_x(x)
    pdf.cell(pdf.epw / 2, 15, "______________________________________", new_x="LMARGIN",
             new_y="NEXT")  # fmt: skip
    pdf.set_x(x)
    pdf.cell(pdf.epw / 2, 14, role, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(x)
    pdf.cell(pdf.epw / 2, 14, _latin1(county), new_x="LMARGIN", new_y="NEXT")


# The task's body ------------------------------------------------------------------------------
def _progress(batch: ExportBatch, percent: int) -> None:
    ExportBatch.objects.filter(pk=batch.pk).update(progress=percent)


class _Clock:
    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[name] = now - self.last
        self.last = now


def batch_write_files(*, batch_id: int, timings: dict[str, float] | None = None) -> str:
    """Write the four files of a batch and record their checksums; idempotent per batch.

    1. A batch whose files are already written is left as it is (a retried task does nothing).
    2. The rows are read once, then the court CSV (to 40 %), the challenges CSV (to 50 %), the
       PDF (to 70 %) and the gogen zip (to 100 %) are written, each under a temporary name and
       renamed into place.
    3. A failure marks the batch failed with the exception's class name only.

    `timings`, when given, receives the seconds of each step (for the benchmark).
    """
    batch = ExportBatch.objects.get(pk=batch_id)
    if batch.status == BatchStatus.READY:
        return "already written"
    clock = _Clock(timings)
    try:
        directory = batch_dir(batch.pk)
        directory.mkdir(parents=True, exist_ok=True)
        rows = list(_rows(batch.pk))
        clock.lap("rows")
        _progress(batch, 10)
        court = _write(directory / COURT_CSV, _csv_chunks(COURT_HEADER, court_csv_lines(rows)))
        clock.lap(COURT_CSV)
        _progress(batch, 40)
        challenges = _write(
            directory / CHALLENGES_CSV, _csv_chunks(CHALLENGE_HEADER, challenge_csv_lines(rows))
        )
        clock.lap(CHALLENGES_CSV)
        _progress(batch, 50)
        pdf = _write(directory / ORDER_PDF, iter([_pdf_bytes(batch, rows)]))
        clock.lap(ORDER_PDF)
        del rows
        _progress(batch, 70)
        gogen_zip = _write_file(directory / GOGEN_ZIP, lambda tmp: gogen.write_zip(batch.pk, tmp))
        clock.lap(GOGEN_ZIP)
    except Exception as error:
        ExportBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, error_code=type(error).__name__[:64]
        )
        raise
    ExportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.READY,
        progress=100,
        court_csv_sha256=court,
        challenges_csv_sha256=challenges,
        order_pdf_sha256=pdf,
        gogen_zip_sha256=gogen_zip,
        files_written_at=timezone.now(),
        error_code="",
    )
    return "written"

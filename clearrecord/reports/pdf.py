"""The printable public impact report (fpdf2): county, dates, choices, figures, simple charts.

Built from `Evaluation.stats` only (aggregates of eligibility.stats), so it cannot hold a name,
a date of birth, a CII or any record content. It is meant for the public, so counts from 1 to
10 are shown as "<11" like the researchers' export, and their bars are not drawn (a bar's
length would give the count away). Core PDF fonts only (Latin-1 text; no embedded font files).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from fpdf import FPDF

from clearrecord.accounts.counties import County

from .export import suppress
from .figures import OUTCOMES, outcome_label, relief_rows

BLUE = (0, 114, 178)
ORANGE = (230, 159, 0)
INK = (27, 36, 48)
MUTED = (74, 85, 101)


def _shown(n: int) -> str:
    v = suppress(n)
    return v if isinstance(v, str) else f"{v:,}"


def _drawn(n: int) -> int:
    return 0 if isinstance(suppress(n), str) else n


def _choices(stats: Mapping[str, Any]) -> list[str]:
    options = stats.get("options", {}) or {}
    baseline = options.get("baselineEligibility", {})
    lines = [f"Rule set: {stats.get('ruleSet', '')} {stats.get('ruleSetVersion', '')}".strip()]
    for verb, key in (("Dismiss", "dismiss"), ("Reduce", "reduce")):
        sections = baseline.get(key) or []
        listed = ", ".join(f"HS {k}" for k in sections) if sections else "none"
        lines.append(f"{verb} all convictions under: {listed}")
    extra = [
        f"{k} = {v}"
        for k, v in sorted((options.get("additionalRelief") or {}).items())
        if v not in (0, False, None, "")
    ]
    lines.append("Additional relief: " + ("; ".join(extra) if extra else "none"))
    if options.get("priorTiming"):
        lines.append(f"Prior convictions counted: {options['priorTiming']}")
    return lines


class _Report(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 6, f"ClearRecord public impact report - page {self.page_no()}", align="C")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 13)
    pdf.set_text_color(*INK)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")


def _bars(pdf: FPDF, rows: Sequence[tuple[str, Sequence[int]]], colours: Sequence[tuple]) -> None:
    """Horizontal bars with labels and values; several values per row are drawn one under another."""
    largest = max((_drawn(v) for _, values in rows for v in values), default=0) or 1
    label_w, bar_w, h = 70, 85, 5
    pdf.set_font("Helvetica", size=9)
    for label, values in rows:
        y0 = pdf.get_y()
        pdf.set_text_color(*INK)
        pdf.set_xy(pdf.l_margin, y0)
        pdf.cell(label_w - 2, h, label[:44], align="R")
        for i, v in enumerate(values):
            y = y0 + i * (h + 1)
            width = bar_w * _drawn(v) / largest
            if width > 0:
                pdf.set_fill_color(*colours[i % len(colours)])
                pdf.rect(pdf.l_margin + label_w, y, width, h, style="F")
            pdf.set_xy(pdf.l_margin + label_w + width + 2, y)
            pdf.cell(20, h, _shown(v))
        pdf.set_y(y0 + len(values) * (h + 1) + 2)


def _table(pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    pdf.set_font("Helvetica", size=9)
    pdf.set_text_color(*INK)
    pdf.set_fill_color(255, 255, 255)  # the bars' colour must not fill the cells
    with pdf.table(text_align=("LEFT",) + ("RIGHT",) * (len(header) - 1)) as table:
        table.row(header)
        for r in rows:
            table.row(r)


def impact_report_pdf(*, stats: Mapping[str, Any], generated: dt.date) -> bytes:
    county_code = str(stats.get("county", ""))
    county = dict(County.choices).get(county_code, county_code.title())
    pdf = _Report(format="Letter")
    pdf.set_title(f"Proposition 64 relief: impact report, {county}")
    pdf.set_author("ClearRecord")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.set_text_color(*INK)
    pdf.cell(0, 10, "Proposition 64 conviction relief", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 7, f"Impact report: {county}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    pdf.set_text_color(*MUTED)
    earliest = (stats.get("earliestConviction") or "")[:10] or "none known"
    pdf.multi_cell(
        0, 5,
        f"Figures as of {stats.get('computeDate', '')}; report generated {generated.isoformat()}. "
        f"Earliest cannabis conviction considered: {earliest}. Counts from 1 to 10 are shown as "
        "\"<11\" to protect privacy. No personal information is included.",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip

    _heading(pdf, "The county's choices")
    pdf.set_font("Helvetica", size=10)
    pdf.set_text_color(*INK)
    for line in _choices(stats):
        pdf.multi_cell(0, 5, f"- {line}", new_x="LMARGIN", new_y="NEXT")

    relief = relief_rows(stats)
    _heading(pdf, "People who get relief")
    _table(
        pdf,
        ["Measure", "County's choices", "If every cannabis conviction were dismissed"],
        [[r["label"], _shown(r["current"]), _shown(r["dismiss_all"])] for r in relief]
        + [["People with some relief", _shown(int(stats.get("subjectsWithSomeReliefCount", 0))),
            ""]],
    )  # fmt: skip
    pdf.ln(2)
    short = {"no_felony": "No felony any more", "no_conviction": "No conviction at all",
             "no_conviction_last_7_years": "None in the last 7 years"}  # fmt: skip
    _bars(pdf, [(short[r["key"]], (r["current"], r["dismiss_all"])) for r in relief],
          (BLUE, ORANGE))  # fmt: skip
    pdf.set_font("Helvetica", size=8)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 4, "Blue: the county's choices. Orange: every cannabis conviction dismissed.",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip

    by_outcome = stats.get("byOutcome", {})
    outcomes = [o for o in OUTCOMES if o in by_outcome]
    _heading(pdf, "Convictions by outcome")
    _bars(pdf, [(outcome_label(o), (int(by_outcome[o]),)) for o in outcomes], (BLUE,))

    by_section = stats.get("prop64ConvictionsCountInCountyByCodeSection", {})
    by_os = stats.get("byOutcomeAndSection", {})
    _heading(pdf, "Convictions by code section")
    _table(
        pdf,
        ["Section", *(outcome_label(o) for o in outcomes), "Total"],
        [
            [f"HS {k}", *(_shown(int(by_os.get(o, {}).get(k, 0))) for o in outcomes),
             _shown(int(n))]
            for k, n in sorted(by_section.items())
        ],
    )  # fmt: skip
    _heading(pdf, "Felony and other convictions")
    _bars(
        pdf,
        [("Felony", (int(stats.get("prop64FelonyConvictionsCountInCounty", 0)),)),
         ("Misdemeanour or other", (int(stats.get("prop64NonFelonyConvictionsCountInCounty", 0)),))],
        (BLUE,),
    )  # fmt: skip
    return bytes(pdf.output())

"""Read what a page shows: `data-figure` values and the data table of each chart."""

from __future__ import annotations

import html
import re
from pathlib import Path

from clearrecord.cases.models import Evaluation
from clearrecord.intake.pipeline import default_lists
from eligibility import stats
from eligibility.doj.reader import Source, read_upload
from eligibility.rules import evaluate, validate_options


def engine_statistics(path: Path, evaluation: Evaluation) -> stats.Statistics:
    """The engine's own statistics for the file and the evaluation's rule set and options."""
    options = validate_options(evaluation.rule_set, evaluation.options)
    upload = read_upload([Source(name=path.name, path=path)], county=evaluation.upload.county)
    determinations = evaluate(
        upload.subjects, county=upload.county, compute_at=evaluation.compute_at,
        rule_set=evaluation.rule_set, options=options, lists=default_lists(),
    )  # fmt: skip
    return stats.compute(
        upload, determinations, compute_at=evaluation.compute_at,
        rule_set=evaluation.rule_set, options=options,
    )  # fmt: skip


def shown_figures(page: str) -> dict[str, str]:
    return {
        name: html.unescape(value).strip()
        for name, value in re.findall(r'data-figure="([^"]+)">([^<]*)<', page)
    }


def chart_tables(page: str) -> dict[str, dict[str, list[int]]]:
    """chart caption -> row label -> the numbers of its data table row."""
    out: dict[str, dict[str, list[int]]] = {}
    for block in page.split('<figure class="chart"')[1:]:
        caption = html.unescape(re.search(r'class="chart-caption">([^<]*)<', block).group(1))
        body = block.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in block else ""
        rows = {}
        for label, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', body, re.S):
            rows[html.unescape(label)] = [int(v) for v in re.findall(r"<td[^>]*>(\d+)</td>", cells)]
        out[caption] = rows
    return out

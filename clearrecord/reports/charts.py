"""Chart geometry for server-side SVG (templates `reports/_chart.html`): no script, no styles.

A chart is a list of rows; each row is a label and one or more segments (a stacked bar when
there are several). Geometry is computed here so the template only places rectangles and text;
colours come from the CSS classes ``seg-0`` … ``seg-5`` in static/css/reports.css.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

LABEL_WIDTH = 340
BAR_WIDTH = 480
VALUE_WIDTH = 90
ROW_HEIGHT = 28
BAR_HEIGHT = 18
TOP = 8


@dataclass(frozen=True)
class Segment:
    series: str
    value: int
    x: float
    y: float
    width: float
    css: str
    value_x: float  # where a grouped chart writes the segment's value
    text_y: float


@dataclass(frozen=True)
class Row:
    label: str
    total: int
    y: float
    text_y: float
    segments: list[Segment]
    value_x: float


@dataclass(frozen=True)
class Chart:
    slug: str  # used for element ids
    title: str
    description: str
    series: list[tuple[str, str]]  # (name, css class) for the legend and the table columns
    rows: list[Row] = field(default_factory=list)
    width: int = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height: int = 0
    bar_height: int = BAR_HEIGHT
    grouped: bool = False  # one bar per series side by side instead of a stack
    label_x: int = LABEL_WIDTH - 8

    @property
    def stacked(self) -> bool:
        return len(self.series) > 1

    @property
    def table(self) -> list[tuple[str, list[int], int]]:
        """(label, value per series, total) for the accessible data table."""
        names = [s for s, _ in self.series]
        return [
            (r.label, [next((s.value for s in r.segments if s.series == n), 0) for n in names],
             r.total)
            for r in self.rows
        ]  # fmt: skip


def stacked_chart(
    *,
    slug: str,
    title: str,
    description: str,
    series: Sequence[str],
    rows: Sequence[tuple[str, Mapping[str, int]]],
    grouped: bool = False,
) -> Chart:
    """Horizontal bars, one per row, stacked by `series` (or `grouped` side by side)."""
    css = {name: f"seg-{i % 6}" for i, name in enumerate(series)}
    if grouped:
        largest = max((v for _, values in rows for v in values.values()), default=0) or 1
        row_height = len(series) * (BAR_HEIGHT + 4) + 12
    else:
        largest = max((sum(values.values()) for _, values in rows), default=0) or 1
        row_height = ROW_HEIGHT
    out: list[Row] = []
    for i, (label, values) in enumerate(rows):
        y = TOP + i * row_height
        x = float(LABEL_WIDTH)
        segments = []
        for j, name in enumerate(series):
            value = int(values.get(name, 0))
            width = BAR_WIDTH * value / largest
            if grouped:
                sy = y + j * (BAR_HEIGHT + 4)
                segments.append(
                    Segment(name, value, x, sy, round(width, 2), css[name],
                            round(x + width + 6, 2), sy + BAR_HEIGHT / 2 + 5)
                )  # fmt: skip
                continue
            if value <= 0:
                continue
            segments.append(Segment(name, value, round(x, 2), y, round(width, 2), css[name], 0, 0))
            x += width
        total = sum(int(values.get(name, 0)) for name in series)
        text_y = y + (row_height - 12 if grouped else BAR_HEIGHT) / 2 + 5
        out.append(Row(label, total, y, text_y, segments, round(x + 6, 2)))
    return Chart(
        slug=slug,
        title=title,
        description=description,
        series=[(name, css[name]) for name in series],
        rows=out,
        height=TOP * 2 + max(len(rows), 1) * row_height,
        grouped=grouped,
    )


def bar_chart(
    *, slug: str, title: str, description: str, rows: Sequence[tuple[str, int]],
    series: str = "Count",
) -> Chart:  # fmt: skip
    return stacked_chart(
        slug=slug,
        title=title,
        description=description,
        series=[series],
        rows=[(label, {series: value}) for label, value in rows],
    )

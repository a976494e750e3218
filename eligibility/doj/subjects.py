"""From accepted rows to subjects, convictions and events (DOJ spec §4.1-§4.12).

Heavy lifting is columnar (polars over every accepted row, block by block as the file is read);
Python objects are built only for subjects with at least one conviction. Every choice depends on
row *content* and upload order (file number, physical line), never on set or hash order, so
results do not change between runs or with how rows are split into files (§4.2, rules §1).

1. `prepare_block` normalises one block of accepted rows (§4.1), reports the row warnings that
   need only the row itself (dates §4.12, CNT_ORDER §4.3, counties §4.11) and keeps a compact
   frame: identity columns for every row, charge/sentence columns only for conviction rows,
   registration rows and court-action rows.
2. `build_subjects` groups the compact rows of the whole upload: DOB and name (§4.2),
   convictions with their primary row, sentence parts, duplicates and conflicts (§4.4, §4.5),
   case numbers (§4.6), deceased (§4.9), PC 290 registrations (§4.10).

Choices where the spec is silent:

1. Display name and CII ignore blank values (a subject with a name on some rows is named).
2. UNKNOWN_CONVICTION_STATUS and NO_CODE_SECTION are reported once per conviction, on its
   primary row (the row whose values are the conviction's).
3. A conviction row with an invalid SENT_LENGTH reports INVALID_SENTENCE_LENGTH; an unknown unit
   is reported only when the length is a valid integer. Exact duplicates report only
   DUPLICATE_ROW.
4. A sentence so long that its end is after 9999-12-31 ends on 9999-12-31 (still serving).
5. `conviction_offense_differs` needs both texts to parse to a statute.
6. fe_court_case takes the conviction's own rows (primary and later rows of the same count).
7. Subject warnings point at rows: INVALID_DOB at the subject's first row, CONFLICTING_DOB at
   the first row with another valid DOB, DATE_BEFORE_DOB at the conviction's primary row.
8. CONFLICTING_COUNT compares the canonical code section (or, when none parses, the normalised
   charge text), the trimmed STP_EVENT_DATE and the level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import repeat
from typing import Any, Final

import polars as pl

from eligibility.doj.columns import COLUMNS
from eligibility.doj.counties import COUNTIES
from eligibility.doj.sections import SEE_COMMENT, parse_code_section, possible_other_prop64_charge
from eligibility.model import (
    CodeSection,
    Level,
    Registration,
    RowIssue,
    RowRef,
    SentencePart,
    Severity,
    Subject,
    new_conviction,
    new_row_ref,
    new_sentence_part,
    new_subject,
)

#: Column positions the model needs (DOJ §2 "key", "rule" and "flag" columns).
NEEDED: Final[dict[str, int]] = {
    name: COLUMNS.index(name)
    for name in (
        "SUBJECT_ID",
        "CII_NUMBER",
        "PRI_NAME",
        "PRI_DOB",
        "STP_EVENT_DATE",
        "STP_TYPE_DESCR",
        "STP_ORI_CNTY_NAME",
        "CNT_ORDER",
        "OFN",
        "OFFENSE_DESCR",
        "OFFENSE_TOC",
        "CONV_OFFENSE_DESCR",
        "FE_NUM_CRT_CASE",
        "DISP_DESCR",
        "CONV_STAT_DESCR",
        "SENT_LENGTH",
        "SENT_TIME_CODE",
        "COMMENT_TEXT",
    )
}

STEP_OTHER, STEP_COURT, STEP_DECEASED, STEP_REGISTRATION = 0, 1, 2, 3


def needed_columns() -> Sequence[int]:
    return sorted(NEEDED.values())


def _col(name: str) -> pl.Expr:
    return pl.col(f"c{NEEDED[name]}")


def _norm(expr: pl.Expr) -> pl.Expr:
    """DOJ §4.1: trim, upper-case, collapse internal whitespace runs."""
    return expr.str.replace_all(r"\s+", " ").str.strip_chars(" ").str.to_uppercase()


#: Columns whose normalised values only feed comparisons (step type, conviction test, level):
#: none of their strings is kept in the frames `prepare_block` returns.
_COMPARED_ONLY: Final[frozenset[str]] = frozenset(
    {"STP_TYPE_DESCR", "DISP_DESCR", "CONV_STAT_DESCR", "OFFENSE_TOC"}
)


def _with_normalised(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """Add `n<i>` = normalised `c<i>` (§4.1) for the named columns.

    Values repeat a lot (a subject's rows, step types, dispositions), so each distinct value is
    normalised once and mapped back, which is several times faster than normalising every row.
    The mapped column is a compact copy, whereas the block's own column shares the buffers of
    the whole block, so it is used as it is (no mapping) only when none of its values changes
    and its strings are not kept (`_COMPARED_ONLY`): keeping them would keep every block's text
    alive until the upload is built (R18, peak memory).
    """
    added: list[pl.Series] = []
    for name in names:
        column = frame.get_column(f"c{NEEDED[name]}")
        distinct = column.unique()
        normal = distinct.to_frame().select(_norm(pl.col(distinct.name))).to_series()
        if name not in _COMPARED_ONLY or not distinct.equals(normal):
            column = column.replace_strict(distinct, normal, return_dtype=pl.String)
        added.append(column.alias(f"n{NEEDED[name]}"))
    return frame.with_columns(added)


def _n(name: str) -> pl.Expr:
    return pl.col(f"n{NEEDED[name]}")


def _date(expr: pl.Expr) -> pl.Expr:
    """DOJ §4.12 `YYYYMMDD` (already trimmed) → Date, null when blank or invalid."""
    parsed = expr.str.strptime(pl.Date, "%Y%m%d", strict=False)
    ok = expr.str.contains(r"^[0-9]{8}$") & (parsed.dt.year() >= 1900)
    return pl.when(ok).then(parsed).otherwise(None)


@lru_cache(maxsize=1 << 16)
def _section(text: str, column: str) -> CodeSection | None:
    return parse_code_section(text, source_column=column)


@lru_cache(maxsize=1 << 16)
def _other(offense_raw: str, comment_raw: str) -> str:
    return possible_other_prop64_charge(offense_raw, comment_raw)


def _shared(
    column: pl.Series, convert: Callable[[Any], Any] | None = None, null: Any = None
) -> list[Any]:
    """The column as a Python list holding one object per distinct value (`null` for null).

    Converting each distinct value once is as fast as `to_list`, and equal dates and strings of
    hundreds of thousands of convictions then share one object (less memory, R18). `convert`
    turns each distinct value into the object wanted (e.g. a joined list into a tuple).
    """
    distinct = column.drop_nulls().unique(maintain_order=True)
    found = distinct.to_list()
    values = [*(found if convert is None else map(convert, found)), null]
    codes = column.replace_strict(
        distinct,
        pl.int_range(distinct.len(), eager=True, dtype=pl.UInt32),
        default=distinct.len(),
        return_dtype=pl.UInt32,
    )
    return [values[i] for i in codes.to_list()]


def _distinct_joined(rows: pl.DataFrame, keys: list[str], value: str, name: str) -> pl.DataFrame:
    """Per group of `keys`: the distinct `value`s in row order, joined with NUL, as `name`.

    Most groups hold one distinct value (its minimum equals its maximum), which needs no list
    per group; only the other groups are gathered (several times cheaper than a list
    aggregation over every group).
    """
    spread = rows.group_by(keys).agg(lo=pl.col(value).min(), hi=pl.col(value).max())
    single = spread.filter(pl.col("lo") == pl.col("hi")).select(*keys, pl.col("lo").alias(name))
    many = spread.filter(pl.col("lo") != pl.col("hi")).select(keys)
    if many.height == 0:
        return single
    gathered = (
        rows.join(many, on=keys, how="semi", maintain_order="left")
        .group_by(keys)
        .agg(pl.col(value).unique(maintain_order=True).str.join("\x00").alias(name))
    )
    return pl.concat([single, gathered.select(single.columns)])


def _offsets(rows: pl.DataFrame, key: str, name: str) -> pl.DataFrame:
    """Per `key` of `rows` (sorted by `key`): its rows' slice, `<name>_start`:`<name>_end`."""
    end = pl.col("len").cum_sum()
    return (
        rows.group_by(key, maintain_order=True)
        .len()
        .select(key, (end - pl.col("len")).alias(f"{name}_start"), end.alias(f"{name}_end"))
    )


def _conviction_fields(
    frame: pl.DataFrame,
    order: pl.Series,
    refs: list[RowRef],
    sections: list[CodeSection | None],
    all_parts: list[SentencePart],
    all_extras: list[RowRef],
) -> list[Iterable[Any]]:
    """The fields of the convictions of `frame` (`build_subjects`' primaries) in the row order
    `order`, one iterable each in the field order of model.Conviction, holding no reference to
    `frame`.

    `refs` are the conviction rows' references (by `cid`), `sections` the code sections (by
    `sidx`); a conviction's sentence parts and later rows are the slices
    `<parts|extras>_start`:`_end` of `all_parts` and `all_extras`.
    """

    def split(joined: str) -> tuple[str, ...]:
        return tuple(joined.split("\x00")) if joined else ()

    def listed(name: str) -> list[Any]:
        return frame.get_column(name).gather(order).to_list()

    def shared(name: str, convert: Callable[[Any], Any] | None = None, null: Any = None) -> Any:
        return _shared(frame.get_column(name).gather(order), convert, null)

    def slices(items: list[Any], name: str) -> Iterator[tuple[Any, ...]]:
        starts, ends = listed(f"{name}_start"), listed(f"{name}_end")
        return map(tuple, map(items.__getitem__, map(slice, starts, ends)))

    return [
        map(refs.__getitem__, listed("cid")),
        shared("cnt"),
        shared("cycle"),
        shared("court"),
        shared("date"),
        shared("level", Level),
        shared("county"),
        map(sections.__getitem__, listed("sidx")),
        shared("src"),
        slices(all_parts, "parts"),
        shared("end"),
        shared("case_numbers", split, ()),
        shared("fe", split, ()),
        listed("other"),
        listed("differs"),
        listed("conflict"),
        slices(all_extras, "extras"),
    ]


def _refs_or_none(files: list[int | None], lines: list[int | None]) -> list[RowRef | None]:
    return [
        None if f is None or ln is None else new_row_ref(f, ln)
        for f, ln in zip(files, lines, strict=True)
    ]


def _is_pc290(section: CodeSection | None) -> bool:
    if section is None or section.primary is None:
        return False
    number = section.primary.number
    return number == "290" or (number.startswith("290.") and number[4:].isdigit())


def _warn(frame: pl.DataFrame, code: str, field: str, detail: str) -> list[RowIssue]:
    return [
        RowIssue(f, ln, field, code, Severity.WARNING, detail)
        for f, ln in frame.select("file", "line").iter_rows()
    ]


def prepare_block(
    rows: pl.DataFrame, file: int
) -> tuple[pl.DataFrame, pl.DataFrame, list[RowIssue]]:
    """Normalise one block of accepted rows (`line`, `hash`, `c<i>`) of file `file`.

    Returns (people, events, row warnings): `people` has the identity columns of every row,
    `events` the charge and sentence columns of conviction, court-action and registration rows
    only (the expensive normalisations run on those rows only).
    """
    rows = _with_normalised(
        rows,
        (
            "SUBJECT_ID",
            "PRI_NAME",
            "CII_NUMBER",
            "STP_TYPE_DESCR",
            "STP_ORI_CNTY_NAME",
            "DISP_DESCR",
        ),
    )
    stype = _n("STP_TYPE_DESCR")
    step = (
        pl.when(stype == "COURT ACTION")
        .then(STEP_COURT)
        .when(stype == "DECEASED")
        .then(STEP_DECEASED)
        .when(stype == "REGISTRATION")
        .then(STEP_REGISTRATION)
        .otherwise(STEP_OTHER)
        .cast(pl.Int8)
    )
    date_raw = _col("STP_EVENT_DATE").str.strip_chars()
    wide = rows.with_columns(
        pl.lit(file, dtype=pl.Int32).alias("file"),
        sid=_n("SUBJECT_ID"),
        name=_n("PRI_NAME"),
        cii=_n("CII_NUMBER"),
        dob=_date(_col("PRI_DOB").str.strip_chars()),
        date_raw=date_raw,
        date=_date(date_raw),
        step=step,
        county=_n("STP_ORI_CNTY_NAME"),
        cnt=_col("CNT_ORDER").str.strip_chars(),
        conv=_n("DISP_DESCR").str.starts_with("CONVICTED"),
    )

    issues: list[RowIssue] = []
    issues += _warn(
        wide.filter(pl.col("date_raw") == ""),
        "MISSING_DATE",
        "STP_EVENT_DATE",
        "STP_EVENT_DATE is blank",
    )
    issues += _warn(
        wide.filter((pl.col("date_raw") != "") & pl.col("date").is_null()),
        "INVALID_DATE",
        "STP_EVENT_DATE",
        "STP_EVENT_DATE is not a valid YYYYMMDD date",
    )
    issues += _warn(
        wide.filter(~pl.col("cnt").str.contains(r"^[0-9]{12}$")),
        "INVALID_CNT_ORDER",
        "CNT_ORDER",
        "CNT_ORDER is not 12 digits",
    )
    known = pl.col("county").is_in(list(COUNTIES))
    issues += _warn(
        wide.filter((pl.col("county") != "") & ~known),
        "UNKNOWN_COUNTY",
        "STP_ORI_CNTY_NAME",
        "STP_ORI_CNTY_NAME is not one of the 58 California counties",
    )
    issues += _warn(
        wide.filter((pl.col("county") == "") & pl.col("conv")),
        "MISSING_COUNTY",
        "STP_ORI_CNTY_NAME",
        "STP_ORI_CNTY_NAME is blank on a conviction row",
    )
    people = wide.select("file", "line", "sid", "name", "cii", "dob", "step", "conv")

    ev = _with_normalised(
        wide.filter(pl.col("conv") | (pl.col("step") != STEP_OTHER)),
        (
            "OFFENSE_DESCR", "COMMENT_TEXT", "CONV_OFFENSE_DESCR", "CONV_STAT_DESCR",
            "OFFENSE_TOC", "SENT_LENGTH", "SENT_TIME_CODE",
        ),
    )  # fmt: skip
    off = _n("OFFENSE_DESCR")
    use_offense = (off != "") & (off != SEE_COMMENT)
    status = _n("CONV_STAT_DESCR")
    toc = _n("OFFENSE_TOC")
    level = (
        pl.when(status == "FELONY")
        .then(pl.lit("felony"))
        .when(status == "MISDEMEANOR")
        .then(pl.lit("misdemeanor"))
        .when(status == "INFRACTION")
        .then(pl.lit("infraction"))
        .when((status == "") & (toc == "F"))
        .then(pl.lit("felony"))
        .when((status == "") & (toc == "M"))
        .then(pl.lit("misdemeanor"))
        .when((status == "") & (toc == "I"))
        .then(pl.lit("infraction"))
        .otherwise(pl.lit("unknown"))
    )
    ev = ev.with_columns(
        src=pl.when(use_offense).then(off).otherwise(_n("COMMENT_TEXT")),
        from_comment=~use_offense,
        offense_raw=_col("OFFENSE_DESCR"),
        comment_raw=_col("COMMENT_TEXT"),
        conv_offense=_n("CONV_OFFENSE_DESCR"),
        fe_case=_col("FE_NUM_CRT_CASE").str.strip_chars(),
        level=level,
        slen=_n("SENT_LENGTH"),
        sunit=_n("SENT_TIME_CODE"),
        ofn=_col("OFN"),
    )

    # possible other Prop 64 charge (rules §3.4): only conviction rows whose comment mentions one
    candidates = ev.filter(
        pl.col("conv") & pl.col("comment_raw").str.contains(r"11357|11358|11359|11360")
    ).select("offense_raw", "comment_raw")
    other = pl.lit(None, dtype=pl.String)
    if candidates.height:
        pairs = candidates.unique(maintain_order=True)
        values = [_other(o, c) for o, c in pairs.iter_rows()]
        mapping = pairs.with_columns(other=pl.Series(values, dtype=pl.String))
        ev = ev.join(mapping, on=["offense_raw", "comment_raw"], how="left", maintain_order="left")
        other = pl.col("other")

    conv = pl.col("conv")
    court_row = pl.col("step") == STEP_COURT
    has_court = pl.col("cnt").str.len_chars() >= 6
    events = ev.select(
        "file",
        "line",
        "sid",
        "step",
        "conv",
        "date",
        "src",
        "from_comment",
        pl.when(conv).then(pl.col("hash")).alias("hash"),
        pl.when(conv).then(pl.col("date_raw")).alias("date_raw"),
        pl.when(conv).then(pl.col("cnt")).alias("cnt"),
        pl.when(has_court & (conv | court_row)).then(pl.col("cnt").str.slice(0, 6)).alias("court"),
        pl.when(conv & known).then(pl.col("county")).alias("county"),
        pl.when(court_row & (pl.col("ofn").str.strip_chars() != ""))
        .then(pl.col("ofn"))
        .alias("ofn"),
        pl.when(conv).then(other).alias("other"),
        pl.when(conv).then(pl.col("conv_offense")).alias("conv_offense"),
        pl.when(conv).then(pl.col("fe_case")).alias("fe_case"),
        pl.when(conv).then(pl.col("level")).alias("level"),
        pl.when(conv).then(pl.col("slen")).alias("slen"),
        pl.when(conv).then(pl.col("sunit")).alias("sunit"),
    )
    return people, events, issues


def _add_months_expr(date: pl.Expr, months: pl.Expr) -> pl.Expr:
    """DOJ §4.5 calendar months: a day missing in the target month becomes the next 1st."""
    shifted = date.dt.offset_by(pl.format("{}mo", months))
    clamped = shifted.dt.day() != date.dt.day()
    return pl.when(clamped).then(shifted + pl.duration(days=1)).otherwise(shifted)


def build_subjects(
    people_blocks: list[pl.DataFrame], event_blocks: list[pl.DataFrame]
) -> tuple[list[Subject], list[RowIssue], int, int]:
    """(subjects with a conviction, model issues, subjects total, convictions total).

    Takes the `prepare_block` frames of the whole upload in upload order and empties both
    lists, so that each frame is freed as soon as it is no longer needed (R18, peak memory).
    """
    issues: list[RowIssue] = []
    p = pl.concat(people_blocks, how="vertical_relaxed").with_columns(
        seq=pl.int_range(pl.len(), dtype=pl.Int64)
    )
    people_blocks.clear()
    events = pl.concat(event_blocks, how="vertical_relaxed")
    event_blocks.clear()
    subjects_total = p.get_column("sid").n_unique()
    conv_sids = events.filter(pl.col("conv")).get_column("sid").unique()
    rel = p.filter(pl.col("sid").is_in(conv_sids.implode()))
    del p

    firsts = rel.group_by("sid").agg(
        first=pl.col("seq").min(), file=pl.col("file").first(), line=pl.col("line").first()
    )
    dobs = (
        rel.filter(pl.col("dob").is_not_null())
        .group_by("sid", "dob")
        .agg(
            n=pl.len(),
            first=pl.col("seq").min(),
            f=pl.col("file").first(),
            l=pl.col("line").first(),
        )
        .sort(["sid", "n", "dob"], descending=[False, True, False])
        .with_columns(rank=pl.int_range(pl.len()).over("sid"))
    )
    dob_pick = dobs.filter(pl.col("rank") == 0).select("sid", "dob", dob_file="f", dob_line="l")
    dob_other = (
        dobs.filter(pl.col("rank") > 0)
        .sort("first")
        .group_by("sid", maintain_order=True)
        .agg(other_file=pl.col("f").first(), other_line=pl.col("l").first())
    )

    def most_frequent(rows: pl.DataFrame, column: str) -> pl.DataFrame:
        return (
            rows.filter(pl.col(column) != "")
            .group_by("sid", column)
            .agg(n=pl.len(), first=pl.col("seq").min())
            .sort(["sid", "n", "first"], descending=[False, True, False])
            .group_by("sid", maintain_order=True)
            .agg(pl.col(column).first())
        )

    deceased = (
        rel.filter(pl.col("step") == STEP_DECEASED)
        .group_by("sid")
        .agg(dec_file=pl.col("file").first(), dec_line=pl.col("line").first())
    )
    subj = (
        firsts.join(dob_pick, on="sid", how="left")
        .join(dob_other, on="sid", how="left")
        .join(most_frequent(rel, "name"), on="sid", how="left")
        .join(most_frequent(rel, "cii"), on="sid", how="left")
        .join(deceased, on="sid", how="left")
        .sort("first")
        .with_columns(rank=pl.int_range(pl.len(), dtype=pl.UInt32))
    )
    # each frame is dropped as soon as it is used up (R18, peak memory)
    del rel, firsts, dobs, dob_pick, dob_other, deceased

    # registrations (§4.10)
    regs: dict[str, list[Registration]] = {}
    for sid, f, ln, src, from_comment, date in (
        events.filter(pl.col("step") == STEP_REGISTRATION)
        .select("sid", "file", "line", "src", "from_comment", "date")
        .iter_rows()
    ):
        section = _section(src, "COMMENT_TEXT" if from_comment else "OFFENSE_DESCR")
        if _is_pc290(section):
            assert section is not None
            regs.setdefault(sid, []).append(Registration(RowRef(f, ln), date, section))

    # case numbers per court case (§4.6): raw OFN of COURT ACTION rows, distinct, upload order
    # joined with NUL, which no accepted field holds (R9), and split once per distinct list
    courts = _distinct_joined(
        events.filter(pl.col("ofn").is_not_null()), ["sid", "court"], "ofn", "case_numbers"
    )

    # convictions (§4.4): one per (subject, key) in upload order of the primary row
    conv_rows = events.filter(pl.col("conv"))
    del events
    # A count is (subject, CNT_ORDER) when the CNT_ORDER names a court case (its court column is
    # set exactly when CNT_ORDER has 6 characters or more), else the row alone. `cid`, the row
    # number of the count's first row, identifies the count: integer windows and group-bys are
    # an order of magnitude cheaper than ones over (subject, key) strings.
    conv = conv_rows.with_columns(r=pl.int_range(pl.len(), dtype=pl.Int64))
    conv = conv.with_columns(
        cid=pl.when(pl.col("court").is_not_null())
        .then(pl.col("r").min().over("sid", "cnt"))
        .otherwise(pl.col("r"))
    ).with_columns(
        first=pl.col("r") == pl.col("cid"),
        dup=~pl.struct("cid", "hash").is_first_distinct(),
    )
    sources = conv.select("src", "from_comment").unique(maintain_order=True)
    sections: list[CodeSection | None] = []
    canon: list[str] = []
    for src, from_comment in zip(
        sources.get_column("src").to_list(),
        sources.get_column("from_comment").to_list(),
        strict=True,
    ):
        section = _section(src, "COMMENT_TEXT" if from_comment else "OFFENSE_DESCR")
        sections.append(section)
        canon.append(section.canonical if section is not None else "\x00" + src)
    conv = conv.join(
        sources.with_columns(
            canon=pl.Series(canon, dtype=pl.String),
            sidx=pl.int_range(pl.len(), dtype=pl.Int32),
            has_section=pl.Series([x is not None for x in sections], dtype=pl.Boolean),
        ),
        on=["src", "from_comment"],
        how="left",
        maintain_order="left",
    )
    later = ~pl.col("first") & ~pl.col("dup")
    by_count = "cid"

    def of_first_row(column: str) -> pl.Expr:
        # `cid` is the row number of the count's first row: a gather, cheaper than a window
        return pl.col(column).gather(pl.col("cid"))

    conv = conv.with_columns(
        conflict_row=later
        & (
            (pl.col("canon") != of_first_row("canon"))
            | (pl.col("date_raw") != of_first_row("date_raw"))
            | (pl.col("level") != of_first_row("level"))
        ),
        sn=pl.when(~pl.col("dup") & pl.col("slen").str.contains(r"^[0-9]+$")).then(
            pl.col("slen").str.to_integer(strict=False)
        ),
    )
    part_ok = pl.col("sn").is_not_null() & pl.col("sunit").is_in(["D", "M", "Y"])
    conv = conv.with_columns(
        py=pl.when(part_ok & (pl.col("sunit") == "Y")).then(pl.col("sn")).otherwise(0),
        pm=pl.when(part_ok & (pl.col("sunit") == "M")).then(pl.col("sn")).otherwise(0),
        pd=pl.when(part_ok & (pl.col("sunit") == "D")).then(pl.col("sn")).otherwise(0),
        part=part_ok,
    )
    issues += _warn(
        conv.filter(pl.col("dup")),
        "DUPLICATE_ROW",
        "",
        "an exact duplicate of an earlier conviction row of the same count",
    )
    issues += _warn(
        conv.filter(pl.col("conflict_row")),
        "CONFLICTING_COUNT",
        "",
        "the same count has another code section, date or level on this row",
    )
    issues += _warn(
        conv.filter(~pl.col("dup") & (pl.col("slen") != "") & pl.col("sn").is_null()),
        "INVALID_SENTENCE_LENGTH",
        "SENT_LENGTH",
        "SENT_LENGTH is not a whole number",
    )
    issues += _warn(
        conv.filter(pl.col("sn").is_not_null() & ~pl.col("part")),
        "UNKNOWN_SENTENCE_UNIT",
        "SENT_TIME_CODE",
        "SENT_TIME_CODE is not D, M or Y",
    )

    totals = conv.group_by(by_count).agg(
        y=pl.col("py").sum(),
        m=pl.col("pm").sum(),
        d=pl.col("pd").sum(),
        conflict=pl.col("conflict_row").any(),
    )
    fe_rows = conv.select("cid", "fe_case").filter(
        (pl.col("fe_case") != "") & (pl.col("fe_case").str.to_uppercase() != "NULL")
    )
    totals = totals.join(
        _distinct_joined(fe_rows, ["cid"], "fe_case", "fe"), on="cid", how="left"
    ).with_columns(pl.col("fe").fill_null(""))
    # one RowRef per conviction row, shared by the conviction, its parts and its later rows
    refs = list(
        map(new_row_ref, conv.get_column("file").to_list(), conv.get_column("line").to_list())
    )
    # Sentence parts and later rows of every count, each list built in one `map` pass in (count,
    # row) order, so that those of one count are a slice of it; `_offsets` finds the slices.
    part_rows = conv.filter(pl.col("part")).select("cid", "r", "py", "pm", "pd")
    part_rows = part_rows.sort("cid", maintain_order=True)
    all_parts = list(
        map(
            new_sentence_part,
            map(refs.__getitem__, part_rows.get_column("r").to_list()),
            part_rows.get_column("py").to_list(),
            part_rows.get_column("pm").to_list(),
            part_rows.get_column("pd").to_list(),
        )
    )
    extra_rows = conv.filter(~pl.col("first")).select("cid", "r").sort("cid", maintain_order=True)
    all_extras = list(map(refs.__getitem__, extra_rows.get_column("r").to_list()))
    totals = totals.join(_offsets(part_rows, "cid", "parts"), on="cid", how="left").join(
        _offsets(extra_rows, "cid", "extras"), on="cid", how="left"
    )

    months = pl.col("y") * 12 + pl.col("m")
    first_rows = conv.filter(pl.col("first"))
    del conv, conv_rows
    primaries = (
        first_rows.join(totals, on=by_count, how="left", maintain_order="left")
        .join(courts, on=["sid", "court"], how="left", maintain_order="left")
        .join(
            subj.select("sid", "rank", subject_dob="dob"),
            on="sid",
            how="left",
            maintain_order="left",
        )
        .with_columns(
            end=_add_months_expr(pl.col("date"), months.clip(0, 120_000))
            + pl.duration(days=pl.col("d").clip(0, 4_000_000))
        )
        .with_columns(
            end=pl.when(
                (months > 120_000) | (pl.col("d") > 4_000_000) | (pl.col("end").dt.year() > 9999)
            )
            .then(pl.lit(dt.date.max))
            .otherwise(pl.col("end"))
        )
    )
    del first_rows, totals, courts, fe_rows, part_rows, extra_rows
    issues += _warn(
        primaries.filter(pl.col("level") == "unknown"),
        "UNKNOWN_CONVICTION_STATUS",
        "CONV_STAT_DESCR",
        "the conviction's level is not FELONY, MISDEMEANOR or INFRACTION",
    )
    issues += _warn(
        primaries.filter(pl.col("date") < pl.col("subject_dob")),
        "DATE_BEFORE_DOB",
        "STP_EVENT_DATE",
        "the conviction is dated before the subject's date of birth",
    )

    issues += [
        RowIssue(
            f, ln, "COMMENT_TEXT" if from_comment else "OFFENSE_DESCR", "NO_CODE_SECTION",
            Severity.WARNING, "no code section could be read from the charge text",
        )
        for f, ln, from_comment in primaries.filter(~pl.col("has_section"))
        .select("file", "line", "from_comment")
        .iter_rows()
    ]  # fmt: skip

    @lru_cache(maxsize=1 << 14)
    def differs(sidx: int, conv_offense: str) -> bool:
        """CONV_OFFENSE_DESCR names another primary statute than the code section (§4.8)."""
        section = sections[sidx]
        other = _section(conv_offense, "CONV_OFFENSE_DESCR")
        if section is None or other is None or section.primary is None or other.primary is None:
            return False
        return other.primary.number != section.primary.number

    frame = primaries.select(
        "sid", "cid", "cnt", pl.col("court").str.slice(0, 3).alias("cycle"), "court", "date",
        "level", "county", "sidx", "src", pl.col("other").fill_null(""),
        pl.when(pl.col("date").is_not_null()).then(pl.col("end")).alias("end"),
        "case_numbers", "fe", pl.col("conflict").fill_null(False), "conv_offense",
        pl.col("parts_start", "parts_end", "extras_start", "extras_end").fill_null(0), "rank",
    )  # fmt: skip
    del primaries
    # conviction_offense_differs once per distinct (code section, CONV_OFFENSE_DESCR) pair
    pairs = frame.select("sidx", "conv_offense").unique()
    flags = [bool(co) and differs(sidx, co) for sidx, co in pairs.iter_rows()]
    frame = frame.join(
        pairs.with_columns(differs=pl.Series(flags, dtype=pl.Boolean)),
        on=["sidx", "conv_offense"],
        how="left",
        maintain_order="left",
        nulls_equal=True,
    ).drop("conv_offense")
    n_convictions = frame.height

    # The convictions are built in subject order (upload order within a subject), so that a
    # subject's convictions are a slice of the list of all convictions. Each column is gathered
    # in that order as it is converted: a sorted copy of the whole frame would raise the peak.
    order = frame.select(pl.arg_sort_by("rank", maintain_order=True)).to_series()
    conviction_offsets = _offsets(frame.select(pl.col("rank").sort()), "rank", "convictions")
    fields = _conviction_fields(frame, order, refs, sections, all_parts, all_extras)
    del frame, order  # before the convictions are built (R18, peak memory)
    # positional, in one pass
    all_convictions = list(map(new_conviction, *fields))
    del fields, refs, all_parts, all_extras

    subj = subj.join(conviction_offsets, on="rank", how="left", maintain_order="left")
    for f, ln, dob, other_file, other_line in (
        subj.filter(pl.col("dob").is_null() | pl.col("other_file").is_not_null())
        .select("file", "line", "dob", "other_file", "other_line")
        .iter_rows()
    ):
        if dob is None:
            issues.append(
                RowIssue(
                    f, ln, "PRI_DOB", "INVALID_DOB", Severity.WARNING,
                    "the subject has no valid date of birth",
                )
            )  # fmt: skip
        else:
            issues.append(
                RowIssue(
                    other_file, other_line, "PRI_DOB", "CONFLICTING_DOB", Severity.WARNING,
                    "the subject has more than one valid date of birth",
                )
            )  # fmt: skip

    def column(name: str) -> list[Any]:
        return subj.get_column(name).to_list()

    sids = column("sid")
    # positional, in one pass: the field order of model.Subject
    subjects = list(
        map(
            new_subject,
            sids,
            subj.get_column("name").fill_null("").to_list(),
            subj.get_column("cii").fill_null("").to_list(),
            column("dob"),
            _refs_or_none(column("dob_file"), column("dob_line")),
            subj.get_column("other_file").is_not_null().to_list(),
            map(
                tuple,
                map(
                    all_convictions.__getitem__,
                    map(slice, column("convictions_start"), column("convictions_end")),
                ),
            ),
            map(tuple, map(regs.get, sids, repeat(()))),
            _refs_or_none(column("dec_file"), column("dec_line")),
            map(new_row_ref, column("file"), column("line")),
        )
    )
    return subjects, issues, subjects_total, n_convictions

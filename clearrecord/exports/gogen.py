"""The gogen-compatible CSVs of a batch, in one zip file (issue #6, shared/spec §9).

Counties used to the prior tool's files get, for the batch's people only, the same bundle files
the engine's command line writes: ``All_Results{i}.csv``, ``All_Results_Condensed{i}.csv``,
``Prop64_Results{i}.csv`` and ``gogen.json``. Nothing here formats a row: the bundle is written
by `eligibility.export.write_bundle`, exactly as for the command line.

How, per upload of the batch's convictions:

1. The people's raw DOJ rows are read through `clearrecord.cases.raw` and written back, in the
   DOJ research-file format, to temporary files (one per file of the upload) beside the batch
   directory, remembering each row's original line.
2. The engine reads those files with the upload's current evaluation (rule set, options,
   compute date): subject-wide columns (counts, superstrikes, PC 290, years since any
   conviction) need the person's whole record, which only the engine's model knows.
3. Only the determinations of the batch's convictions are kept, with the compatible
   determination and reason stored for them (what the reviewers saw), and the summary is
   counted over those; then the bundle is written and its CSVs and summary are zipped.

Row order: people in the order of their first batch conviction in the upload, each person's
rows in file order -- the upload's file order whenever a person's rows are contiguous, as in
DOJ's extracts. A batch with convictions of several uploads gets one folder per upload.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from django.db.models import F, Max, Min

from clearrecord.cases.models import Conviction, Evaluation
from clearrecord.cases.raw import raw_lines_of_many
from clearrecord.intake.models import UploadFile
from eligibility import api, stats
from eligibility import export as bundle
from eligibility.doj import Source
from eligibility.doj.columns import COLUMNS
from eligibility.rules import validate_options

#: bundle files that go into the zip (the ClearRecord_* files stay with the command line)
ZIPPED_PREFIXES = ("All_Results", "Prop64_Results", "gogen.json")
_SPECIAL = frozenset(',"\r\n')


def _doj_line(values: list[str]) -> str:
    """One research-file record; a field is quoted only when the CSV needs it."""
    joined = ",".join(values)
    # the commas of the join only: no value needs quotes (the common case, one check a row)
    if joined.count(",") == len(values) - 1 and _SPECIAL.isdisjoint(joined.replace(",", "")):
        return joined + "\n"
    return ",".join(_field(v) for v in values) + "\n"


def _field(value: str) -> str:
    if _SPECIAL.isdisjoint(value):
        return value
    return '"' + value.replace('"', '""') + '"'


def _write_sources(
    folder: Path, upload_id: int, subject_ids: Iterable[str], files: int
) -> tuple[list[Source], list[dict[int, int]]]:
    """Step 1: the people's rows as research files; per file, physical line -> original line.

    A quoted value may hold a line break, so a record's line is counted, not assumed.
    """
    handles: list[IO[str]] = []
    sources: list[Source] = []
    original: list[dict[int, int]] = []
    next_line = [2] * files  # after the header
    header = ",".join(COLUMNS) + "\n"
    for number in range(1, files + 1):
        path = folder / f"rows_{number}.csv"
        handle = path.open("w", encoding="utf-8", newline="")
        handle.write(header)
        handles.append(handle)
        sources.append(Source(name=path.name, path=path))
        original.append({})
    try:
        for raw in raw_lines_of_many(upload_id=upload_id, subject_ids=subject_ids):
            i = raw.file_number - 1
            record = _doj_line(raw.values)
            handles[i].write(record)
            original[i][next_line[i]] = raw.line
            next_line[i] += record.count("\n")
    finally:
        for handle in handles:
            handle.close()
    return sources, original


def _upload_bundle(batch_id: int, upload_id: int, folder: Path) -> list[Path]:
    """Steps 1-3 for the batch's convictions of one upload; returns the files to zip."""
    convictions = Conviction.objects.filter(batch_item__batch_id=batch_id, upload_id=upload_id)
    people = (
        convictions.values("subject__subject_id")
        .annotate(first=Min(F("file_number") * 10**12 + F("line")))
        .order_by("first", "subject__subject_id")
        .values_list("subject__subject_id", flat=True)
    )
    stored = {
        (file_number, line): (compat, reason)
        for file_number, line, compat, reason in convictions.values_list(
            "file_number",
            "line",
            "current_determination__compat_determination",
            "current_determination__compat_reason",
        ).iterator(chunk_size=5000)
    }
    evaluation = Evaluation.objects.get(upload_id=upload_id, is_current=True)
    files = max(
        UploadFile.objects.filter(upload_id=upload_id).count(),
        convictions.aggregate(n=Max("file_number"))["n"] or 1,
    )
    sources, original = _write_sources(folder, upload_id, list(people), files)
    out = folder / "bundle"
    out.mkdir()
    # The engine rejects a file without data rows: it reads the non-empty ones only, and the
    # row files are named after the upload's own file numbers afterwards.
    used = [n for n in range(1, files + 1) if original[n - 1]]
    written: list[Path] = []
    for number in range(1, files + 1):
        if number not in used:
            written += bundle.write_row_file_headers(out, number, files)
    if used:
        written += _engine_bundle(
            evaluation,
            [sources[n - 1] for n in used],
            [original[n - 1] for n in used],
            stored,
            folder / "engine",
        )
        for path in list(written):
            match = _ROW_FILE.match(path.name)
            if match and path.parent.name == "engine":
                position = int(match["number"] or 1)
                target = out / f"{match['stem']}{bundle.file_suffix(used[position - 1], files)}.csv"
                path.rename(target)
                written[written.index(path)] = target
    return [p for p in written if p.name.startswith(ZIPPED_PREFIXES)]


_ROW_FILE = re.compile(
    r"^(?P<stem>All_Results_Condensed|All_Results|Prop64_Results)(?:_(?P<number>\d+))?\.csv$"
)


def _engine_bundle(
    evaluation: Evaluation,
    sources: list[Source],
    original: list[dict[int, int]],
    stored: dict[tuple[int, int], tuple[str, str]],
    out: Path,
) -> list[Path]:
    """Steps 2-3: run the engine over `sources`, keep the batch's convictions, write the bundle.

    `original[i]` maps the lines of `sources[i]` to the upload's; `stored` is keyed by the
    upload's (file, line) of each batch conviction's primary row.
    """
    options = validate_options(evaluation.rule_set, evaluation.options)
    result = api.run(
        sources,
        county=evaluation.upload.county,
        compute_at=evaluation.compute_at,
        rule_set=evaluation.rule_set,
        options=options,
        facts=True,  # the bundle's subject-wide columns, from the rules' own histories
    )
    numbers = {i + 1: int(s.name.removeprefix("rows_").removesuffix(".csv")) for i, s in
               enumerate(sources)}  # fmt: skip
    kept = []
    for d in result.determinations:
        ref = d.conviction_ref
        found = stored.get((numbers[ref.file], original[ref.file - 1].get(ref.line, 0)))
        if found is None:
            continue
        compat, reason = found
        if compat or reason:
            d = dataclasses.replace(d, compat_determination=compat, compat_reason=reason)
        kept.append(d)
    statistics = stats.compute(
        result.upload,
        kept,
        compute_at=result.compute_at,
        rule_set=result.rule_set,
        options=result.options,
    )
    narrowed = dataclasses.replace(result, determinations=tuple(kept), statistics=statistics)
    del result
    return bundle.write_bundle(narrowed, None, out)


def write_zip(batch_id: int, path: Path) -> None:
    """The batch's gogen zip at `path` (the caller hashes it and renames it into place)."""
    uploads = list(
        Conviction.objects.filter(batch_item__batch_id=batch_id)
        .order_by("upload_id")
        .values_list("upload_id", flat=True)
        .distinct()
    )
    with (
        tempfile.TemporaryDirectory(dir=path.parent, prefix=".gogen-") as work,
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive,
    ):
        for upload_id in uploads:
            folder = Path(work) / str(upload_id)
            folder.mkdir()
            prefix = f"upload-{upload_id}/" if len(uploads) > 1 else ""
            for file in _upload_bundle(batch_id, upload_id, folder):
                archive.write(file, prefix + file.name)

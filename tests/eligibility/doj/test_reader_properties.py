"""Property: whatever bytes arrive, the reader returns an Upload or raises its FileRejected (R11).

It never crashes with another exception and never puts row contents into a message (R16).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility.doj import FileRejected, Source, iter_records, read_upload
from eligibility.doj.columns import COLUMNS
from tests.eligibility.builders import csv_line, row

SECRET = "QQSECRETQQ"
GOOD = csv_line(
    row(
        SUBJECT_ID="1",
        PRI_NAME=f"{SECRET},A",
        PRI_DOB="19700101",
        STP_EVENT_DATE="20100101",
        CNT_ORDER="101002001000",
        OFFENSE_DESCR="11357 HS",
    )
).encode()

FRAGMENTS = st.sampled_from(
    [
        GOOD + b"\n",
        GOOD + b"\r\n",
        GOOD + b",\n",
        ",".join(COLUMNS).encode() + b"\n",
        b'"',
        b",",
        b"\n",
        b"\r",
        b"\x00",
        b"\x1a",
        b"\xd1",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        f'"{SECRET}\n'.encode(),
        SECRET.encode(),
        b"RECORD_ID,",
        b"3/14/1960",
        b"  ",
    ]
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FRAGMENTS, max_size=40), st.binary(max_size=64))
def test_reader_only_raises_file_rejected(parts: list[bytes], noise: bytes) -> None:
    content = b"".join(parts) + noise
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        path.write_bytes(content)
        sources = [Source("x.csv", path)]
        try:
            upload = read_upload(sources, county="LOS ANGELES")
        except FileRejected as exc:
            rejection: FileRejected | None = exc
        else:
            rejection = None
        if rejection is not None:
            assert SECRET not in rejection.message
            assert rejection.code
            return
        for issue in upload.issues:
            assert SECRET not in issue.detail
        rows = sum(frame.height for frame in iter_records(sources))
        assert rows == upload.data_rows

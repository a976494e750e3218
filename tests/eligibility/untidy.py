"""An untidy synthetic research file: every kind of line the row files must handle. No real data."""

from __future__ import annotations

from eligibility.doj.columns import COLUMNS, INDEX
from tests.eligibility.builders import csv_line, row

_CONVICTED = {"CONV_STAT_DESCR": "FELONY", "STP_EVENT_DATE": "20150914"}


def _line(**fields: str) -> bytes:
    return csv_line(row(**{"SUBJECT_ID": "70000001", **_CONVICTED, **fields})).encode()


def _raw(cells: dict[str, str], **fields: str) -> bytes:
    """A line whose `cells` are written exactly as given (already CSV text)."""
    values = [csv_line([v]) for v in row(**{"SUBJECT_ID": "70000002", **_CONVICTED, **fields})]
    for name, text in cells.items():
        values[INDEX[name]] = text
    return ",".join(values).encode()


#: (what the line shows, its bytes): in file order after the header, one physical line each
#: except the multi-line record.
LINES: list[tuple[str, bytes]] = [
    ("canonical", _line(PRI_NAME="ALDER,JUNE", OFFENSE_DESCR="11359 HS-POSSESS FOR SALE")),
    ("canonical, quoted leading space", _raw({"STP_ORI_TYPE": '"         P"'})),
    ("canonical, doubled quotes", _raw({"COMMENT_TEXT": '"SAID ""NO"", LEFT"'})),
    ("needless quotes", _raw({"PRI_NAME": '"MORROW"', "OFN": '"BA1"'})),
    ("empty quoted field", _raw({"GENDER": '""'})),
    ("formula cell", _raw({"COMMENT_TEXT": "=SUM(A1)", "OFFENSE_DESCR": "11360 HS"})),
    ("formula in quotes", _raw({"PRI_NAME": '"=HYPERLINK(""x""),Y"'})),
    ("formula behind whitespace", _raw({"COMMENT_TEXT": '" @X"'})),
    ("placeholder and number", _raw({"RACE_DESCR": "-", "WEIGHT": "-5", "CYC_AGE": "+1"})),
    ("unquoted leading space", _raw({"PRI_NAME": " ALDER", "STP_ORI_DESCR": "\u00a0CASC"})),
    ("backslash dot", _raw({"OFN": "\\.", "CII_NUMBER": '"\\."', "FBI_NUMBER": "\\.X"})),
    ("TAB first", _raw({"COMMENT_TEXT": "\tTAB"})),
    ("trailing empty field", _line(PRI_NAME="KANE,AL") + b","),
    ("CRLF", _line(PRI_NAME="CR,LF") + b"\r"),
    ("Latin-1", _line(PRI_NAME="MUNOZ,ANA").replace(b"MUNOZ", b"MU\xd1OZ")),
    ("multi-line", _raw({"COMMENT_TEXT": '"TWO\nLINES, ONE FIELD"'})),
    ("control character", _raw({"COMMENT_TEXT": "BELL\x07"})),
    ("repeated header", ",".join(COLUMNS).encode()),
    ("bad quote", _raw({"PRI_NAME": 'AL"DER'})),
    ("missing SUBJECT_ID", _raw({"SUBJECT_ID": ""})),
    ("canonical after the others", _line(PRI_NAME="MORROW,TESS", COMMENT_TEXT="11358 HS")),
]  # fmt: skip


#: Plain lines after `LINES`, so that the two quarantined records stay below 5% (R12).
PLAIN_TAIL = 40


def untidy_bytes() -> bytes:
    """The whole file: UTF-8 BOM, header, `LINES`, then `PLAIN_TAIL` canonical lines."""
    header = ",".join(COLUMNS).encode()
    tail = [_line(PRI_NAME=f"PLAIN,NO{i}", CNT_ORDER=f"1{i:03d}") for i in range(PLAIN_TAIL)]
    return b"\xef\xbb\xbf" + b"\n".join([header, *(b for _, b in LINES), *tail]) + b"\n"

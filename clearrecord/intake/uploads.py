"""Streaming uploaded files to disk: SHA-256, size cap and content sniffing on the way in.

Django hands each chunk of a multipart file to the upload handlers as it arrives. This handler
writes it to a temporary file under ``VAR_DIR/uploads/incoming`` (never a served folder),
hashes it, stops a file larger than `CLEARRECORD_UPLOAD_MAX_BYTES` at the first chunk past the
cap, and looks at the first bytes to recognise files that are plainly not a DOJ research file
(PDF, ZIP, GZIP, other binaries) before the rest is read into the worker.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

#: leading bytes -> plain words; a DOJ research file is comma-separated text.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Excel/Word file)"),
    (b"\x1f\x8b", "a GZIP-compressed file"),
    (b"\xd0\xcf\x11\xe0", "an old-style Office document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"BZh", "a BZIP2-compressed file"),
)
SNIFF_BYTES = 8192


def sniff(head: bytes) -> str:
    """Plain words for why `head` (a file's first bytes) is not a text file, or ''."""
    for signature, words in SIGNATURES:
        if head.startswith(signature):
            return (
                f"This file looks like {words}, not a DOJ research file. "
                "Upload the comma-separated text file exactly as DOJ delivered it."
            )
    # UTF-16 research files start with a byte-order mark and are full of NUL bytes (DOJ R2); a
    # text file has almost no control bytes (a few stray NULs are quarantined rows, DOJ R9).
    controls = sum(1 for b in head if b < 9 or 13 < b < 32 or b == 127)
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")) and controls > len(head) // 20:
        return (
            "This file looks like a binary file, not a DOJ research file. "
            "Upload the comma-separated text file exactly as DOJ delivered it."
        )
    return ""


def incoming_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads" / "incoming"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


class IncomingFile(UploadedFile):
    """Django's TemporaryUploadedFile, in ``VAR_DIR/uploads/incoming`` (same disk as the store)."""

    sha256 = ""
    sniffed = ""

    def __init__(self, name: str, content_type: str, size: int, charset: str | None) -> None:
        file = tempfile.NamedTemporaryFile(suffix=".upload", dir=incoming_dir())  # noqa: SIM115
        super().__init__(file, name, content_type, size, charset)

    def temporary_file_path(self) -> str:
        return self.file.name

    def close(self) -> None:
        try:
            return self.file.close()
        except FileNotFoundError:
            pass  # moved into the store: nothing left to delete


class HashingUploadHandler(FileUploadHandler):
    """A temporary file on disk plus `sha256`, `sniffed` (reason or '') and the size cap."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file = IncomingFile(self.file_name, self.content_type, 0, self.charset)
        self.hasher = hashlib.sha256()
        self.received = 0
        self.head = b""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.CLEARRECORD_UPLOAD_MAX_BYTES:
            self.file.close()  # the temporary file is removed with it
            self.request.upload_too_large = True  # type: ignore[attr-defined]
            raise StopUpload(connection_reset=False)
        if len(self.head) < SNIFF_BYTES:
            self.head += raw_data[: SNIFF_BYTES - len(self.head)]
        self.hasher.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> Any:
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self.hasher.hexdigest()
        self.file.sniffed = sniff(self.head)
        return self.file

    def upload_interrupted(self) -> None:
        if hasattr(self, "file"):
            self.file.close()

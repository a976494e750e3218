"""The raw rows of an upload, prepared for COPY in a background thread while the engine works.

Reading all 95 columns of every record and building the blocks' CSV text (`pgcopy.
raw_frame_payload`) is work for polars, which releases the GIL; the engine (`read_upload`,
`evaluate`) runs meanwhile in the calling thread. The prepared COPY text goes to an anonymous
temporary file beside the upload's files (unlinked at once: it vanishes with the process, even on
SIGKILL), so memory stays bounded. The pipeline then COPYs it, chunk by chunk, inside its one
publishing transaction: storing stays atomic and nothing is written to the database early.

    spool = RawSpool(upload_id=..., sources=..., folder=...)   # starts the thread
    ...                                                          # the engine runs
    for rows, payload in spool.chunks(): pgcopy.copy_raw_payload(cursor, payload)
    spool.close()                                                # always (stops the thread)
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from eligibility.doj import Source, iter_records

from . import pgcopy

#: Blocks the spool reads: it runs while the engine builds its subjects (the ingest's peak), and
#: a block of all 95 columns costs about 25 times its size downstream.
SPOOL_BLOCK_BYTES = 2 << 20


class _Stopped(Exception):
    pass


class RawSpool:
    def __init__(
        self, *, upload_id: int, sources: Sequence[Source], folder: Path, chunk_rows: int
    ) -> None:
        self.upload_id = upload_id
        self.sources = list(sources)
        self.chunk_rows = chunk_rows
        folder.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] = tempfile.TemporaryFile(dir=folder, prefix="raw-")  # noqa: SIM115 (closed by close)
        self._index: list[tuple[int, int]] = []  # (rows, payload bytes) per chunk, in order
        self._error: BaseException | None = None
        self.elapsed = 0.0  # seconds the thread took
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"raw-spool-{upload_id}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        started = time.monotonic()
        try:
            for frame in iter_records(
                self.sources, chunk_rows=self.chunk_rows, block_bytes=SPOOL_BLOCK_BYTES
            ):
                if self._stop.is_set():
                    raise _Stopped
                payload = pgcopy.raw_frame_payload(self.upload_id, frame)
                self._file.write(payload)
                self._index.append((frame.height, len(payload)))
                del frame, payload
        except _Stopped:
            pass
        except BaseException as exc:  # re-raised in the pipeline's thread by `wait`
            self._error = exc
        finally:
            self.elapsed = round(time.monotonic() - started, 3)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the thread (at most `timeout` s): True when it finished. Re-raises its error."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            return False
        if self._error is not None:
            raise self._error
        return True

    def chunks(self) -> Iterator[tuple[int, bytes]]:
        """(rows, COPY text) per chunk in file order, once the thread has finished."""
        self.wait()
        self._file.flush()
        self._file.seek(0)
        for rows, size in self._index:
            yield rows, self._file.read(size)

    @property
    def rows(self) -> int:
        return sum(rows for rows, _size in self._index)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._file.close()

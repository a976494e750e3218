"""Domain errors of ingest; views and the API map them to HTTP once (`clearrecord.intake.views`)."""

from __future__ import annotations


class IntakeError(Exception):
    """A request that cannot be done; `str()` is plain words for the person, no row contents."""

    status = 400


class DuplicateUpload(IntakeError):
    status = 409

    def __init__(self, *, earlier_id: int, file_name: str) -> None:
        self.earlier_id = earlier_id
        super().__init__(
            f'The file "{file_name}" was already uploaded for this county as upload '
            f"#{earlier_id}. Open that upload instead of uploading the file again."
        )


class FileRefused(IntakeError):
    """A file refused at upload (too large, empty, not a text file)."""


class NotReady(IntakeError):
    """The upload is not in a state where this can be done (e.g. re-evaluating a failed one)."""

    status = 409


class LostClaim(Exception):  # noqa: N818 (not an error the person sees)
    """Another worker claimed the job after this one's lease expired: stop, write nothing."""

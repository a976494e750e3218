"""Domain errors of retention."""

from __future__ import annotations


class NotFinished(Exception):  # noqa: N818 (plain words for the operator)
    """The upload is still being read or an evaluation of it is queued or running."""

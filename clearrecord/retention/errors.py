"""Domain errors of retention."""

from __future__ import annotations


class NotFinished(Exception):  # noqa: N818 (plain words for the operator)
    """The upload is still being read or an evaluation of it is queued or running."""


class HeldByCourtBatch(Exception):  # noqa: N818
    """Convictions of the upload were sent to the court in an export batch.

    The batch's files, the court's recorded orders and the DOJ report refer to those convictions,
    so the upload is the county's record of a court order and is kept.
    """

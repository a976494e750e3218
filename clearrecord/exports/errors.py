"""Domain errors of court exports, mapped to HTTP once (`http_status`). No record contents."""

from __future__ import annotations


class ExportError(Exception):
    http_status = 400


class NotPermitted(ExportError):
    """The role may not take this action (403)."""

    http_status = 403


class NothingToExport(ExportError):
    """No conviction of the county is ready for export (409)."""

    http_status = 409

    def __init__(self) -> None:
        super().__init__("no conviction is ready for export")


class InvalidFilter(ExportError):
    """A batch filter names an unknown field or value (400)."""

    http_status = 400


class InvalidOrder(ExportError):
    """The order is incomplete or inconsistent (400); `field` names what to fix."""

    http_status = 400

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class NotInBatch(InvalidOrder):
    """Convictions chosen that are not in the batch (another batch or another county) (400)."""

    def __init__(self, count: int, batch_id: int) -> None:
        super().__init__(
            "convictions", f"{count} of the convictions chosen are not in batch {batch_id}"
        )


class AlreadyOrdered(ExportError):
    """A conviction chosen already has a court order (or is no longer exported): stale (409)."""

    http_status = 409

    def __init__(self, count: int) -> None:
        self.count = count
        super().__init__(f"{count} of the convictions already have a court order recorded")


class NothingToOrder(ExportError):
    """Every conviction of the batch already has its court order (409)."""

    http_status = 409

    def __init__(self) -> None:
        super().__init__("every conviction of this batch already has a court order")


class NothingToReport(ExportError):
    """No ordered conviction chosen is still waiting to be reported to DOJ (409)."""

    http_status = 409

    def __init__(self) -> None:
        super().__init__("nothing chosen is waiting to be reported to DOJ")


def http_status(error: ExportError) -> int:
    return error.http_status

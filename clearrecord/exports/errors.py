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


def http_status(error: ExportError) -> int:
    return error.http_status

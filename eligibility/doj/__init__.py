"""Reading DOJ research files (shared/spec/doj-research-file.md)."""

from eligibility.doj.reader import FileRejected, Source, describe, iter_records, read_upload

__all__ = ["FileRejected", "Source", "describe", "iter_records", "read_upload"]

"""Reading DOJ research files (shared/spec/doj-research-file.md)."""

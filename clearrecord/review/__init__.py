"""The shared review queue: DA decisions, PD objections, comments (issue #5)."""

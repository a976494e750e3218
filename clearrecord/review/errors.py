"""Domain errors of the review workflow, mapped to HTTP in one place (`http_status`).

Messages never carry record contents: states, actions, roles and ids only.
"""

from __future__ import annotations


class ReviewError(Exception):
    """Base of every review domain error."""

    http_status = 400


class InvalidInput(ReviewError):
    """A required reason is missing or a value is not one of the allowed choices (400)."""

    http_status = 400

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class RoleNotPermitted(ReviewError):
    """The role may never take this action, whatever the state (403)."""

    http_status = 403

    def __init__(self, action: str, role: str) -> None:
        self.action = action
        self.role = role
        super().__init__(f"a {role} may not {action}")


class TransitionNotAllowed(ReviewError):
    """The action is not allowed from the conviction's current state (409)."""

    http_status = 409

    def __init__(self, state: str, action: str, reason: str = "") -> None:
        self.state = state
        self.action = action
        self.reason = reason or f"cannot {action} a conviction that is {state}"
        super().__init__(self.reason)


class ObjectionBlocks(TransitionNotAllowed):
    """An open objection must be answered by a DA first (409)."""

    def __init__(self, state: str, action: str) -> None:
        super().__init__(state, action, f"cannot {action}: an open objection awaits a DA response")


class StaleState(ReviewError):
    """Someone else changed the conviction first; nothing was written (409).

    Carries the state and version found now, so the caller can show "this changed; here is the
    new state" and let the person decide again.
    """

    http_status = 409

    def __init__(
        self,
        *,
        conviction_id: int,
        expected_state: str,
        expected_version: int,
        current_state: str | None,
        current_version: int | None,
    ) -> None:
        self.conviction_id = conviction_id
        self.expected_state = expected_state
        self.expected_version = expected_version
        self.current_state = current_state
        self.current_version = current_version
        super().__init__(
            f"conviction {conviction_id} changed: expected {expected_state} v{expected_version},"
            f" now {current_state} v{current_version}"
        )


def http_status(error: ReviewError) -> int:
    """The one mapping from a domain error to an HTTP status."""
    return error.http_status

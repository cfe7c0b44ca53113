"""Domain errors: each carries one sentence an agent can read (no tracebacks on screen)."""

from __future__ import annotations


class CommCentreError(Exception):
    """Base for errors the console and CLI show as a sentence."""


class ValidationFailed(CommCentreError):
    """Bad input; ``field`` names the form field to show the message beside (or ``None``)."""

    def __init__(
        self, message: str, field: str | None = None, errors: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.field = field
        self.errors: dict[str, str] = errors or ({field: message} if field else {})
        """Every field error found, field → message (the first is ``str(self)``)."""

    @classmethod
    def many(cls, errors: dict[str, str]) -> ValidationFailed:
        """Several field errors at once; ``errors`` maps field → message."""
        first_field, first = next(iter(errors.items()))
        return cls(first, first_field, dict(errors))


class NotFound(CommCentreError):
    """The record asked for does not exist (or is not visible to this agent)."""


class NotAllowed(CommCentreError):
    """The agent's role does not allow this."""


class Conflict(CommCentreError):
    """Someone else changed the record first (stale version) or the rule forbids it now."""


class RuleViolation(CommCentreError):
    """A business rule refuses the action (e.g. billing a period twice, wallet too low)."""

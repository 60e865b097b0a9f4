"""Domain errors: what went wrong in the product's own words.

Adapters raise these instead of their SDK's errors; ``chalicelib/api/errors.py`` maps each one
to an HTTP status in a single table.
"""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error the product explains to its caller."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: a dotted path (``requester.email``), what is wrong with it in
    English, and a stable ``code`` for it (``required``, ``too_short``, ``not_a_topic``...)
    that clients translate: the English text may change, the code does not."""

    field: str
    problem: str
    code: str = "invalid"


class ValidationFailed(DomainError):
    """Input broke one or more rules; every problem is listed, not just the first."""

    code = "validation_failed"

    def __init__(self, problems: list[FieldProblem]) -> None:
        fields = ", ".join(p.field for p in problems)
        super().__init__(f"invalid input: {fields}")
        self.problems = problems

    @classmethod
    def single(cls, field: str, problem: str, code: str = "invalid") -> ValidationFailed:
        return cls([FieldProblem(field, problem, code)])


class NotFound(DomainError):
    code = "not_found"


class WrongAccessCode(NotFound):
    """A one-time code that does not open the request (wrong, used or expired): its own code,
    so the status page can say "ask for a new one" in the reader's language."""

    code = "wrong_access_code"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class PermissionDenied(DomainError):
    code = "forbidden"


class SecondFactorRequired(PermissionDenied):
    """The caller's role needs a second factor and their account has none yet: the console
    sends them to set one up (``/staff/me`` still answers, and says so)."""

    code = "second_factor_required"


class ConflictError(DomainError):
    """A write lost a race: the card changed since the caller read it."""

    code = "conflict"

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class IdempotencyMismatch(DomainError):
    """An Idempotency-Key was reused with a different request body."""

    code = "idempotency_key_reused"


class TransitionForbidden(DomainError):
    """The requested status change breaks the card's lifecycle rules."""

    code = "transition_forbidden"

    def __init__(
        self, message: str, *, field: str | None = None, field_code: str = "not_now"
    ) -> None:
        super().__init__(message)
        self.field = field
        # The field's problem as a stable code: "needs_text" when the change needs words
        # (a reason, a resolution, a question) that were not given, else "not_now".
        self.field_code = field_code


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class DeliveryFailed(DomainError):
    """A mail or text message could not be handed over. ``permanent``: the same message to
    the same address will fail again (refused address, bad number), so try another channel."""

    code = "delivery_failed"

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class TooManyRequests(DomainError):
    """A limit protecting someone (here: the requester's inbox) is used up for now."""

    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

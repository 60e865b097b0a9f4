"""Rules the town configures, passed to the use cases as plain values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.business_calendar import BusinessCalendar
from chalicelib.domain.card import Card, Priority
from chalicelib.domain.history import HistoryEntry
from chalicelib.domain.rate_limits import Limits, RateLimit
from chalicelib.domain.requester_waits import WaitingRules
from chalicelib.domain.sla import SlaMatrix, Timer, TimerKind, timers

SUBTASK_TIMERS = frozenset({TimerKind.REGISTRATION, TimerKind.DECISION})

DEFAULT_ATTACHMENT_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/heic",
        "image/gif",
        "application/pdf",
        "text/plain",
    }
)


# (category, priority, registered at) -> when the first response is due.
FirstResponseRule = Callable[[str, Priority, datetime], datetime]

# Where no SLA calendar is configured (unit tests, a bare policy): plain hours by priority.
WALL_CLOCK_FIRST_RESPONSE_HOURS: dict[Priority, int] = {
    Priority.URGENT: 4,
    Priority.HIGH: 24,
    Priority.NORMAL: 48,
    Priority.LOW: 72,
}


def _wall_clock_first_response(category: str, priority: Priority, at: datetime) -> datetime:
    return at + timedelta(hours=WALL_CLOCK_FIRST_RESPONSE_HOURS[priority])


@dataclass(frozen=True)
class IntakePolicy:
    consent_version: str = "2026-01"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    # The deployed rule is the SLA's first-response target on the town's working time
    # (bootstrap); plain hours by priority only serve where no calendar is configured.
    first_response_due: FirstResponseRule = _wall_clock_first_response


@dataclass(frozen=True)
class AttachmentPolicy:
    max_bytes: int = 10 * 1024 * 1024
    allowed_types: frozenset[str] = DEFAULT_ATTACHMENT_TYPES
    max_per_card: int = 10
    upload_url_ttl_seconds: int = 900
    download_url_ttl_seconds: int = 300


@dataclass(frozen=True)
class MailPolicy:
    """How the email channel behaves; every value comes from settings."""

    from_address: str = "requests@town.example"
    town_name: str = "Town Hall"
    own_addresses: frozenset[str] = frozenset({"requests@town.example"})
    default_locale: str = "en"
    default_category: str = "other.question"
    reopen_within_days: int = 30
    max_raw_bytes: int = 25 * 1024 * 1024
    status_base_url: str = "http://127.0.0.1:8000"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    # Automatic replies to one sender: loop protection (and no relay by forged senders).
    auto_replies: RateLimit = Limits().auto_replies

    @property
    def mail_domain(self) -> str:
        return self.from_address.rsplit("@", 1)[-1]


@dataclass(frozen=True)
class SlaPolicy:
    """The town's working time and SLA matrix: everything a card's timers are derived from."""

    calendar: BusinessCalendar
    matrix: SlaMatrix
    waiting: WaitingRules = field(default_factory=WaitingRules)

    def timers(self, card: Card, history: list[HistoryEntry], now: datetime) -> list[Timer]:
        targets = self.matrix.targets(card.category, card.priority)
        derived = timers(history, targets, self.calendar, now)
        if card.is_subtask:
            # A subtask never writes to the requester: it is taken up, then done.
            return [t for t in derived if t.kind in SUBTASK_TIMERS]
        return derived

    @property
    def working_day(self) -> timedelta:
        return self.matrix.working_day

    def first_response_due(self, category: str, priority: Priority, at: datetime) -> datetime:
        """The promise in every receipt: the SLA's first-reply target on working time."""
        return self.calendar.add(at, self.matrix.targets(category, priority).first_reply)

    def reply_by(self, category: str, at: datetime) -> datetime:
        """When a requester asked a question now is asked to answer by (the topic's rule)."""
        return self.waiting.reply_by(category, at, self.calendar)

    def objection_until(self, at: datetime) -> datetime:
        """Until when a resolution given now may be objected to."""
        return self.waiting.objection_until(at)

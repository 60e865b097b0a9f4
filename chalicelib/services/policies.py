"""Rules the town configures, passed to the use cases as plain values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.domain.card import Priority
from chalicelib.domain.deadlines import DEFAULT_FIRST_RESPONSE_HOURS, first_response_due

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


# (category, priority, registered at) -> when the first reply is due.
FirstReplyRule = Callable[[str, Priority, datetime], datetime]


def _wall_clock_first_reply(category: str, priority: Priority, at: datetime) -> datetime:
    return first_response_due(at, priority, DEFAULT_FIRST_RESPONSE_HOURS)


@dataclass(frozen=True)
class IntakePolicy:
    consent_version: str = "2026-01"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    # The deployed rule is the SLA's first-reply target on the town's working time (bootstrap);
    # plain hours by priority only serve where no calendar is configured.
    first_reply_due: FirstReplyRule = _wall_clock_first_reply


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

    @property
    def mail_domain(self) -> str:
        return self.from_address.rsplit("@", 1)[-1]

"""Stepped limits on automatic replies to one address, so two robots cannot ping-pong forever."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ReplyWindow:
    name: str
    length: timedelta
    limit: int

    def slot(self, at: datetime) -> str:
        """The window's bucket containing ``at`` (fixed windows aligned to the epoch)."""
        seconds = int(self.length.total_seconds())
        return f"{self.name}#{int(at.timestamp()) // seconds}"

    def expires(self, at: datetime) -> datetime:
        return at + self.length * 2


DEFAULT_REPLY_WINDOWS = (
    ReplyWindow("10min", timedelta(minutes=10), 3),
    ReplyWindow("day", timedelta(days=1), 10),
)

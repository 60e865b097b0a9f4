"""Rate limits: how often one subject (a client address, a contact, a card number) may do one
thing, counted in fixed windows aligned to the epoch.

One mechanism serves every limit: automatic replies to a sender (two robots must not
ping-pong), receipts to one address (the town's mail must not be a relay), one-time codes (SMS
costs money and annoys), and every public write per client address (no flood of requests).
A use is counted in every window at once or in none, so a refused try costs nothing.

Subjects are counted by a digest, never by the address itself: counters are operational data
that dashboards and key statistics show.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True)
class Window:
    length: timedelta
    most: int

    @property
    def name(self) -> str:
        return f"{int(self.length.total_seconds())}s"

    def slot(self, at: datetime) -> str:
        """The bucket containing ``at``, e.g. ``600s#2969301``."""
        return f"{self.name}#{self._index(at)}"

    def ends(self, at: datetime) -> datetime:
        """When the bucket containing ``at`` closes (a refused subject may try again)."""
        seconds = int(self.length.total_seconds())
        return datetime.fromtimestamp((self._index(at) + 1) * seconds, tz=at.tzinfo)

    def expires(self, at: datetime) -> datetime:
        """When the bucket's counter may be forgotten (the store's TTL)."""
        return self.ends(at) + self.length

    def _index(self, at: datetime) -> int:
        return int(at.timestamp()) // int(self.length.total_seconds())


@dataclass(frozen=True)
class RateLimit:
    name: str
    windows: tuple[Window, ...]


@dataclass(frozen=True)
class Allowance:
    """The verdict on one use: counted, or refused until ``retry_after`` has passed."""

    granted: bool
    retry_after: timedelta = timedelta(0)
    # Which limit refused (its name), when several were asked at once.
    refused_by: str | None = None

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds, rounded up: a client that waits this long is not refused again."""
        return max(1, math.ceil(self.retry_after.total_seconds()))


def refused(window: Window, at: datetime, limit: RateLimit | None = None) -> Allowance:
    return Allowance(False, window.ends(at) - at, limit.name if limit else None)


def subject_digest(subject: str) -> str:
    """What a counter is keyed by: addresses compare case-insensitively."""
    return hashlib.sha256(subject.strip().lower().encode("utf-8")).hexdigest()[:32]


class ClientLimit(StrEnum):
    """What a client address is limited in, on public routes (the route declares which)."""

    WRITES = "writes"  # every public write: implied by any public route that is not a read
    NEW_REQUESTS = "new_requests"
    ACCESS_CODES = "access_codes"
    PLACE_LOOKUPS = "place_lookups"  # geocoding: a paid service when deployed


def _ten_minutes(most: int) -> Window:
    return Window(timedelta(minutes=10), most)


def _hour(most: int) -> Window:
    return Window(timedelta(hours=1), most)


def _day(most: int) -> Window:
    return Window(timedelta(days=1), most)


@dataclass(frozen=True)
class Limits:
    """The town's limits. The defaults leave room for a household behind one address (a
    family, a library's computers) and none for a script; a town may change them."""

    # Per client address (public routes).
    writes: RateLimit = RateLimit("client-writes", (_ten_minutes(60), _day(600)))
    new_requests: RateLimit = RateLimit("client-requests", (_hour(10), _day(30)))
    access_codes: RateLimit = RateLimit("client-codes", (_hour(10), _day(30)))
    # Looking up addresses and points on the form's map (each pin drop or typed address is one).
    place_lookups: RateLimit = RateLimit("client-places", (_ten_minutes(120), _day(1000)))
    # Per card number, asked for whether or not the card exists (the answer must not tell).
    codes_per_number: RateLimit = RateLimit("number-codes", (_hour(3), _day(10)))
    # Per contact, across all the contact's cards (numbers are sequential).
    codes_per_contact: RateLimit = RateLimit("contact-codes", (_hour(5), _day(10)))
    # Per recipient: one receipt stands for every request sent within ten minutes.
    receipts: RateLimit = RateLimit("receipts", (_ten_minutes(1), _day(10)))
    # Requests one contact starts following ("Me too"): each sends a confirmation there.
    follows_per_contact: RateLimit = RateLimit("contact-follows", (_hour(5), _day(20)))
    # Automatic replies to one mail sender (loop protection).
    auto_replies: RateLimit = RateLimit("auto-replies", (_ten_minutes(3), _day(10)))

    @classmethod
    def overridden(cls, changes: Mapping[str, Sequence[Sequence[int]]]) -> Limits:
        """The defaults with some limits' windows replaced: ``{"new_requests": [[3600, 20],
        [86400, 60]]}`` (window seconds, most uses). A name that is no limit is an error."""
        defaults = cls()
        replaced: dict[str, RateLimit] = {}
        for name, windows in changes.items():
            current = getattr(defaults, name, None)
            if not isinstance(current, RateLimit):
                raise ValueError(f"no rate limit is called {name!r}")
            if not windows or any(len(w) != 2 or w[0] <= 0 or w[1] < 0 for w in windows):
                raise ValueError(f"{name}: give windows as [seconds, most] pairs, seconds > 0")
            replaced[name] = RateLimit(
                current.name, tuple(Window(timedelta(seconds=s), most) for s, most in windows)
            )
        return replace(defaults, **replaced)

    def for_client(self, kind: ClientLimit) -> RateLimit:
        return {
            ClientLimit.WRITES: self.writes,
            ClientLimit.NEW_REQUESTS: self.new_requests,
            ClientLimit.ACCESS_CODES: self.access_codes,
            ClientLimit.PLACE_LOOKUPS: self.place_lookups,
        }[kind]

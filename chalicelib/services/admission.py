"""Admitting a public client: every public write counts against the client's address, and
some routes against a stricter limit of their own (new requests, one-time codes).

These are the application's own limits: they hold on the local stack and behind any edge
(the deployed edge adds WAF rate rules in front).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.domain.errors import TooManyRequests
from chalicelib.domain.rate_limits import ClientLimit, Limits
from chalicelib.observability import logger
from chalicelib.ports import Clock, RateLimiter

WHAT = {
    ClientLimit.WRITES: "requests from your address",
    ClientLimit.NEW_REQUESTS: "new requests from your address",
    ClientLimit.ACCESS_CODES: "codes asked for from your address",
    ClientLimit.PLACE_LOOKUPS: "place look-ups from your address",
}


@dataclass(frozen=True)
class Admission:
    limiter: RateLimiter
    limits: Limits
    clock: Clock

    def admit(self, client: str, kinds: Sequence[ClientLimit]) -> None:
        """Count this request for ``client``; TooManyRequests (with when to come back) once a
        limit is used up."""
        limits = {self.limits.for_client(kind).name: kind for kind in kinds}
        allowance = self.limiter.take_all(
            [(self.limits.for_client(kind), client) for kind in kinds], at=self.clock.now()
        )  # one write for all of them: counted together or not at all
        if not allowance.granted:
            kind = limits.get(allowance.refused_by or "", kinds[0])
            logger.warning("client over a limit", extra={"limit": kind.value})
            wait = allowance.retry_after_seconds
            raise TooManyRequests(
                f"too many {WHAT[kind]} for now; try again in {_readable(wait)}",
                retry_after=wait,
            )


def _readable(seconds: int) -> str:
    minutes = -(-seconds // 60)
    if minutes < 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{-(-minutes // 60)} hours"

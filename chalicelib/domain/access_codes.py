"""One-time codes that open a request's status page when the private link is lost.

The requester gives the number; a six-digit code goes to the contact on file (never to an
address they type), lives ten minutes, survives five wrong tries, and is used once. Issuing is
limited per card, so a number cannot be used to flood its requester with messages. Only a hash
of the code is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.errors import TooManyRequests

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
LIMITS = ((timedelta(hours=1), 3), (timedelta(days=1), 10))


class AccessCode(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    number: str
    code_hash: str | None  # None: used, burned or never issued
    expires_at: datetime
    attempts: int = 0
    # When codes were issued in the last day (the limits count them).
    issued: tuple[datetime, ...] = ()
    version: int = Field(default=1, ge=1)


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def issue(previous: AccessCode | None, number: str, code: str, *, now: datetime) -> AccessCode:
    """A fresh code for ``number``; TooManyRequests when the card's limits are used up."""
    recent = tuple(t for t in (previous.issued if previous else ()) if now - t < LIMITS[-1][0])
    for window, most in LIMITS:
        in_window = [t for t in recent if now - t < window]
        if len(in_window) >= most:
            retry = min(in_window) + window - now
            raise TooManyRequests(
                f"too many codes for this request; try again in {_minutes(retry)} minutes",
                retry_after=int(retry.total_seconds()) + 1,
            )
    return AccessCode(
        number=number,
        code_hash=_hash(number, code),
        expires_at=now + CODE_TTL,
        issued=(*recent, now),
        version=previous.version + 1 if previous else 1,
    )


def redeem(
    stored: AccessCode | None, code: str, *, now: datetime
) -> tuple[bool, AccessCode | None]:
    """Whether ``code`` opens the card, and the record to store (a wrong try is counted, a
    right one uses the code up). Nothing to store when there is no live code."""
    if stored is None or stored.code_hash is None or now >= stored.expires_at:
        return False, None
    if hmac.compare_digest(stored.code_hash, _hash(stored.number, code.strip())):
        return True, _spent(stored)
    attempts = stored.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        return False, _spent(stored)
    return False, stored.model_copy(update={"attempts": attempts, "version": stored.version + 1})


def _spent(stored: AccessCode) -> AccessCode:
    return stored.model_copy(update={"code_hash": None, "version": stored.version + 1})


def _hash(number: str, code: str) -> str:
    # Salted with the number: the same code on two cards does not hash alike.
    return hashlib.sha256(f"{number}:{code}".encode()).hexdigest()


def _minutes(delta: timedelta) -> int:
    return max(1, -(-int(delta.total_seconds()) // 60))

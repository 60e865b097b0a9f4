"""One-time codes that open a request's status page when the private link is lost.

The requester gives the number; a six-digit code goes to the contact on file (never to an
address they type), lives ten minutes, survives five wrong tries, and is used once. Only a hash
of the code is kept. How often codes may be asked for (per number, per contact, per client)
is the rate limits' business (``services/access_codes.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5


class AccessCode(BaseModel):
    # Ignored: records written before the rate limits kept their issue times here.
    model_config = ConfigDict(frozen=True, extra="ignore")

    number: str
    code_hash: str | None  # None: used, burned or never issued
    expires_at: datetime
    attempts: int = 0
    version: int = Field(default=1, ge=1)


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def issue(previous: AccessCode | None, number: str, code: str, *, now: datetime) -> AccessCode:
    """A fresh code for ``number``, replacing any earlier one (which stops working)."""
    return AccessCode(
        number=number,
        code_hash=_hash(number, code),
        expires_at=now + CODE_TTL,
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

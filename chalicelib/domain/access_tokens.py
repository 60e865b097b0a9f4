"""Private status-link tokens: random, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.signed_links import LinkPurpose, is_signed, verify


def new_access_token() -> str:
    return secrets.token_urlsafe(24)


def hash_access_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str | None, stored_hash: str) -> bool:
    if not token:
        return False
    return hmac.compare_digest(hash_access_token(token), stored_hash)


@dataclass(frozen=True)
class StatusKey:
    """What a requester shows to open their card: the receipt's private token, or the signed
    link of a later message (checked with the town's link secret and the current time)."""

    token: str | None
    link_secret: bytes = b""
    now: datetime | None = None

    def opens(self, number: str, stored_hash: str) -> bool:
        if not self.token:
            return False
        if is_signed(self.token):
            return self._signed_for(LinkPurpose.STATUS, number)
        return token_matches(self.token, stored_hash)

    def may_rate(self, number: str, stored_hash: str) -> bool:
        """The survey link rates the card; so does anything that opens its status page."""
        return self.opens(number, stored_hash) or (
            bool(self.token) and self._signed_for(LinkPurpose.SURVEY, number)
        )

    def _signed_for(self, purpose: LinkPurpose, number: str) -> bool:
        return (
            bool(self.token and self.link_secret)
            and self.now is not None
            and verify(self.link_secret, purpose, number, self.token or "", now=self.now)
        )

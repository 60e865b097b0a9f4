"""Links that prove themselves: a card number, a purpose and an expiry, signed with the town's
secret. Messages after the receipt cannot carry the receipt's token (only its hash is kept),
so their status and survey links are signed instead; nothing is stored per link."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote

VERSION = "s1"


class LinkPurpose(StrEnum):
    STATUS = "status"
    SURVEY = "survey"
    UNFOLLOW = "unfollow"  # the subject is "<number>/<follower id>"


def sign(secret: bytes, purpose: LinkPurpose, number: str, expires_at: datetime) -> str:
    """``s1.<expiry seconds>.<signature>``: the number itself travels in the URL beside it."""
    expiry = str(int(expires_at.timestamp()))
    return f"{VERSION}.{expiry}.{_mac(secret, purpose, number, expiry)}"


def verify(secret: bytes, purpose: LinkPurpose, number: str, token: str, *, now: datetime) -> bool:
    if not token.isascii():  # a signature is ASCII; anything else is simply wrong
        return False
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION or not parts[1].isdigit():
        return False
    if int(parts[1]) < now.timestamp():
        return False
    return hmac.compare_digest(parts[2], _mac(secret, purpose, number, parts[1]))


def status_page_url(
    base_url: str, number: str, token: str, *, survey: bool = False, objection: bool = False
) -> str:
    """The requester's private status page (``survey``: opened at the rating form;
    ``objection``: at the form to say a resolution did not solve it). The one place the link
    is built: the token travels in the fragment, so it never reaches a server's logs,
    URL-quoted."""
    opened_at = ("&survey=1" if survey else "") + ("&objection=1" if objection else "")
    query = f"n={quote(number)}{opened_at}"
    return f"{base_url}/status.html?{query}#t={quote(token, safe='')}"


def unfollow_url(base_url: str, number: str, follower_id: str, token: str) -> str:
    """A follower's link to stop following: the portal's page asks before it stops."""
    query = f"n={quote(number)}&f={quote(follower_id)}"
    return f"{base_url}/unfollow.html?{query}#t={quote(token, safe='')}"


def is_signed(token: str) -> bool:
    return token.startswith(f"{VERSION}.")


def _mac(secret: bytes, purpose: LinkPurpose, number: str, expiry: str) -> str:
    digest = hmac.new(
        secret, f"{purpose.value}|{number}|{expiry}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")

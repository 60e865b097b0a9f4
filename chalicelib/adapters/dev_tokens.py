"""Locally signed staff tokens (HS256 JWTs) carrying the same claims Cognito ID tokens carry.

Only accepted when the app runs with CIVICDESK_AUTH_MODE=dev (the local stack and tests);
when deployed, API Gateway's Cognito authorizer verifies tokens and this module is unused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.directory import StaffMember
from chalicelib.domain.errors import Unauthenticated

_HEADER = {"alg": "HS256", "typ": "JWT"}


# How the holder signed in (RFC 8176's words): a password, and the code of an authenticator
# app ("otp"). Cognito's tokens do not carry it (the user pool is asked instead); the local
# stack's tokens say it, so a token without "otp" plays an account with no app set up.
SIGNED_IN_WITH_APP = ["pwd", "otp"]


def staff_claims(member: StaffMember, *, second_factor: bool = True) -> dict[str, Any]:
    """The claims a Cognito ID token of this staff member would carry (and how they signed in,
    which Cognito's token would not)."""
    return {
        "sub": member.id,
        "cognito:username": member.id,
        "name": member.name,
        "cognito:groups": sorted(role.value for role in member.roles),
        "custom:departments": ",".join(sorted(member.departments)),
        "token_use": "id",
        "amr": SIGNED_IN_WITH_APP if second_factor else ["pwd"],
    }


class ClaimedSecondFactors:
    """Locally: the signed dev token says whether its holder has an app (``amr``)."""

    def enrolled(self, claims: Mapping[str, Any]) -> bool:
        return "otp" in (claims.get("amr") or [])


def issue(claims: dict[str, Any], *, secret: str, now: datetime, ttl: timedelta) -> str:
    body = {**claims, "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp())}
    signing_input = f"{_b64(_HEADER)}.{_b64(body)}"
    return f"{signing_input}.{_sign(signing_input, secret)}"


def verify(token: str, *, secret: str, now: datetime) -> dict[str, Any]:
    """The token's claims if its signature is ours and it has not expired."""
    parts = token.split(".")
    if len(parts) != 3:
        raise Unauthenticated("the staff token is malformed")
    signing_input = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(signing_input, secret), parts[2]):
        raise Unauthenticated("the staff token's signature is not valid")
    try:
        claims = json.loads(_unb64(parts[1]))
    except (binascii.Error, ValueError):
        raise Unauthenticated("the staff token is malformed") from None
    if not isinstance(claims, dict) or int(claims.get("exp", 0)) <= now.timestamp():
        raise Unauthenticated("the staff token has expired; sign in again")
    return claims


def _b64(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _sign(signing_input: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

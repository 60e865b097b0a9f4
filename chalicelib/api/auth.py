"""Who is calling: a staff Principal from verified identity claims."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.domain.access import Principal
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import PermissionDenied, SecondFactorRequired, Unauthenticated
from chalicelib.ports import Clock
from chalicelib.settings import AuthMode, Settings


class SecondFactor(StrEnum):
    """Where the caller stands with the second factor their role may need."""

    NOT_REQUIRED = "not_required"  # operators and executors: their choice
    ENROLLED = "enrolled"
    MISSING = "missing"  # their role needs one and the account has none: set it up first


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    second_factor: SecondFactor


def signed_in(request: Any, *, before_second_factor: bool = False) -> SignedIn:
    """Who is making ``request`` (a Chalice request), and where they stand with a second
    factor. Refused when no one is signed in, the account has no role, or its role needs a
    second factor not set up yet (unless ``before_second_factor``: the console asks who is
    signed in to send them to set one up)."""
    from chalicelib import bootstrap

    c = bootstrap.container()
    claims = _verified_claims(request.headers, request.context, c.settings, c.clock)
    principal = principal_from_claims(claims)
    if not principal.needs_second_factor:
        return SignedIn(principal, SecondFactor.NOT_REQUIRED)
    if c.second_factors.enrolled(claims):
        return SignedIn(principal, SecondFactor.ENROLLED)
    if not before_second_factor:
        raise SecondFactorRequired(
            "your role signs in with an authenticator app: set one up in the console first"
        )
    return SignedIn(principal, SecondFactor.MISSING)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    roles = frozenset(
        Role(g) for g in _as_list(claims.get("cognito:groups")) if g in Role.__members__.values()
    )
    if not roles:
        raise PermissionDenied("your account has no CivicDesk role; ask an administrator")
    return Principal(
        staff_id=str(claims.get("sub") or claims.get("cognito:username")),
        name=str(claims.get("name") or claims.get("cognito:username") or ""),
        roles=roles,
        departments=frozenset(_as_list(claims.get("custom:departments"))),
    )


def _verified_claims(
    headers: Any, context: dict[str, Any], settings: Settings, clock: Clock
) -> dict[str, Any]:
    if settings.auth_mode == AuthMode.DEV:
        # The local gateway decodes tokens without checking them: verify the signature here.
        from chalicelib.adapters import dev_tokens

        token = _bearer(headers.get("authorization"))
        if settings.dev_token_secret is None:
            raise Unauthenticated("dev tokens are not configured")
        return dev_tokens.verify(token, secret=settings.dev_token_secret, now=clock.now())
    claims = (context.get("authorizer") or {}).get("claims")
    if not claims:
        raise Unauthenticated("sign in to use the staff API")
    return dict(claims)


def _bearer(value: str | None) -> str:
    if not value:
        raise Unauthenticated("sign in to use the staff API (Authorization header missing)")
    return value.removeprefix("Bearer ").strip()


def _as_list(value: Any) -> list[str]:
    """Claims arrive as lists (dev tokens) or as strings like "[a, b]" or "a,b" (API Gateway)."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [part for part in re.split(r"[\s,\[\]]+", str(value)) if part]

"""Local staff tokens: signed like JWTs, verified by the app, expiring."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters import dev_tokens
from chalicelib.api.auth import principal_from_claims
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import PermissionDenied, Unauthenticated

SECRET = "s" * 40


def test_a_token_carries_the_staff_members_claims(directory, clock):
    member = directory.staff_member("mgr-sergey")
    token = dev_tokens.issue(
        dev_tokens.staff_claims(member), secret=SECRET, now=clock.now(), ttl=timedelta(hours=1)
    )
    principal = principal_from_claims(dev_tokens.verify(token, secret=SECRET, now=clock.now()))
    assert principal.staff_id == "mgr-sergey"
    assert principal.roles == frozenset({Role.MANAGER})
    assert principal.departments == frozenset({"roads", "parks"})


def test_tampered_foreign_and_expired_tokens_are_refused(directory, clock):
    member = directory.staff_member("ex-ivan")
    token = dev_tokens.issue(
        dev_tokens.staff_claims(member), secret=SECRET, now=clock.now(), ttl=timedelta(hours=1)
    )
    header, _payload, signature = token.split(".")
    forged = dev_tokens.issue(
        {**dev_tokens.staff_claims(member), "cognito:groups": ["admin"]},
        secret="another-secret-" * 3,
        now=clock.now(),
        ttl=timedelta(hours=1),
    )
    cases = [f"{header}.{forged.split('.')[1]}.{signature}", forged, "not-a-token", "a.b"]
    for bad in cases:
        with pytest.raises(Unauthenticated):
            dev_tokens.verify(bad, secret=SECRET, now=clock.now())
    with pytest.raises(Unauthenticated, match="expired"):
        dev_tokens.verify(token, secret=SECRET, now=clock.now() + timedelta(hours=2))


@pytest.mark.parametrize(
    "groups", ["[operator, executor]", "operator,executor", ["operator", "executor"]]
)
def test_group_claims_in_every_shape_api_gateway_sends(groups):
    principal = principal_from_claims({"sub": "u1", "cognito:groups": groups})
    assert principal.roles == frozenset({Role.OPERATOR, Role.EXECUTOR})


def test_an_account_without_a_role_is_forbidden():
    with pytest.raises(PermissionDenied):
        principal_from_claims({"sub": "u1", "cognito:groups": "citizens"})

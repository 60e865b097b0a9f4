"""Managers, controllers and administrators sign in with an authenticator app: until their
account has one, every staff route but "who am I" refuses them (403 `second_factor_required`),
and "who am I" says so, so the console can send them to set it up. Operators and executors
may use one; they are never refused for lacking it.

Locally the dev token says how its holder signed in; deployed the user pool is asked (the
Cognito adapter, here over moto's user pool, the whole way: no app, an app set up, an app
an administrator took away)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.adapters import dev_tokens
from chalicelib.adapters.cognito_second_factors import CognitoSecondFactors
from tests.conftest import TEST_SECRET, card_form
from tests.integration.conftest import body


def _token(api, directory, clock, staff_id: str, *, second_factor: bool) -> str:
    member = directory.staff_member(staff_id)
    claims = dev_tokens.staff_claims(member, second_factor=second_factor)
    return dev_tokens.issue(claims, secret=TEST_SECRET, now=clock.now(), ttl=timedelta(hours=1))


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("staff_id", ["mgr-sergey", "ctl-elena", "adm-dmitry"])
def test_an_overseeing_role_without_an_app_is_sent_to_set_one_up(api, directory, clock, staff_id):
    token = _token(api, directory, clock, staff_id, second_factor=False)
    me = api.get("/staff/me", headers=_as(token))
    assert me.status_code == 200
    assert body(me)["second_factor"] == "missing"
    for path in ["/staff/queue?department=roads", "/staff/overdue", "/staff/desk"]:
        refused = api.get(path, headers=_as(token))
        assert refused.status_code == 403, path
        assert body(refused)["error"]["code"] == "second_factor_required"


def test_nothing_is_written_by_a_manager_without_an_app(api, directory, clock):
    number = body(api.post("/requests", card_form()))["number"]
    card = body(api.get(f"/staff/cards/{number}", staff="mgr-sergey"))
    token = _token(api, directory, clock, "mgr-sergey", second_factor=False)
    refused = api.post(
        f"/staff/cards/{number}/comments",
        {"text": "checked on site", "version": card["version"]},
        headers=_as(token),
    )
    assert refused.status_code == 403
    assert body(refused)["error"]["code"] == "second_factor_required"
    after = body(api.get(f"/staff/cards/{number}", staff="mgr-sergey"))
    assert after["version"] == card["version"]
    assert len(after["history"]) == len(card["history"])


def test_with_an_app_the_same_manager_works(api, directory, clock):
    token = _token(api, directory, clock, "mgr-sergey", second_factor=True)
    assert body(api.get("/staff/me", headers=_as(token)))["second_factor"] == "enrolled"
    assert api.get("/staff/queue?department=roads", headers=_as(token)).status_code == 200


@pytest.mark.parametrize("staff_id", ["op-olga", "ex-ivan"])
def test_operators_and_executors_may_go_without(api, directory, clock, staff_id):
    token = _token(api, directory, clock, staff_id, second_factor=False)
    assert body(api.get("/staff/me", headers=_as(token)))["second_factor"] == "not_required"
    department = directory.staff_member(staff_id).departments
    queue = api.get(f"/staff/queue?department={sorted(department)[0]}", headers=_as(token))
    assert queue.status_code == 200


def test_no_token_is_still_401_not_a_second_factor_question(api):
    assert api.get("/staff/me").status_code == 401
    assert api.get("/staff/queue?department=roads").status_code == 401


# ---- deployed: the user pool says (moto's Cognito)


@pytest.fixture
def pool(aws) -> dict[str, Any]:
    import boto3

    client = boto3.client("cognito-idp")
    pool_id = client.create_user_pool(PoolName="staff", MfaConfiguration="OPTIONAL")["UserPool"][
        "Id"
    ]
    app = client.create_user_pool_client(
        UserPoolId=pool_id, ClientName="console", ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"]
    )["UserPoolClient"]["ClientId"]
    client.admin_create_user(UserPoolId=pool_id, Username="mgr-sergey", MessageAction="SUPPRESS")
    client.admin_set_user_password(
        UserPoolId=pool_id, Username="mgr-sergey", Password="Correct-horse-9", Permanent=True
    )
    return {"client": client, "pool_id": pool_id, "app": app}


def _set_up_app(pool: dict[str, Any]) -> None:
    """What the console does with the person's own access token."""
    client = pool["client"]
    access = client.admin_initiate_auth(
        UserPoolId=pool["pool_id"],
        ClientId=pool["app"],
        AuthFlow="ADMIN_NO_SRP_AUTH",
        AuthParameters={"USERNAME": "mgr-sergey", "PASSWORD": "Correct-horse-9"},
    )["AuthenticationResult"]["AccessToken"]
    client.associate_software_token(AccessToken=access)
    client.verify_software_token(AccessToken=access, UserCode="123456")
    client.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )


def test_the_user_pool_is_asked_and_a_yes_is_remembered_for_minutes(make_api, pool, clock):
    factors = CognitoSecondFactors(pool["client"], pool["pool_id"], clock)
    api = make_api(second_factors=factors)
    token = api.tokens["mgr-sergey"]  # says "otp", but deployed only the pool is believed
    assert api.get("/staff/queue?department=roads", staff="mgr-sergey").status_code == 403
    assert body(api.get("/staff/me", headers=_as(token)))["second_factor"] == "missing"

    _set_up_app(pool)
    # A no is never remembered: the person who just set up their app is let in at once.
    assert api.get("/staff/queue?department=roads", staff="mgr-sergey").status_code == 200

    # An administrator takes the app away (a lost phone): believed within five minutes.
    pool["client"].admin_set_user_mfa_preference(
        UserPoolId=pool["pool_id"],
        Username="mgr-sergey",
        SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False},
    )
    assert api.get("/staff/queue?department=roads", staff="mgr-sergey").status_code == 200
    clock.advance(timedelta(minutes=6))
    assert api.get("/staff/queue?department=roads", staff="mgr-sergey").status_code == 403


def test_an_account_deleted_since_its_token_was_issued_is_refused(make_api, pool, clock):
    pool["client"].admin_delete_user(UserPoolId=pool["pool_id"], Username="mgr-sergey")
    api = make_api(second_factors=CognitoSecondFactors(pool["client"], pool["pool_id"], clock))
    refused = api.get("/staff/queue?department=roads", staff="mgr-sergey")
    assert refused.status_code == 403

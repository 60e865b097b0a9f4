"""What the second-factor check costs the staff API: calls to the user pool (AdminGetUser) for
a shift's worth of requests by managers (moto's Cognito; the app's own check, the container
wired as deployed). A yes is remembered five minutes per person in a warm function; a no is
asked again each time. Prints figures; asserts nothing.

    python bench/second_factor.py
"""

from __future__ import annotations

import json
import sys
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench.moto_env  # noqa: F401 - the environment first
from bench.api_calls import CallCounter

MANAGERS = ("mgr-sergey", "mgr-irina", "mgr-tatiana")
REQUESTS_A_MINUTE = 6  # a manager working through the desk and cards
SHIFT_MINUTES = 8 * 60


def main() -> None:
    warnings.filterwarnings("ignore", message="CognitoUserPoolAuthorizer")
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.adapters import dev_tokens
    from chalicelib.adapters.clock import ManualClock
    from chalicelib.adapters.cognito_second_factors import CognitoSecondFactors
    from chalicelib.adapters.static_directory import StaticDirectory
    from chalicelib.settings import Settings
    from infrastructure.local.resources import ensure_resources

    secret = "bench" * 8
    settings = Settings.from_env(
        {"CIVICDESK_AUTH_MODE": "dev", "CIVICDESK_DEV_TOKEN_SECRET": secret}
    )
    clock = ManualClock(datetime(2026, 12, 1, 6, 0, tzinfo=UTC))
    directory = StaticDirectory.from_file()
    with mock_aws():
        dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
        ensure_resources(settings, dynamodb=dynamodb, s3=s3)
        idp = boto3.client("cognito-idp")
        pool = idp.create_user_pool(PoolName="staff", MfaConfiguration="OPTIONAL")["UserPool"]["Id"]
        for staff_id in MANAGERS:
            idp.admin_create_user(UserPoolId=pool, Username=staff_id, MessageAction="SUPPRESS")
        _enrol(idp, pool, MANAGERS[:2])  # the third has not set up an app yet
        counter = CallCounter()
        counter.attach(idp)
        bootstrap.use(
            bootstrap.build(
                settings,
                dynamodb_client=dynamodb,
                s3_client=s3,
                clock=clock,
                second_factors=CognitoSecondFactors(idp, pool, clock),
            )
        )
        from app import app

        tokens = {
            m: dev_tokens.issue(
                dev_tokens.staff_claims(directory.staff_member(m)),  # type: ignore[arg-type]
                secret=secret,
                now=clock.now(),
                ttl=timedelta(days=1),
            )
            for m in MANAGERS
        }
        answered: dict[str, dict[str, int]] = {m: {} for m in MANAGERS}
        departments = {
            m: sorted(directory.staff_member(m).departments)[0]  # type: ignore[union-attr]
            for m in MANAGERS
        }
        with Client(app) as client:
            counter.take()
            for _ in range(SHIFT_MINUTES):
                for manager in MANAGERS:
                    for _ in range(REQUESTS_A_MINUTE):
                        answer = client.http.get(
                            f"/staff/overdue?department={departments[manager]}",
                            headers={"Authorization": f"Bearer {tokens[manager]}"},
                        )
                        said = str(answer.status_code)
                        if answer.status_code != 200:
                            said += " " + json.loads(answer.body)["error"]["code"]
                        answered[manager][said] = answered[manager].get(said, 0) + 1
                clock.advance(timedelta(minutes=1))
        calls, _ = counter.take()
        asked = calls.get("AdminGetUser", 0)
        total = SHIFT_MINUTES * REQUESTS_A_MINUTE * len(MANAGERS)
        print(
            f"{len(MANAGERS)} managers, {REQUESTS_A_MINUTE} staff requests a minute each for "
            f"{SHIFT_MINUTES // 60} hours ({total:,} requests); two have an app, one has not"
        )
        for manager in MANAGERS:
            print(f"  {manager}: answers {dict(sorted(answered[manager].items()))}")
        with_app = SHIFT_MINUTES * REQUESTS_A_MINUTE * 2
        without = SHIFT_MINUTES * REQUESTS_A_MINUTE
        print(
            f"  AdminGetUser calls: {asked:,} in all; for the two with an app "
            f"{asked - without:,} for {with_app:,} requests "
            f"({(asked - without) / with_app:.3f} a request: one per person per 5 minutes); "
            f"for the one without, {without:,} (one a request: a no is never remembered)"
        )
        bootstrap.use(None)


def _enrol(idp: Any, pool: str, staff_ids: tuple[str, ...]) -> None:
    for staff_id in staff_ids:
        idp.admin_set_user_password(
            UserPoolId=pool,
            Username=staff_id,
            Password="Correct-horse-9",  # noqa: S106 - moto's pool, a made-up user
            Permanent=True,
        )
        client = idp.create_user_pool_client(
            UserPoolId=pool, ClientName=staff_id, ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"]
        )["UserPoolClient"]["ClientId"]
        access = idp.admin_initiate_auth(
            UserPoolId=pool,
            ClientId=client,
            AuthFlow="ADMIN_NO_SRP_AUTH",
            AuthParameters={"USERNAME": staff_id, "PASSWORD": "Correct-horse-9"},
        )["AuthenticationResult"]["AccessToken"]
        idp.associate_software_token(AccessToken=access)
        idp.verify_software_token(AccessToken=access, UserCode="123456")
        idp.set_user_mfa_preference(
            AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
        )


if __name__ == "__main__":
    main()

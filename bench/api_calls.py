"""AWS API calls and items read per operation, counted with botocore event hooks under moto.

Targets (issue 2): a web intake makes at most 3 synchronous AWS calls, a status view 1.
A staff action reads the card with its history once and writes once.
"""

from __future__ import annotations

import json
import os
import warnings
from collections import Counter
from datetime import timedelta
from typing import Any

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)


class CallCounter:
    """Counts every API call a client makes and the items its responses carry."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items = 0

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call", self._before)
        client.meta.events.register("after-call", self._after)

    def _before(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def _after(self, parsed: dict[str, Any], **_: Any) -> None:
        self.items += len(parsed.get("Items", [])) + (1 if "Item" in parsed else 0)
        responses = parsed.get("Responses")
        if isinstance(responses, dict):  # BatchGetItem: items per table
            self.items += sum(len(items) for items in responses.values())

    def take(self) -> tuple[dict[str, int], int]:
        snapshot = (dict(self.calls), self.items)
        self.calls.clear()
        self.items = 0
        return snapshot


def main() -> None:
    # Chalice's test gateway warns that it admits Cognito routes; the app checks tokens itself.
    warnings.filterwarnings("ignore", message="CognitoUserPoolAuthorizer")
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.adapters import dev_tokens
    from chalicelib.settings import Settings
    from infrastructure.local.resources import ensure_resources

    settings = Settings.from_env(
        {"CIVICDESK_AUTH_MODE": "dev", "CIVICDESK_DEV_TOKEN_SECRET": "bench" * 8}
    )
    with mock_aws():
        dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
        ensure_resources(settings, dynamodb=dynamodb, s3=s3)
        counter = CallCounter()
        counter.attach(dynamodb)
        counter.attach(s3)
        from chalicelib.adapters.memory_exports import ImmediateRunner

        started: list[dict[str, Any]] = []
        bootstrap.use(
            bootstrap.build(
                settings,
                dynamodb_client=dynamodb,
                s3_client=s3,
                export_runner=ImmediateRunner(started.append),
            )
        )
        from app import app

        form = {
            "subject": "Pothole on Lenina",
            "description": "A deep pothole by the stop",
            "category": "roads.potholes",
            "requester": {"full_name": "Anna Ivanova", "email": "anna@example.org"},
            "consent": {"accepted": True, "text_version": settings.consent_version},
        }
        headers = {"Content-Type": "application/json"}
        rows = []
        with Client(app) as client:
            counter.take()
            first = {**form, "requester": {"full_name": "Boris", "email": "boris@example.org"}}
            client.http.post("/requests", body=json.dumps(first), headers=headers)
            rows.append(("first intake (stores directory, rules)", *counter.take()))
            plain = client.http.post("/requests", body=json.dumps(form), headers=headers)
            rows.append(("web intake (routed)", *counter.take()))
            keyed = client.http.post(
                "/requests",
                body=json.dumps(form),
                headers={**headers, "Idempotency-Key": "bench-1"},
            )
            rows.append(("web intake with Idempotency-Key", *counter.take()))
            client.http.post(
                "/requests",
                body=json.dumps(form),
                headers={**headers, "Idempotency-Key": "bench-1"},
            )
            rows.append(("retried intake (replay)", *counter.take()))
            # With a place: intake also looks for likely duplicates (the twins index, the
            # cells the topic's radius touches, read side by side).
            placed = {
                **form,
                "requester": {"full_name": "Clara", "email": "clara@example.org"},
                "location": {"address": "Lenina 5", "latitude": 55.7755, "longitude": 37.625},
            }
            client.http.post("/requests", body=json.dumps(placed), headers=headers)
            rows.append(("web intake with a place", *counter.take()))
            client.http.get(
                "/places/similar?category=roads.potholes&latitude=55.7756&longitude=37.625"
            )
            rows.append(("form: already reported nearby?", *counter.take()))
            receipt = json.loads(plain.body)
            assert keyed.status_code == 201
            client.http.get(
                f"/requests/{receipt['number']}",
                headers={"X-Access-Token": receipt["access_token"]},
            )
            rows.append(("status view", *counter.take()))
            container = bootstrap.container()
            operator = container.directory.staff_member("op-olga")
            assert operator is not None
            assert settings.dev_token_secret is not None
            token = dev_tokens.issue(
                dev_tokens.staff_claims(operator),
                secret=settings.dev_token_secret,
                now=container.clock.now(),
                ttl=timedelta(minutes=5),
            )
            staff = {**headers, "Authorization": f"Bearer {token}"}
            overseer = container.directory.staff_member("ctl-elena")
            assert overseer is not None
            controller = {
                **headers,
                "Authorization": "Bearer "
                + dev_tokens.issue(
                    dev_tokens.staff_claims(overseer),
                    secret=settings.dev_token_secret,
                    now=container.clock.now(),
                    ttl=timedelta(minutes=5),
                ),
            }
            client.http.get("/staff/queue?department=roads", headers=staff)
            rows.append(("department queue page", *counter.take()))
            assign = {"executor_id": "mgr-sergey", "reason": "The manager takes it", "version": 1}
            assigned = client.http.post(
                f"/staff/cards/{receipt['number']}/assign", body=json.dumps(assign), headers=staff
            )
            assert assigned.status_code == 200, assigned.body
            rows.append(("staff action (reassign)", *counter.take()))
            # What the console asks for, page by page.
            for name, path in (
                ("console: who am I", "/staff/me"),
                ("console: card with history", f"/staff/cards/{receipt['number']}"),
                ("console: overdue list", "/staff/overdue?department=roads"),
                ("console: approvals list", "/staff/approvals?department=roads"),
                ("console: workload (3 owners)", "/staff/workload?department=roads"),
            ):
                answer = client.http.get(path, headers=staff)
                assert answer.status_code == 200, answer.body
                rows.append((name, *counter.take()))
            # Reports read the nightly figures (one S3 object a month) and the live workload.
            c = bootstrap.container()
            c.exports.run_nightly()
            counter.take()
            day = c.clock.now().date()
            month = f"from={day.replace(day=1)}&to={day}"
            for name, path in (
                ("report: a month, one department", f"/staff/reports?{month}&department=roads"),
                ("report: a month, whole town", f"/staff/reports?{month}"),
                (
                    "report: a year, whole town",
                    f"/staff/reports?from={day.replace(month=1, day=1)}&to={day}",
                ),
                ("search (embedded index locally)", "/staff/search?q=pothole%20lenina"),
            ):
                answer = client.http.get(path, headers=controller)
                assert answer.status_code == 200, answer.body
                rows.append((name, *counter.take()))
            client.http.post(
                "/staff/exports",
                body=json.dumps({"from": str(day), "to": str(day)}),
                headers=controller,
            )
            rows.append(("export request (queued)", *counter.take()))
    print("AWS calls per operation (botocore before-call hooks, moto)")
    for name, calls, items in rows:
        detail = ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))
        print(f"  {name:<40} {sum(calls.values())} calls, {items} items read   ({detail})")


if __name__ == "__main__":
    main()

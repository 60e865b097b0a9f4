"""Shared fixtures. Environment first: Powertools and boto3 read it when objects are built."""

from __future__ import annotations

import os

os.environ.update(
    {
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "CivicDeskTest",
        "POWERTOOLS_SERVICE_NAME": "civicdesk",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.settings import Settings

# Each contract suite's DynamoDB adapter runs on moto and on the local stack's item store.
AWS_FIXTURES = {"dynamodb": "aws", "local-stack": "local_aws"}
TEST_SECRET = "test-secret-that-is-long-enough-0123456789"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(scope="session")
def directory() -> StaticDirectory:
    return StaticDirectory.from_file()


def settings_for_tests() -> Settings:
    """The settings every test runs with (a function: module-scoped fixtures need them too)."""
    return Settings.from_env(
        {
            "CIVICDESK_AUTH_MODE": "dev",
            "CIVICDESK_DEV_TOKEN_SECRET": TEST_SECRET,
            "CIVICDESK_TABLE": "cards-test",
            "CIVICDESK_ATTACHMENTS_BUCKET": "attachments-test",
            "CIVICDESK_PUBLIC_BASE_URL": "https://portal.town.example",
        }
    )


@pytest.fixture
def settings() -> Settings:
    return settings_for_tests()


@pytest.fixture
def aws(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """moto-backed DynamoDB, S3 and SES with the stack's table, buckets and mail identity."""
    import boto3
    from moto import mock_aws

    from infrastructure.local.resources import ensure_resources

    one_moto_request_at_a_time(monkeypatch)
    with mock_aws():
        clients = {
            "dynamodb": boto3.client("dynamodb"),
            "s3": boto3.client("s3"),
            "ses": boto3.client("ses"),
        }
        ensure_resources(
            settings, dynamodb=clients["dynamodb"], s3=clients["s3"], ses=clients["ses"]
        )
        yield clients


def one_moto_request_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto applies a request without locking, so two threads can both pass a condition or
    both read a counter before either writes. DynamoDB applies each request atomically: make
    the emulator do the same. Races between separate calls (read, then conditional write)
    stay. Re-entrant: a Step Functions task moto runs in-process calls AWS again on the same
    thread."""
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.RLock()
    original = BotocoreStubber.__call__

    def serialized(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", serialized)


@pytest.fixture
def local_aws(settings: Settings, tmp_path) -> Iterator[dict[str, Any]]:
    """The local stack's emulated AWS over HTTP (DynamoDB in its item store), with the stack's
    table, buckets and mail identity. ``local_aws["endpoint"]`` is its URL."""
    import boto3

    from infrastructure.local.aws import REGION, EmulatedAws
    from infrastructure.local.resources import ensure_resources

    emulated = EmulatedAws(tmp_path / "local-aws")
    endpoint = emulated.start()
    clients: dict[str, Any] = {
        name: boto3.client(
            name,
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        for name in ("dynamodb", "s3", "ses", "dynamodbstreams")
    }
    ensure_resources(settings, dynamodb=clients["dynamodb"], s3=clients["s3"], ses=clients["ses"])
    yield {**clients, "endpoint": endpoint, "emulated": emulated}
    emulated.stop()
    forget_local_backends()


def forget_local_backends() -> None:
    """moto's next use of the account builds fresh backends (not the local stack's)."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    from infrastructure.local.aws import ACCOUNT_ID, REGION

    for backends in (dynamodb_backends, dynamodbstreams_backends):
        backends[ACCOUNT_ID].pop(REGION, None)


def card_form(**overrides: Any) -> dict[str, Any]:
    """A valid web-form body; tests change one thing at a time."""
    form: dict[str, Any] = {
        "subject": "Pothole on Lenina street",
        "description": "A deep pothole next to the bus stop at Lenina 5.",
        "category": "roads.potholes",
        "requester": {
            "full_name": "Anna Ivanova",
            "email": "anna@example.org",
            "phone": "+7 900 000 00 00",
            "preferred_channel": "email",
        },
        "consent": {"accepted": True, "text_version": "2026-01"},
        "location": {
            "address": "Lenina 5",
            "district": "District 3",
            "latitude": 55.751,
            "longitude": 37.618,
        },
    }
    form.update(overrides)
    return form


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schemathesis names each operation's test in the item's name ("...[POST /requests]") but
    not in its node id; pytest-xdist hands out work by node id, and a per-file split keeps one
    item per id. Each operation gets its own id, so every one of them runs."""
    for item in items:
        if "[" in item.name and "[" not in item.nodeid and item.parent is not None:
            item._id = item.parent.id.child(item.name)  # pytest 9 keeps the node id here

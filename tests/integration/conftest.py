from __future__ import annotations

import copy
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.adapters import dev_tokens
from chalicelib.adapters.telemetry import RecordingTelemetry
from infrastructure.local.gateway import tolerate_malformed_tokens
from tests.conftest import TEST_SECRET

SAM_EVENTS = "samcli/lib/generated_sample_events/events"


@dataclass
class Api:
    client: Client
    container: bootstrap.Container
    tokens: dict[str, str]
    telemetry: RecordingTelemetry

    def post(
        self,
        path: str,
        body: Any,
        *,
        staff: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        raw = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.http.post(path, body=raw, headers=self._headers(staff, headers))

    def get(
        self, path: str, *, staff: str | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        return self.client.http.get(path, headers=self._headers(staff, headers))

    def put(
        self,
        path: str,
        body: Any,
        *,
        staff: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        raw = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.http.put(path, body=raw, headers=self._headers(staff, headers))

    def attach(self, number: str, token: str, name: str, content: bytes, kind: str) -> str:
        """The requester's file through the upload ticket, stored and confirmed: its id."""
        import requests

        headers = {"X-Access-Token": token}
        ticket = body(
            self.post(
                f"/requests/{number}/attachments",
                {"filename": name, "content_type": kind, "size": len(content)},
                headers=headers,
            )
        )
        requests.post(
            ticket["url"], data=ticket["fields"], files={"file": (name, content, kind)}, timeout=10
        )
        confirmed = self.put(ticket["confirm_path"], {"filename": name}, headers=headers)
        assert confirmed.status_code == 200, confirmed.body
        return str(ticket["confirm_path"].rsplit("/", 1)[1])

    def _headers(self, staff: str | None, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Content-Type": "application/json", **(extra or {})}
        if staff:
            headers["Authorization"] = f"Bearer {self.tokens[staff]}"
        return headers


@pytest.fixture
def make_api(aws, settings, clock, directory) -> Iterator[Callable[..., Api]]:
    """The app over moto; ``make_api(port=replacement, ...)`` swaps any container port."""
    from app import app

    tolerate_malformed_tokens()

    def make(**overrides: Any) -> Api:
        telemetry = overrides.pop("telemetry", RecordingTelemetry())
        container = bootstrap.build(
            settings,
            dynamodb_client=aws["dynamodb"],
            s3_client=aws["s3"],
            clock=clock,
            directory=directory,
            telemetry=telemetry,
            **overrides,
        )
        bootstrap.use(container)
        tokens = {
            m.id: dev_tokens.issue(
                dev_tokens.staff_claims(m),
                secret=TEST_SECRET,
                now=clock.now(),
                ttl=timedelta(days=30),
            )
            for m in directory.staff()
        }
        return Api(Client(app), container, tokens, telemetry)

    yield make
    bootstrap.use(None)


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


@pytest.fixture(scope="session")
def sam_sample(pytestconfig) -> Callable[[str], dict[str, Any]]:
    """AWS's own sample events, read from the aws-sam-cli wheel (downloaded once per cache):
    ``sam_sample("ses/SesEmailReceiving.json")``."""
    cache = pytestconfig.cache.mkdir("aws-sam-cli")

    def wheel() -> Path:
        wheels = sorted(cache.glob("aws_sam_cli-*.whl"))
        if not wheels:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-d",
                    str(cache),
                    "aws-sam-cli",
                ],
                check=True,
                timeout=300,
            )
            wheels = sorted(cache.glob("aws_sam_cli-*.whl"))
        return wheels[-1]

    def read(name: str) -> dict[str, Any]:
        text = zipfile.ZipFile(wheel()).read(f"{SAM_EVENTS}/{name}").decode()
        for placeholder, value in {
            "partition": "aws",
            "region": "eu-central-1",
            "account_id": "123456789012",
            "dns_suffix": "amazonaws.com",
        }.items():
            text = text.replace("{{{" + placeholder + "}}}", value)
        return dict(json.loads(text))

    return read


@pytest.fixture(scope="session")
def ses_sample(sam_sample) -> dict[str, Any]:
    """AWS's own SES receipt event (the rule stored the mail in S3 and invoked the function)."""
    return sam_sample("ses/SesEmailReceiving.json")


@pytest.fixture
def mailroom(aws, settings, clock, directory) -> Iterator[tuple[Any, RecordingTelemetry]]:
    """The product's container over moto, installed for the handlers, and its telemetry."""
    telemetry = RecordingTelemetry()
    container = bootstrap.build(
        settings,
        dynamodb_client=aws["dynamodb"],
        s3_client=aws["s3"],
        ses_client=aws["ses"],
        clock=clock,
        directory=directory,
        telemetry=telemetry,
    )
    bootstrap.use(container)
    yield container, telemetry
    bootstrap.use(None)


def ses_event(sample: dict[str, Any], message_id: str, **verdicts: str) -> dict[str, Any]:
    """The sample event for the mail stored as ``inbound/<message_id>``, with ``verdicts``."""
    event = copy.deepcopy(sample)
    record = event["Records"][0]["ses"]
    record["mail"]["messageId"] = message_id
    for name, status in verdicts.items():
        record["receipt"][f"{name}Verdict"] = {"status": status}
    return event


def store_raw_mail(aws: dict[str, Any], settings: Any, message_id: str, raw: bytes) -> None:
    aws["s3"].put_object(Bucket=settings.inbound_bucket, Key=f"inbound/{message_id}", Body=raw)


def body(response: Any) -> Any:
    return json.loads(response.body)

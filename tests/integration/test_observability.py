"""Logs are structured, keyed by card number, and carry no personal data; metrics are EMF."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from chalicelib.adapters.telemetry import PowertoolsTelemetry
from chalicelib.observability import logger, metrics
from tests.conftest import card_form
from tests.integration.conftest import body

PERSONAL = (
    "Anna Ivanova",
    "anna@example.org",
    "+7 900 000 00 00",
    "Lenina 5",
    "bus stop",
    "55.751",
    "Entrance 2",
)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the Powertools logger writes (its handler keeps the stream it was built with)."""
    stream = io.StringIO()
    previous = logger.registered_handler.setStream(stream)
    yield stream
    logger.registered_handler.setStream(previous)


def test_logs_name_the_card_but_never_the_person(api, log_lines):
    receipt = body(api.post("/requests", card_form()))
    number, token = receipt["number"], receipt["access_token"]
    api.post(
        f"/requests/{number}/messages",
        {"text": "Entrance 2 is blocked"},
        headers={"X-Access-Token": token},
    )
    api.get(f"/requests/{number}", headers={"X-Access-Token": token})
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    handled = [line for line in lines if line["message"] == "request handled"]
    assert [(h["route"], h["status"]) for h in handled] == [
        ("/requests", 201),
        ("/requests/{number}/messages", 201),
        ("/requests/{number}", 200),
    ]
    assert handled[1]["correlation_id"] == number
    registered = next(line for line in lines if line["message"] == "card registered")
    assert registered["correlation_id"] == number
    assert registered["channel"] == "web"
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    for secret in (*PERSONAL, token):
        assert secret not in text


def test_cards_created_is_an_emf_metric_with_channel_and_category(capfd):
    PowertoolsTelemetry(metrics()).card_created(channel="email", category="waste.illegal_dumping")
    (blob,) = [json.loads(line) for line in capfd.readouterr().out.splitlines() if "_aws" in line]
    directive = blob["_aws"]["CloudWatchMetrics"][0]
    assert directive["Metrics"] == [{"Name": "CardsCreated", "Unit": "Count"}]
    assert {"channel", "category"} <= set(directive["Dimensions"][0])
    assert blob["channel"] == "email"
    assert blob["category"] == "waste"
    assert blob["CardsCreated"] == [1.0] or blob["CardsCreated"] == 1.0


def test_the_charset_steps_of_a_mail_are_one_emf_metric_per_step(capfd):
    PowertoolsTelemetry(metrics()).mail_decoded(steps=["declared", "detected", "declared"])
    blobs = [json.loads(line) for line in capfd.readouterr().out.splitlines() if "_aws" in line]
    counted = {b["step"]: b["MailTextsDecoded"] for b in blobs}
    assert counted in (
        {"declared": 2.0, "detected": 1.0},
        {"declared": [2.0], "detected": [1.0]},
    )
    for blob in blobs:
        assert "step" in blob["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]

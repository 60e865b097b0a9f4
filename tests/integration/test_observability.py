"""Logs are structured, keyed by card number, and carry no personal data; metrics are EMF."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from chalicelib.adapters.telemetry import PowertoolsTelemetry
from chalicelib.observability import logger
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


def _emf(capfd) -> list[dict]:
    return [json.loads(line) for line in capfd.readouterr().out.splitlines() if "_aws" in line]


def test_each_metric_is_its_own_emf_line_with_only_its_own_dimensions(capfd):
    telemetry = PowertoolsTelemetry("CivicDesk")
    telemetry.card_created(channel="email", category="waste.illegal_dumping")
    telemetry.message_settled(channel="sms", status="failed")
    telemetry.message_settled(channel="sms", status="retrying")  # not a metric: an attempt
    telemetry.card_changed(closed=True, deadlines_missed=2)
    created, failed, closed, missed = _emf(capfd)
    directive = created["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "CivicDesk"
    assert directive["Metrics"] == [{"Name": "CardsCreated", "Unit": "Count"}]
    # Exactly the dimensions the alarms and the dashboard name (no topic: one metric each).
    assert sorted(directive["Dimensions"][0]) == ["channel", "service"]
    assert (created["channel"], created["service"]) == ("email", "civicdesk")
    assert "category" not in created
    assert sorted(failed["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) == ["channel", "service"]
    assert failed["MessagesFailed"] in (1.0, [1.0])
    assert closed["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0] == ["service"]
    assert missed["DeadlinesMissed"] in (2.0, [2.0])


def test_no_metric_is_written_where_metrics_are_switched_off(capfd, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")  # the local stack, the CLI
    PowertoolsTelemetry("CivicDesk").card_created(channel="web", category="roads.potholes")
    assert _emf(capfd) == []


def test_the_charset_steps_of_a_mail_are_one_emf_metric_per_step(capfd):
    PowertoolsTelemetry("CivicDesk").mail_decoded(steps=["declared", "detected", "declared"])
    blobs = [json.loads(line) for line in capfd.readouterr().out.splitlines() if "_aws" in line]
    counted = {b["step"]: b["MailTextsDecoded"] for b in blobs}
    assert counted in (
        {"declared": 2.0, "detected": 1.0},
        {"declared": [2.0], "detected": [1.0]},
    )
    for blob in blobs:
        assert "step" in blob["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]


def test_closed_cards_and_missed_deadlines_are_counted_where_every_card_write_passes():
    from datetime import timedelta

    from chalicelib.adapters.clock import ManualClock
    from chalicelib.adapters.measured_cards import MeasuredCards
    from chalicelib.adapters.memory_cards import InMemoryCardRepository
    from chalicelib.adapters.static_directory import StaticDirectory
    from chalicelib.adapters.telemetry import RecordingTelemetry
    from chalicelib.domain import lifecycle
    from chalicelib.domain.card import Status
    from chalicelib.domain.errors import ConflictError
    from chalicelib.domain.history import SYSTEM
    from chalicelib.domain.sla import Timer, TimerKind, TimerState
    from chalicelib.domain.sla_overdue import record_breach
    from tests.conftest import START
    from tests.factories import MANAGER, submit

    telemetry = RecordingTelemetry()
    cards = MeasuredCards(InMemoryCardRepository(), telemetry)
    clock = ManualClock(START)
    card = submit(cards, clock, StaticDirectory.from_file()).card  # type: ignore[arg-type]
    assert cards.get(card.number) == card  # the rest of the port reaches the table
    timer = Timer(
        kind=TimerKind.FIRST_REPLY,
        state=TimerState.BREACHED,
        started_at=START,
        budget=timedelta(hours=8),
        used=timedelta(hours=9),
        due_at=START + timedelta(hours=8),
    )
    missed = record_breach(card, timer, actor=SYSTEM, at=START)
    cards.save(missed.card, missed.entry)
    closing = lifecycle.transition(
        missed.card,
        Status.CLOSED,
        lifecycle.TransitionDetails(closure_reason="Duplicate call, nothing to do"),
        actor=MANAGER.actor,
        at=START,
    )
    with pytest.raises(ConflictError):
        cards.save(closing.card.model_copy(update={"version": 9}), closing.entry)
    assert (telemetry.cards_closed, telemetry.deadlines_missed) == (0, 1)  # refused: uncounted
    cards.save(closing.card, closing.entry)
    assert (telemetry.cards_closed, telemetry.deadlines_missed) == (1, 1)


def test_every_function_wears_the_entrypoint_and_is_traced_without_its_answer(monkeypatch):
    """Log context on every handler; where tracing is on, the tracer captures the invocation
    (never its answer, which can carry more than a number)."""
    import importlib
    import pkgutil

    import functions
    from chalicelib import observability

    captured: list[dict] = []

    class Tracer:
        def capture_lambda_handler(self, handler, capture_response=True):
            captured.append({"capture_response": capture_response})
            return lambda event, context: ("traced", handler(event, context))

    worn = observability.entrypoint(lambda event, context: None).__code__
    for module in pkgutil.iter_modules(functions.__path__):
        handler = importlib.import_module(f"functions.{module.name}").handler
        assert handler.__code__ is worn, module.name
    monkeypatch.setattr(observability, "tracer", lambda: Tracer())
    observability._traced.cache_clear()

    @observability.entrypoint
    def handler(event, context):
        return {"seen": event}

    class Context:
        function_name = "civicdesk-Timer"
        memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:civicdesk-Timer"
        aws_request_id = "req-1"

    assert handler({"a": 1}, Context()) == ("traced", {"seen": {"a": 1}})
    assert captured == [{"capture_response": False}]


def test_the_card_number_follows_a_request_from_the_form_to_the_message_sent(api, log_lines):
    number = body(api.post("/requests", card_form()))["number"]
    assert api.container.outbox_dispatch.dispatch_due()["sent"] >= 1
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    sent = [line for line in lines if line.get("outbox_id") and line.get("status") == "sent"]
    assert sent
    assert {line["correlation_id"] for line in sent} == {number}

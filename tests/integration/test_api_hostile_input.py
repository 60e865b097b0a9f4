"""Hostile input gets a clear 4xx naming the problem, never a 500, and its values never reach
the logs."""

from __future__ import annotations

import io

import pytest

from chalicelib.observability import logger
from tests.conftest import card_form
from tests.integration.conftest import body

CALLER = {"full_name": "Pyotr Ivanov", "phone": "+7 916 555-44-33", "preferred_channel": "sms"}
SECRET_WORDS = "Zinaida-Petrovna-lives-at-flat-12"


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    previous = logger.registered_handler.setStream(stream)
    yield stream
    logger.registered_handler.setStream(previous)


def _call(**overrides):
    return {
        "caller": CALLER,
        "essence": f"Deep pothole on Lenina street. {SECRET_WORDS}",
        "category": "roads.potholes",
        "outcome": "card_created",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "roads"}, "category"),  # a topic group, not a topic
        ({"essence": "x" * 4900, "checked": "y" * 900}, "checked"),  # too long together
    ],
)
def test_a_bad_call_record_is_a_400_naming_the_field_and_logs_no_input(
    api, log_lines, overrides, field
):
    refused = api.post("/staff/calls", _call(**overrides), staff="op-olga")
    assert refused.status_code == 400, refused.body
    assert field in [f["field"] for f in body(refused)["error"]["fields"]]
    assert SECRET_WORDS not in log_lines.getvalue()
    assert "x" * 100 not in log_lines.getvalue()


def test_json_nested_beyond_reason_is_a_400_not_a_crash(api):
    deep = "[" * 30_000 + "]" * 30_000
    for path, staff in (("/requests", None), ("/staff/calls", "op-olga")):
        refused = api.post(path, deep, staff=staff)
        assert refused.status_code == 400, (path, refused.status_code)
        (problem,) = body(refused)["error"]["fields"]
        assert problem == {"field": "body", "problem": "is nested too deeply", "code": "too_deep"}


def test_a_non_ascii_signed_token_is_a_wrong_token(api):
    number = body(api.post("/requests", card_form()))["number"]
    for token in ("s1.9999999999.ЖЖЖ", "s1.99999999999.\u00e9t\u00e9", "ключ"):
        answer = api.get(f"/requests/{number}", headers={"X-Access-Token": token})
        assert answer.status_code == 404, (token, answer.status_code)


def test_coordinates_too_fine_for_the_table_are_kept_to_a_centimetre(api):
    # Found by the schema-driven fuzzing: 1e-200 is a valid JSON number and a valid latitude,
    # and DynamoDB cannot store it (a decimal underflow: 500).
    place = {"address": "Lenina 5", "latitude": 55.7510000000001, "longitude": 1e-200}
    answer = api.post("/requests", card_form(location=place))
    assert answer.status_code == 201, answer.body
    stored = api.container.cards.get(body(answer)["number"]).location
    assert stored is not None
    assert (stored.latitude, stored.longitude) == (55.751, 0.0)

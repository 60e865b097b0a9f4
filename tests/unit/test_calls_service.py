"""The operator's call card at service level: every call becomes a card, whatever its outcome."""

from __future__ import annotations

import pytest

from chalicelib.domain.card import Channel, Status
from chalicelib.domain.errors import PermissionDenied, ValidationFailed
from chalicelib.services.commands import CallRecord
from tests.factories import EXECUTOR, OPERATOR


def _call(outcome: str, **fields) -> CallRecord:
    return CallRecord.model_validate(
        {
            "caller": {
                "full_name": "Anna Ivanova",
                "phone": "+7 916 555-44-33",
                "preferred_channel": "sms",
            },
            "essence": "Streetlight out at Lenina 5\nDark since Monday",
            "category": "lighting.streetlight_out",
            "outcome": outcome,
            **fields,
        }
    )


def test_a_consultation_is_closed_at_once_with_the_answer(town):
    shown = town.calls.record(
        OPERATOR, _call("consultation", answer="Lights are fixed within 3 days"), call_id="c1"
    )
    card = shown.card
    assert (card.channel, card.status) == (Channel.PHONE, Status.CLOSED)
    assert card.closure_reason == "Lights are fixed within 3 days"
    assert card.subject == "Streetlight out at Lenina 5"


def test_a_forwarded_call_goes_to_the_department_queue(town):
    shown = town.calls.record(OPERATOR, _call("forwarded", forwarded_to="housing"), call_id=None)
    assert shown.card.department == "housing"
    assert shown.card.executor_id is None


def test_missing_details_wait_with_the_questions(town):
    shown = town.calls.record(
        OPERATOR, _call("card_created", missing=["Which pole?", "Since when?"]), call_id="c2"
    )
    assert shown.card.status == Status.NEEDS_CLARIFICATION
    assert shown.card.open_question == "- Which pole?\n- Since when?"
    # The caller is asked to answer by the topic's date, like any other requester.
    asked_at = shown.history[-1].at
    assert shown.card.reply_by == town.sla_policy.reply_by(shown.card.category, asked_at)


def test_a_retried_save_returns_the_same_card_and_carries_nothing_out_twice(town):
    first = town.calls.record(OPERATOR, _call("consultation", answer="Fixed soon"), call_id="c3")
    again = town.calls.record(OPERATOR, _call("consultation", answer="Fixed soon"), call_id="c3")
    assert again.card.number == first.card.number
    assert again.card.version == first.card.version


def test_only_call_takers_record_and_unknown_departments_are_named(town):
    with pytest.raises(PermissionDenied):
        town.calls.record(EXECUTOR, _call("card_created"), call_id=None)
    with pytest.raises(ValidationFailed) as invalid:
        town.calls.record(OPERATOR, _call("forwarded", forwarded_to="moon"), call_id=None)
    assert [p.field for p in invalid.value.problems] == ["forwarded_to"]


def test_the_script_asks_the_general_questions_then_the_topic_s(town):
    general = town.calls.script("other.question", "ru")  # no script of its own
    heating = town.calls.script("housing.heating", "ru")
    assert general
    assert heating[: len(general)] == general
    assert len(heating) > len(general)
    assert town.calls.script("housing.heating", "en") != heating  # in the asked language
    with pytest.raises(ValidationFailed):
        town.calls.script("nope", "en")

"""Registering a request: validation, numbering, idempotency, consent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.memory_cards import InMemoryCardRepository
from chalicelib.adapters.telemetry import RecordingTelemetry
from chalicelib.domain.access_tokens import token_matches
from chalicelib.domain.card import Channel, Status
from chalicelib.domain.errors import IdempotencyMismatch, NotFound, ValidationFailed
from chalicelib.ports import IdempotencyRecord
from chalicelib.services import intake
from chalicelib.services.commands import CardCreate
from chalicelib.services.policies import IntakePolicy
from tests.conftest import card_form
from tests.factories import memory_router, submit


@pytest.fixture
def cards() -> InMemoryCardRepository:
    return InMemoryCardRepository()


def test_a_valid_form_becomes_a_received_card_with_a_number(cards, clock, directory):
    receipt = submit(cards, clock, directory)
    card = receipt.card
    assert card.number == "2026-000001"
    assert card.status == Status.RECEIVED
    assert card.department == "roads"
    assert card.channel == Channel.WEB
    assert card.consent is not None
    assert card.consent.accepted_at == clock.now()
    assert card.first_response_due > card.created_at
    assert token_matches(receipt.access_token, card.access_token_hash)
    _, history = cards.get_with_history(card.number)
    assert [e.action.value for e in history] == ["created"]


def test_numbers_increase_and_restart_each_year_in_the_town_time_zone(cards, directory):
    tz = ZoneInfo("Asia/Yekaterinburg")  # UTC+5: 20:00 UTC on 31 Dec is already next year there
    policy = IntakePolicy(timezone=tz)
    clock = ManualClock(datetime(2026, 12, 31, 18, 0, tzinfo=UTC))
    form = CardCreate.model_validate(card_form())
    numbers = []
    for hour in (18, 18, 19, 20):
        clock = ManualClock(datetime(2026, 12, 31, hour, 30, tzinfo=UTC))
        numbers.append(
            intake.submit_request(
                form,
                idempotency_key=None,
                cards=cards,
                directory=directory,
                clock=clock,
                telemetry=RecordingTelemetry(),
                policy=policy,
                route=memory_router(cards, directory),
            ).card.number
        )
    assert numbers == ["2026-000001", "2026-000002", "2027-000001", "2027-000002"]


def test_web_intake_refuses_a_request_without_consent(cards, clock, directory):
    with pytest.raises(ValidationFailed) as error:
        submit(cards, clock, directory, consent={"accepted": False, "text_version": "2026-01"})
    assert [p.field for p in error.value.problems] == ["consent.accepted"]
    with pytest.raises(ValidationFailed):
        submit(cards, clock, directory, consent=None)


def test_consent_to_an_old_text_is_refused(cards, clock, directory):
    with pytest.raises(ValidationFailed) as error:
        submit(cards, clock, directory, consent={"accepted": True, "text_version": "2019-01"})
    assert error.value.problems[0].field == "consent.text_version"


def test_every_business_problem_is_listed(cards, clock, directory):
    with pytest.raises(ValidationFailed) as error:
        submit(cards, clock, directory, category="roads.unicorns", consent=None)
    assert {p.field for p in error.value.problems} == {"category", "consent.accepted"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"requester": {"full_name": "Anna", "preferred_channel": "sms"}}, "requester"),
        ({"requester": {"full_name": "Anna", "email": "not-an-email"}}, "requester.email"),
        ({"location": {"latitude": 91, "longitude": 0}}, "location.latitude"),
        ({"location": {"latitude": 55.0}}, "location"),
        ({"priority": "whenever"}, "priority"),
        ({"subject": "  "}, "subject"),
        ({"description": "x" * 5001}, "description"),
        ({"extra_field": 1}, "extra_field"),
    ],
)
def test_shape_errors_name_the_field(change, field):
    with pytest.raises(ValidationError) as error:
        CardCreate.model_validate(card_form(**change))
    locations = {".".join(str(p) for p in e["loc"]) for e in error.value.errors()}
    assert field in locations


def test_same_idempotency_key_returns_the_same_card_and_token(cards, clock, directory):
    first = submit(cards, clock, directory, key="retry-1")
    again = submit(cards, clock, directory, key="retry-1")
    assert again.replayed
    assert not first.replayed
    assert again.card.number == first.card.number
    assert again.access_token == first.access_token
    assert cards.next_number(2026) == 2  # the replay took no number


def test_reusing_a_key_for_a_different_request_is_refused(cards, clock, directory):
    submit(cards, clock, directory, key="retry-2")
    with pytest.raises(IdempotencyMismatch):
        submit(cards, clock, directory, key="retry-2", subject="A different problem")


def test_metrics_count_cards_by_channel_and_category(cards, clock, directory):
    telemetry = RecordingTelemetry()
    intake.submit_request(
        CardCreate.model_validate(card_form()),
        idempotency_key=None,
        cards=cards,
        directory=directory,
        clock=clock,
        telemetry=telemetry,
        policy=IntakePolicy(),
        route=memory_router(cards, directory),
    )
    assert telemetry.cards_created == [("web", "roads.potholes")]


def test_channels_that_record_consent_elsewhere_do_not_need_the_checkbox(cards, clock, directory):
    form = CardCreate.model_validate(card_form(consent=None))
    receipt = intake.submit_request(
        form,
        channel=Channel.PHONE,
        idempotency_key=None,
        cards=cards,
        directory=directory,
        clock=clock,
        telemetry=RecordingTelemetry(),
        policy=IntakePolicy(),
        route=memory_router(cards, directory),
    )
    assert receipt.card.channel == Channel.PHONE
    assert receipt.card.consent is None
    _, history = cards.get_with_history(receipt.card.number)
    assert history[0].actor.kind.value == "system"


class _RacingRepository(InMemoryCardRepository):
    """The twin, with a rival request's card written between our key check and our create."""

    def __init__(self, rival: Callable[[], None]) -> None:
        super().__init__()
        self._rival = rival
        self._raced = False

    def find_idempotent(self, key: str) -> IdempotencyRecord | None:
        found = super().find_idempotent(key)
        if found is None and not self._raced:
            self._raced = True
            self._rival()
            return None  # what we saw before the rival's write landed
        return found


def test_a_concurrent_retry_with_the_same_key_gets_the_winners_card(clock, directory):
    def rival() -> None:
        winner.append(submit(cards, clock, directory, key="race").card)

    winner: list = []
    cards = _RacingRepository(rival)
    receipt = submit(cards, clock, directory, key="race")
    assert receipt.replayed
    assert receipt.card.number == winner[0].number
    assert cards.get_with_history(winner[0].number)[0] == winner[0]
    with pytest.raises(NotFound):
        cards.get("2026-000002")  # the loser's number was taken but never written

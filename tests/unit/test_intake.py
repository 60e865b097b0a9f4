"""Registering a request: validation, numbering, idempotency, consent."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.memory_cards import InMemoryCardRepository
from chalicelib.adapters.telemetry import RecordingTelemetry
from chalicelib.domain.access_tokens import StatusKey, token_matches
from chalicelib.domain.card import Channel, Status
from chalicelib.domain.errors import ConflictError, IdempotencyMismatch, ValidationFailed
from chalicelib.ports import IdempotencyRecord
from chalicelib.services import intake
from chalicelib.services.commands import CardCreate
from chalicelib.services.policies import IntakePolicy
from tests.conftest import card_form
from tests.factories import LINK_SECRET, memory_router, submit


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


def test_same_idempotency_key_returns_the_same_card_with_a_fresh_key(cards, clock, directory):
    first = submit(cards, clock, directory, key="retry-1")
    again = submit(cards, clock, directory, key="retry-1")
    assert again.replayed
    assert not first.replayed
    assert again.card.number == first.card.number
    # The first answer's token is nowhere kept: the repeat gets a signed key to the card.
    record = cards.find_idempotent("retry-1")
    assert record is not None
    assert first.access_token not in repr(record)
    assert again.access_token != first.access_token
    key = StatusKey(again.access_token, link_secret=LINK_SECRET, now=clock.now())
    assert key.opens(again.card.number, again.card.access_token_hash)
    assert cards.next_number(2026) == 2  # the replay took no number


def test_a_retry_while_the_first_attempt_registers_is_told_to_retry_and_takes_no_number(
    cards, clock, directory
):
    form = CardCreate.model_validate(card_form())
    at_work = IdempotencyRecord(
        key="busy",
        request_hash=intake._request_hash(form),
        claim="first-attempt",
        claimed_until=clock.now() + intake.CLAIM_LEASE,
    )
    assert cards.claim_idempotent(at_work, now=clock.now()) == at_work
    with pytest.raises(ConflictError, match="still being registered"):
        submit(cards, clock, directory, key="busy")
    assert cards.numbers_taken([2026]) == 0
    # The first attempt died: after its lease a retry takes the key over and registers.
    clock.advance(intake.CLAIM_LEASE + timedelta(seconds=1))
    taken_over = submit(cards, clock, directory, key="busy")
    assert not taken_over.replayed
    assert cards.numbers_taken([2026]) == 1


def test_a_failed_attempt_gives_its_key_back(cards, clock, directory):
    def refusing(arrival):
        raise ValidationFailed.single("location.district", "not served by the town")

    with pytest.raises(ValidationFailed):
        submit(cards, clock, directory, key="refused", route=refusing)
    assert cards.find_idempotent("refused") is None  # a corrected retry need not wait
    assert not submit(cards, clock, directory, key="refused").replayed


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


def test_fifty_parallel_retries_of_one_request_take_one_number(cards, clock, directory):
    answers: list[str] = []
    barrier = threading.Barrier(50)

    def retry() -> None:
        barrier.wait()
        try:
            receipt = submit(cards, clock, directory, key="race")
            answers.append("replayed" if receipt.replayed else "created")
        except ConflictError:
            answers.append("retry later")

    threads = [threading.Thread(target=retry) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers.count("created") == 1
    assert cards.numbers_taken([2026]) == 1
    assert submit(cards, clock, directory, key="race").replayed

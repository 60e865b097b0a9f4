"""Requester messages: which change warrants one, what the templates may use, and that
nothing internal ever reaches a message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import templating
from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.memory_cards import InMemoryCardRepository
from chalicelib.adapters.shipped_templates import default_source
from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.domain import lifecycle
from chalicelib.domain.card import ContactChannel, Status
from chalicelib.domain.errors import TransitionForbidden
from chalicelib.domain.history import REQUESTER
from chalicelib.domain.notifications import (
    INTERNAL_VARIABLES,
    PUBLIC_VARIABLES,
    TEMPLATE_KINDS,
    NotificationKind,
    Occasion,
    UnitContact,
    context,
    sms_segments,
)
from chalicelib.domain.outbox import DeliveryChannel
from chalicelib.domain.signed_links import LinkPurpose, verify
from tests.conftest import START
from tests.factories import EXECUTOR, LINK_SECRET, new_card, notifier, submit

DIRECTORY = StaticDirectory.from_file()
KINDS = [k.value for k in NotificationKind]


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_shipped_template_passes_the_save_check_and_renders_every_part(kind, locale):
    source = default_source(kind, locale)
    assert templating.check_source(source, PUBLIC_VARIABLES, INTERNAL_VARIABLES) == []
    variables = {name: f"[{name}]" for name in PUBLIC_VARIABLES}
    rendered = templating.render_source(source, variables)
    assert "[number]" in rendered.subject
    for part in (rendered.text, rendered.html, rendered.sms):
        assert "[number]" in part
    # The final reply's link opens the status page at the objection form.
    link = {
        "access_code": "[code]",
        "survey": "[survey_url]",
        "final_reply": "[objection_url]",
        # A merged request points to the one it joined; a follower's messages to stop.
        "merged": "[main_url]",
        "following": "[unfollow_url]",
        "follower_update": "[unfollow_url]",
    }.get(kind, "[status_url]")
    assert link in rendered.text
    assert link in rendered.sms
    assert len(rendered.sms) <= 160  # with placeholders; real links are checked below


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize("kind", sorted(TEMPLATE_KINDS))
def test_every_shipped_template_of_every_audience_passes_its_own_check(kind, locale):
    spec = TEMPLATE_KINDS[kind]
    source = default_source(kind, locale)
    assert templating.check_source(source, spec.variables, spec.internal, spec.blocks) == []
    rendered = templating.render_source(source, spec.samples)
    assert rendered.subject
    assert rendered.text.strip()
    assert rendered.html
    assert bool(rendered.sms) == ("sms" in spec.blocks)


def test_sms_segments_follow_the_encoding():
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("я" * 70) == 1
    assert sms_segments("я" * 71) == 2
    assert sms_segments("я" * 135) == 3


def test_the_context_holds_exactly_the_catalogue():
    card = new_card(ManualClock(START), DIRECTORY)
    values = context(
        card,
        Occasion(NotificationKind.RECEIPT),
        unit=UnitContact(name="Road Service", phone="+7 495 100-00-11", email=None),
        tz=START.tzinfo,
        status_url="https://x",
        town_name="Town",
    )
    assert values.keys() == PUBLIC_VARIABLES.keys()
    assert not values.keys() & INTERNAL_VARIABLES.keys()


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("{% block subject %}{{ executor_name }}{% endblock %}", "internal-only"),
        ("{% block subject %}{{ internal_note }}{% endblock %}", "internal-only"),
        ("{% block subject %}{{ colour }}{% endblock %}", "unknown variable 'colour'"),
        ("{% block subject %}{{ number }", "line 1"),
        ("{% include 'x.j2' %}", "may not include"),
        ("{% block subject %}{{ number }}{% endblock %}", "block 'sms' is missing"),
    ],
)
def test_a_template_with_a_wrong_variable_or_shape_is_refused_with_the_reason(source, problem):
    problems = templating.check_source(source, PUBLIC_VARIABLES, INTERNAL_VARIABLES)
    assert any(problem in p for p in problems), problems


def test_the_sandbox_stops_a_template_reaching_python_internals():
    source = default_source("receipt", "en").replace(
        "{{ number }}", "{{ number.__class__.__mro__ }}", 1
    )
    variables = dict.fromkeys(PUBLIC_VARIABLES, "x")
    with pytest.raises(Exception, match=r"unsafe|not safely|access"):
        templating.render_source(source, variables)


def test_a_web_request_queues_a_receipt_in_the_requesters_language_with_their_link():
    clock = ManualClock(START)
    cards = InMemoryCardRepository()
    receipt = submit(
        cards,
        clock,
        DIRECTORY,
        notify=notifier(DIRECTORY),
        requester={
            "full_name": "Анна Иванова",
            "email": "anna@example.org",
            "phone": "+7 916 123-45-67",
            "preferred_channel": "sms",
            "locale": "ru",
        },
    )
    (message,) = cards.outbox.for_card(receipt.card.number)
    assert message.kind == "receipt"
    assert message.locale == "ru"
    assert [d.channel for d in message.destinations] == [DeliveryChannel.SMS, DeliveryChannel.EMAIL]
    assert message.email is not None
    assert message.email.text.startswith("Здравствуйте!")  # a receipt repeats no name
    assert f"Ваше обращение № {receipt.card.number}" in message.email.text
    assert f"#t={receipt.access_token}" in message.email.text  # the receipt's own private link
    assert "+7 495 100-00-11" in message.email.text  # whom to ask: the department, not a person
    assert message.sms is not None
    assert sms_segments(message.sms) <= 3


def test_later_messages_carry_a_signed_link_that_opens_only_that_card():
    clock = ManualClock(START)
    cards = InMemoryCardRepository()
    notify = notifier(DIRECTORY)
    card = submit(cards, clock, DIRECTORY).card
    card = lifecycle.assign(card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=clock.now()).card
    change = _move(card, Status.NEEDS_CLARIFICATION, question="Which side of the road?")
    (message,) = notify.for_change(card, change)
    assert message.kind == "clarification"
    assert message.email is not None
    assert "Which side of the road?" in message.email.text
    token = message.email.text.split("#t=")[1].split()[0]
    now = clock.now()
    assert verify(LINK_SECRET, LinkPurpose.STATUS, card.number, token, now=now)
    assert not verify(LINK_SECRET, LinkPurpose.STATUS, "2026-000999", token, now=now)
    assert not verify(LINK_SECRET, LinkPurpose.SURVEY, card.number, token, now=now)
    assert not verify(
        LINK_SECRET, LinkPurpose.STATUS, card.number, token, now=now + timedelta(days=91)
    )


def _move(card, to, **details):
    return lifecycle.transition(
        card, to, lifecycle.TransitionDetails(**details), actor=EXECUTOR.actor, at=START
    )


def test_which_changes_tell_the_requester():
    clock = ManualClock(START)
    notify = notifier(DIRECTORY)
    card = new_card(clock, DIRECTORY)
    assigned = lifecycle.assign(card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=START)
    assert notify.for_change(card, assigned) == []  # internal
    card = assigned.card
    note = lifecycle.comment(
        card, "Call the contractor", public=False, actor=EXECUTOR.actor, at=START
    )
    assert notify.for_change(card, note) == []
    kinds = []
    for to, details in [
        (Status.IN_PROGRESS, {}),
        (Status.NEEDS_CLARIFICATION, {"question": "Which house?"}),
    ]:
        change = _move(card, to, **details)
        kinds += [m.kind for m in notify.for_change(card, change)]
        card = change.card
    answer = lifecycle.requester_message(card, "House 5", actor=REQUESTER, at=START)
    kinds += [m.kind for m in notify.for_change(card, answer)]
    card = answer.card
    for to, details in [
        (Status.RESOLVED, {"resolution": "Patched the hole"}),
        (Status.CLOSED, {"closure_reason": "Confirmed"}),
    ]:
        change = _move(card, to, **details)
        kinds += [m.kind for m in notify.for_change(card, change)]
        card = change.card
    assert kinds == ["status_change", "clarification", "resumed", "final_reply", "survey"]


def test_a_requester_without_any_contact_gets_no_message_and_the_change_still_saves():
    clock = ManualClock(START)
    cards = InMemoryCardRepository()
    receipt = submit(
        cards,
        clock,
        DIRECTORY,
        notify=notifier(DIRECTORY),
        requester={
            "full_name": "Walk-in visitor",
            "phone": "+7 916 000-00-00",
            "preferred_channel": "phone",
        },
    )
    (message,) = cards.outbox.for_card(receipt.card.number)
    assert [d.channel for d in message.destinations] == [DeliveryChannel.SMS]
    assert receipt.card.requester.preferred_channel == ContactChannel.PHONE


def test_subtasks_never_write_to_the_requester():
    clock = ManualClock(START)
    card = new_card(clock, DIRECTORY).model_copy(
        update={"parent": "2026-000001", "executor_id": "ex-ivan"}
    )
    change = _move(card, Status.IN_PROGRESS)
    assert notifier(DIRECTORY).for_change(card, change) == []


# --- Nothing internal leaves: whatever staff wrote inside, messages carry none of it ----------

SECRET = "INT-9931"  # in every internal note
STAFF_NAMES = [m.name for m in DIRECTORY.staff()]
step = st.one_of(
    st.tuples(st.just("note"), st.text(min_size=3, max_size=30)),
    st.tuples(st.just("assign"), st.sampled_from(["ex-ivan", "ex-maria"])),
    st.tuples(st.just("move"), st.sampled_from(list(Status))),
    st.tuples(st.just("requester"), st.text(min_size=3, max_size=30)),
)


@settings(max_examples=80, deadline=None)
@given(steps=st.lists(step, max_size=12))
def test_no_internal_note_or_staff_name_reaches_any_message(steps):
    clock = ManualClock(START)
    notify = notifier(DIRECTORY)
    card = new_card(clock, DIRECTORY)
    messages = []
    details = lifecycle.TransitionDetails(
        question="Which house?",
        resolution="Patched",
        closure_reason="Done",
        note="Waiting",
        reason="Again",
    )
    for kind, value in steps:
        try:
            if kind == "note":
                change = lifecycle.comment(
                    card, f"{SECRET} {value}", public=False, actor=EXECUTOR.actor, at=START
                )
            elif kind == "assign":
                change = lifecycle.assign(
                    card, value, "roads", actor=EXECUTOR.actor, at=START, reason=f"{SECRET} busy"
                )
            elif kind == "move":
                change = lifecycle.transition(card, value, details, actor=EXECUTOR.actor, at=START)
            else:
                change = lifecycle.requester_message(card, value, actor=REQUESTER, at=START)
        except TransitionForbidden:
            continue
        messages += notify.for_change(card, change)
        card = change.card
    for message in messages:
        assert message.email is not None
        assert message.sms is not None
        for text in (message.email.subject, message.email.text, message.email.html, message.sms):
            assert SECRET not in text
            for name in STAFF_NAMES:
                assert name not in text
                assert name.split()[-1] not in text  # not even the surname

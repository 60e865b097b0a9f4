"""The requester's view carries only status changes and public messages, whatever staff did."""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.domain import lifecycle
from chalicelib.domain.card import Status
from chalicelib.domain.errors import TransitionForbidden
from chalicelib.domain.history import REQUESTER
from chalicelib.domain.public_view import public_view
from tests.conftest import START
from tests.factories import EXECUTOR, new_card

SECRET = "INTERNAL-7f3a"  # a marker that must never surface
DIRECTORY = StaticDirectory.from_file()

STAFF_MARKERS = ("ex-ivan", "ex-maria", EXECUTOR.name, "executor_id", "department")
# The requester's own name and address (conftest's form): what the view must not carry.
REQUESTER_MARKERS = ("Anna Ivanova", "anna@example.org")
# Words written for the public may say anything; a generated "Update: department" (and, since
# Hypothesis draws strings from the code's own constants, "Update: Anna Ivanova") once made the
# scans below fail on the words themselves, not on a leak.
public_words = st.text(min_size=3, max_size=30).filter(
    lambda text: not any(marker in text for marker in (*STAFF_MARKERS, *REQUESTER_MARKERS))
)
step = st.one_of(
    st.tuples(st.just("note"), st.text(min_size=3, max_size=30)),
    st.tuples(st.just("public"), public_words),
    st.tuples(st.just("assign"), st.sampled_from(["ex-ivan", "ex-maria"])),
    st.tuples(st.just("move"), st.sampled_from(list(Status))),
    st.tuples(st.just("requester"), public_words),
)


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(step, max_size=12))
def test_internal_notes_and_staff_identities_never_reach_the_public_view(steps):
    clock = ManualClock(START)
    card = new_card(clock, DIRECTORY)
    history = []
    details = lifecycle.TransitionDetails(
        question="Which entrance?",
        resolution="Fixed",
        closure_reason="Done",
        note="Need access",
        reason="Reopened",
    )
    for kind, value in steps:
        clock.advance(timedelta(minutes=5))
        at = clock.now()
        try:
            if kind == "note":
                change = lifecycle.comment(
                    card, f"{SECRET} {value}", public=False, actor=EXECUTOR.actor, at=at
                )
            elif kind == "public":
                change = lifecycle.comment(
                    card, f"Update: {value}", public=True, actor=EXECUTOR.actor, at=at
                )
            elif kind == "assign":
                change = lifecycle.assign(
                    card, value, "roads", actor=EXECUTOR.actor, at=at, reason=f"{SECRET} workload"
                )
            elif kind == "move":
                change = lifecycle.transition(card, value, details, actor=EXECUTOR.actor, at=at)
            else:
                change = lifecycle.requester_message(card, value, actor=REQUESTER, at=at)
        except TransitionForbidden:
            continue
        card, history = change.card, [*history, change.entry]
    view = public_view(card, history, category_label="Roads › Potholes")
    text = view.model_dump_json(by_alias=True)
    assert SECRET not in text
    for staff_marker in STAFF_MARKERS:
        assert staff_marker not in text
    assert "access_token" not in text
    assert card.requester.full_name not in text
    assert str(card.requester.email) not in text
    public_entries = [e for e in history if e.is_public]
    assert len(view.steps) == len(public_entries)
    assert json.loads(text)["status"] == card.status.value

"""A sensitive card seen from outside its department: whatever was written on it, no trace of
the person reaches the view."""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.domain import lifecycle
from chalicelib.domain.card import Attachment, AttachmentSource, Status
from chalicelib.domain.errors import TransitionForbidden
from chalicelib.domain.history import REQUESTER
from chalicelib.domain.personal_data import HIDDEN, without_personal_data
from tests.conftest import START
from tests.factories import EXECUTOR, new_card

MARK = "PD-4471"  # a marker in every piece of personal data
DIRECTORY = StaticDirectory.from_file()

step = st.one_of(
    st.tuples(st.just("note"), st.text(min_size=3, max_size=20)),
    st.tuples(st.just("public"), st.text(min_size=3, max_size=20)),
    st.tuples(st.just("requester"), st.text(min_size=3, max_size=20)),
    st.tuples(st.just("move"), st.sampled_from(list(Status))),
    st.tuples(st.just("attach"), st.text(min_size=1, max_size=10)),
)


@settings(max_examples=100, deadline=None)
@given(steps=st.lists(step, max_size=10))
def test_nothing_personal_survives(steps):
    clock = ManualClock(START)
    card = new_card(
        clock,
        DIRECTORY,
        category="health.medical_access",
        subject=f"Insulin {MARK}",
        description=f"My diagnosis {MARK}",
        requester={
            "full_name": f"Anna {MARK}",
            "email": f"anna.{MARK.lower()}@example.org",
            "phone": "+7 900 447 1000",
        },
        location={"address": f"Lenina 5 {MARK}", "latitude": 55.751, "longitude": 37.618},
    )
    assert card.sensitive
    card = lifecycle.assign(card, "ex-nina", "social", actor=EXECUTOR.actor, at=clock.now()).card
    history = []
    details = lifecycle.TransitionDetails(
        question=f"Which clinic {MARK}?",
        resolution=f"Prescribed {MARK}",
        closure_reason=f"Done {MARK}",
        note=f"Bring papers {MARK}",
        reason=f"Reopened {MARK}",
    )
    for kind, value in steps:
        clock.advance(timedelta(minutes=5))
        at = clock.now()
        try:
            if kind == "note":
                change = lifecycle.comment(
                    card, f"{MARK} {value}", public=False, actor=EXECUTOR.actor, at=at
                )
            elif kind == "public":
                change = lifecycle.comment(
                    card, f"{MARK} {value}", public=True, actor=EXECUTOR.actor, at=at
                )
            elif kind == "requester":
                change = lifecycle.requester_message(
                    card, f"{MARK} {value}", actor=REQUESTER, at=at
                )
            elif kind == "attach":
                photo = Attachment(
                    id=f"a{len(history)}",
                    filename=f"{MARK}-{value}.jpg",
                    content_type="image/jpeg",
                    size=10,
                    sha256="0" * 64,
                    key=f"attachments/{MARK}",
                    uploaded_at=at,
                    source=AttachmentSource.REQUESTER,
                )
                change = lifecycle.attach(card, (photo,), actor=REQUESTER, at=at)
            else:
                change = lifecycle.transition(card, value, details, actor=EXECUTOR.actor, at=at)
        except TransitionForbidden:
            continue
        card, history = change.card, [*history, change.entry]
    shown, entries = without_personal_data(card, history)
    text = shown.model_dump_json() + json.dumps([e.model_dump(mode="json") for e in entries])
    assert MARK not in text
    assert MARK.lower() not in text
    assert "447 1000" not in text
    assert shown.requester.full_name == HIDDEN
    assert shown.location is not None
    assert shown.location.district == "d3"  # where, not who
    assert [e.action for e in entries] == [e.action for e in history]  # the progress stays

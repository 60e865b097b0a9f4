"""The requester's view carries only status changes and public messages, whatever staff did."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.domain import lifecycle
from chalicelib.domain.card import Status
from chalicelib.domain.errors import TransitionForbidden, ValidationFailed
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


def test_only_the_requesters_photos_staff_did_not_hide_are_public():
    from chalicelib.domain.card import Attachment, AttachmentSource
    from chalicelib.domain.public_view import first_public_photo, public_photos

    card = new_card(ManualClock(START), DIRECTORY)

    def file(name: str, source: AttachmentSource, *, small: bool = True) -> Attachment:
        return Attachment(
            id=name,
            filename=f"{name}.jpg",
            content_type="image/jpeg" if small else "application/pdf",
            size=10,
            sha256="0" * 64,
            key=f"attachments/{card.number}/{name}/{name}.jpg",
            uploaded_at=START,
            source=source,
            thumbnail_key=f"attachments/{card.number}/{name}.thumbnail.jpg" if small else None,
        )

    files = (
        file("crew", AttachmentSource.STAFF),
        file("letter", AttachmentSource.REQUESTER, small=False),
        file("face", AttachmentSource.REQUESTER),
        file("hole", AttachmentSource.REQUESTER),
    )
    card = lifecycle.attach(card, files, actor=REQUESTER, at=START).card
    assert [a.id for a in public_photos(card)] == ["face", "hole"]
    hidden = lifecycle.show_photo(
        card, "face", public=False, reason="a neighbour's face", actor=EXECUTOR.actor, at=START
    )
    assert [a.id for a in public_photos(hidden.card)] == ["hole"]
    assert first_public_photo(hidden.card) == f"attachments/{card.number}/hole.thumbnail.jpg"
    assert hidden.entry.internal_note is not None
    assert hidden.card.version == card.version + 1
    with pytest.raises(ValidationFailed) as crew:
        lifecycle.show_photo(card, "crew", public=False, reason="x" * 5, actor=REQUESTER, at=START)
    assert crew.value.problems[0].code == "not_a_public_photo"
    with pytest.raises(TransitionForbidden):
        lifecycle.show_photo(card, "hole", public=False, reason=" ", actor=REQUESTER, at=START)

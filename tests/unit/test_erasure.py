"""Taking a requester's personal data off a card (domain/erasure.py): what goes, what stays."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.domain import lifecycle
from chalicelib.domain.card import Attachment, AttachmentSource, Location, Status
from chalicelib.domain.erasure import REMOVED, REMOVED_NAME, ErasureReason, erase, retention_due
from chalicelib.domain.history import (
    SYSTEM,
    Action,
    HistoryEntry,
    InternalNote,
    MessageAuthor,
    PublicMessage,
)
from tests.factories import EXECUTOR, new_card


def _file(source: AttachmentSource, key: str, clock) -> Attachment:
    return Attachment(
        id=key,
        filename=f"{key}.jpg",
        content_type="image/jpeg",
        size=10,
        sha256="0" * 64,
        key=f"attachments/{key}.jpg",
        thumbnail_key=f"attachments/{key}.thumb.jpg",
        uploaded_at=clock.now(),
        source=source,
    )


def _erased(card, history, clock, **more):
    return erase(
        card, history, reason=ErasureReason.RETENTION, by=SYSTEM, note="old", at=clock.now(), **more
    )


def test_names_and_contacts_go_from_the_towns_words_and_the_requesters_words_go_whole(
    clock, directory
):
    card = new_card(clock, directory)  # Anna Ivanova, anna@example.org, +7 900 000 00 00
    history = [
        HistoryEntry(seq=1, at=clock.now(), actor=SYSTEM, action=Action.CREATED),
        HistoryEntry(
            seq=2,
            at=clock.now(),
            actor=EXECUTOR.actor,
            action=Action.COMMENTED,
            public_message=PublicMessage(
                text="Dear Anna, we fixed it. Annapolis Street is next.",
                author=MessageAuthor.TOWN,
            ),
        ),
        HistoryEntry(
            seq=3,
            at=clock.now(),
            actor=SYSTEM,
            action=Action.REQUESTER_MESSAGE,
            public_message=PublicMessage(text="Thank you!", author=MessageAuthor.REQUESTER),
        ),
    ]
    done = _erased(card, history, clock)
    town, requester = done.history[1].public_message, done.history[2].public_message
    assert town is not None
    assert requester is not None
    # The name as a word goes; a word that only starts like it stays.
    assert town.text == f"Dear {REMOVED}, we fixed it. Annapolis Street is next."
    assert requester.text == REMOVED
    assert done.card.requester.full_name == REMOVED_NAME
    assert done.card.requester.greeting_name == ""
    assert done.entry.action == Action.PERSONAL_DATA_REMOVED
    assert done.entry.seq == done.card.version == card.version + 1


def test_the_figures_stay_and_the_place_is_rounded(clock, directory):
    card = new_card(clock, directory)
    done = _erased(card, [], clock)
    for kept in (
        "number",
        "category",
        "department",
        "priority",
        "status",
        "created_at",
        "first_response_due",
        "channel",
        "executor_id",
        "milestones",
        "sensitive",
    ):
        assert getattr(done.card, kept) == getattr(card, kept), kept
    district = card.location.district if card.location else None
    assert district
    assert done.card.location == Location(district=district, latitude=55.751, longitude=37.618)
    assert done.card.access_token_hash != card.access_token_hash


def test_a_sensitive_card_keeps_only_its_district(clock, directory):
    card = new_card(clock, directory).model_copy(update={"sensitive": True})
    district = card.location.district if card.location else None
    assert _erased(card, [], clock).card.location == Location(district=district)


def test_the_requesters_files_go_and_the_staffs_stay(clock, directory):
    theirs, ours = (
        _file(AttachmentSource.REQUESTER, "a", clock),
        _file(AttachmentSource.STAFF, "b", clock),
    )
    card = new_card(clock, directory).model_copy(update={"attachments": (theirs, ours)})
    done = _erased(card, [], clock)
    assert done.card.attachments == (ours,)
    assert done.files_to_delete == ["attachments/a.jpg", "attachments/a.thumb.jpg"]


def test_other_spellings_of_the_same_person_go_too(clock, directory):
    card = new_card(clock, directory)
    note = HistoryEntry(
        seq=2,
        at=clock.now(),
        actor=EXECUTOR.actor,
        action=Action.COMMENTED,
        internal_note=InternalNote(text="A. Ivanova-Petrova called again"),
    )
    done = _erased(card, [note], clock, also=["A. Ivanova-Petrova"])
    assert done.history[0].internal_note is not None
    assert done.history[0].internal_note.text == f"{REMOVED} called again"


def test_only_closed_cards_past_the_period_and_not_yet_erased_are_due(clock, directory):
    card = new_card(clock, directory)
    closed = lifecycle.transition(
        card,
        Status.CLOSED,
        lifecycle.TransitionDetails(closure_reason="Patched"),
        actor=EXECUTOR.actor,
        at=clock.now(),
    ).card
    later = clock.now() + timedelta(days=1)
    assert retention_due(closed, cutoff=later)
    assert not retention_due(closed, cutoff=clock.now() - timedelta(days=1))
    assert not retention_due(card, cutoff=later)  # still open
    erased = _erased(closed, [], clock).card
    assert not retention_due(erased, cutoff=later + timedelta(days=1))

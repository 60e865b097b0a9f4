"""How staff outside a sensitive card's department see it: its progress, not the person.

Who may see a card's personal data is decided in ``access.can_see_personal_data``; ``shown_to``
applies that rule to a card leaving the services for one staff member, so no route has to
remember it. Pure, like the public view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.domain.access import Principal, can_see_personal_data
from chalicelib.domain.card import Card, Location, Requester
from chalicelib.domain.history import HistoryEntry

HIDDEN = "[hidden: personal data of a sensitive category]"


@dataclass(frozen=True)
class Shown:
    """A card as one staff member may see it: without its personal data when they may not."""

    card: Card
    history: list[HistoryEntry]
    personal_data_hidden: bool


def shown_to(principal: Principal, card: Card, history: Sequence[HistoryEntry] = ()) -> Shown:
    """``card`` (and its history) as ``principal`` may see them."""
    if can_see_personal_data(principal, card):
        return Shown(card, list(history), personal_data_hidden=False)
    hidden, entries = without_personal_data(card, list(history))
    return Shown(hidden, entries, personal_data_hidden=True)


def without_personal_data(
    card: Card, history: list[HistoryEntry]
) -> tuple[Card, list[HistoryEntry]]:
    """What staff outside a sensitive card's department see: its progress, not the person."""

    def hide(text: str | None) -> str | None:
        return None if text is None else HIDDEN

    shown = card.model_copy(
        update={
            "subject": HIDDEN,
            "description": HIDDEN,
            "requester": Requester(
                full_name=HIDDEN,
                preferred_channel=card.requester.preferred_channel,
                kind=card.requester.kind,
            ),
            "location": (Location(district=card.location.district) if card.location else None),
            "attachments": (),
            "open_question": hide(card.open_question),
            "resolution": hide(card.resolution),
            "closure_reason": hide(card.closure_reason),
            "replies": tuple(
                r.model_copy(update={"text": HIDDEN, "next_step": hide(r.next_step)})
                for r in card.replies
            ),
        }
    )
    entries = [
        entry.model_copy(
            update={
                "public_message": (
                    entry.public_message.model_copy(update={"text": HIDDEN})
                    if entry.public_message
                    else None
                ),
                "internal_note": (
                    entry.internal_note.model_copy(update={"text": HIDDEN})
                    if entry.internal_note
                    else None
                ),
                "changes": tuple(
                    c.model_copy(update={"before": None, "after": HIDDEN})
                    if c.field == "attachments"
                    else c
                    for c in entry.changes
                ),
            }
        )
        for entry in history
    ]
    return shown, entries

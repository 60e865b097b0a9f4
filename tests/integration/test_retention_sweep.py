"""The retention job over a town's old cards, in the table (moto): closed cards past the
town's period lose the requester's personal data and keep their figures; open cards and
recently closed ones are untouched; a second pass changes nothing; the job's handler takes
AWS's scheduled event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.domain import lifecycle, search
from chalicelib.domain.card import Status
from chalicelib.domain.erasure import REMOVED, REMOVED_NAME
from chalicelib.domain.history import Action, ActorKind
from chalicelib.services.privacy import SHARES
from infrastructure.local.mailroom import LambdaContext
from tests.conftest import card_form
from tests.factories import EXECUTOR
from tests.integration.conftest import body

# A real 1x1 PNG: the requester's photo.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db40000000049454e44ae426082"
)


def _people(i: int) -> dict[str, Any]:
    return {
        "full_name": f"Olga Smirnova{i}",
        "email": f"olga{i}@example.org",
        "phone": f"+7 900 111 {i:02d} {i:02d}",
        "preferred_channel": "email",
    }


def _close(api, number: str) -> None:
    cards, clock = api.container.cards, api.container.clock
    closed = lifecycle.transition(
        cards.get(number),
        Status.CLOSED,
        lifecycle.TransitionDetails(closure_reason="Patched; Olga was told by phone"),
        actor=EXECUTOR.actor,
        at=clock.now(),
    )
    cards.save(closed.card, closed.entry)


@pytest.fixture
def town(make_api, clock):
    """12 cards received six years ago: 8 closed then, 2 still open, 2 closed last year."""
    from chalicelib.domain.rate_limits import Limits

    # One test client files the whole town: the per-address limits are not what is tested.
    roomy = Limits.overridden({"writes": [[3600, 10_000]], "new_requests": [[3600, 10_000]]})
    api = make_api(limits=roomy)
    made = []
    for i in range(12):
        form = card_form(requester=_people(i), description=f"Call me on +7 900 111 {i:02d} {i:02d}")
        receipt = body(api.post("/requests", form))
        assert "number" in receipt, receipt
        made.append((receipt["number"], receipt["access_token"]))
    first, token = made[0]
    photo = api.attach(first, token, "yard.png", PNG, "image/png")
    comment = api.post(
        f"/staff/cards/{first}/comments",
        {"text": "Olga Smirnova0 asked to call olga0@example.org", "version": 2},
        staff="ex-ivan",
    )
    assert comment.status_code in (200, 201), comment.body
    for number, _ in made[:8]:
        _close(api, number)
    clock.advance(timedelta(days=365 * 5))
    for number, _ in made[10:]:
        _close(api, number)  # closed a year before the sweep: not yet
    clock.advance(timedelta(days=365))
    return {"api": api, "made": made, "photo": photo}


def _sweep_everything(api) -> list[str]:
    erased = []
    for share in range(SHARES):
        erased += api.container.privacy.sweep(share=share).erased
    return erased


def test_old_closed_cards_lose_personal_data_and_keep_their_figures(
    town, aws, settings, sam_sample
):
    from functions import retention_sweep

    api, made = town["api"], town["made"]
    cards = api.container.cards
    before = {n: cards.get(n) for n, _ in made}
    photo_key = next(a.key for a in before[made[0][0]].attachments)
    old_closed = {n for n, _ in made[:8]}

    # The night's run (AWS's scheduled event) takes today's share of the table...
    answer = retention_sweep.handler(sam_sample("cloudwatch/ScheduledEvent.json"), LambdaContext())
    assert answer["share"] == api.container.privacy.share_of(api.container.clock.now().date())
    assert set(answer["erased"]) <= old_closed
    assert answer["moved"] == []
    # ... and the other days' runs the rest: together the shares cover the table.
    erased = _sweep_everything(api)
    assert sorted([*answer["erased"], *erased]) == sorted(old_closed)
    for number, token in made[:8]:
        card, history = cards.get_with_history(number)
        was = before[number]
        # What goes.
        assert card.requester.full_name == REMOVED_NAME
        assert (card.requester.email, card.requester.phone) == (None, None)
        assert card.description == REMOVED
        assert card.location is not None
        assert card.location.address is None
        assert card.closure_reason == f"Patched; {REMOVED} was told by phone"
        assert card.personal_data_removed_at is not None
        text = repr((card, history))
        assert "Smirnova" not in text
        assert "example.org" not in text
        assert "900 111" not in text
        # What stays: the figures.
        assert (card.number, card.category, card.department, card.status) == (
            was.number,
            was.category,
            was.department,
            Status.CLOSED,
        )
        assert card.created_at == was.created_at
        assert card.first_response_due == was.first_response_due
        assert card.location.district == was.location.district  # type: ignore[union-attr]
        assert card.milestones.closed_at == was.milestones.closed_at
        assert history[-1].action == Action.PERSONAL_DATA_REMOVED
        assert history[-1].actor.kind == ActorKind.SYSTEM
        assert [e.seq for e in history] == list(range(1, card.version + 1))
        # The status link opens nothing any more.
        assert api.get(f"/requests/{number}", headers={"X-Access-Token": token}).status_code in (
            401,
            403,
            404,
        )
        # Search finds none of it.
        doc = repr(search.document(card, history, overdue=False))
        assert "Smirnova" not in doc
        assert "olga" not in doc.lower()
    # The requester's photo is gone from the bucket; the staff's note lost the contact.
    with pytest.raises(ClientError):
        aws["s3"].head_object(Bucket=settings.attachments_bucket, Key=photo_key)
    _, history = cards.get_with_history(made[0][0])
    notes = [e.internal_note.text for e in history if e.action == Action.COMMENTED]
    assert notes == [f"{REMOVED} asked to call {REMOVED}"]
    # Nobody can find the old cards by the contact.
    assert cards.of_contact("olga0@example.org") == []
    # Open cards and the ones closed last year keep everything.
    for number, _ in made[8:]:
        assert cards.get(number) == before[number]
    assert cards.of_contact("olga9@example.org") == [made[9][0]]
    # A second pass over the whole table changes nothing.
    assert _sweep_everything(api) == []

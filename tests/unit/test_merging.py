"""Duplicates as a town works them, over the in-memory twins: intake notes them on every
channel, staff merge and a manager splits, citizens follow, and everyone hears what they should."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain import lifecycle, merging
from chalicelib.domain.card import Channel, Status
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    TooManyRequests,
    TransitionForbidden,
    ValidationFailed,
)
from chalicelib.domain.sla import TimerKind, TimerState
from chalicelib.services.commands import (
    Assign,
    BulkChange,
    CardCreate,
    FollowCreate,
    MergeInto,
    SplitOff,
    Transition,
)
from tests.conftest import card_form
from tests.factories import EXECUTOR, MANAGER, OPERATOR, OTHER_EXECUTOR, principal

LAMP_MANAGER = principal("mgr-irina", Role.MANAGER, departments=("lighting",))
HERE = {"address": "Lenina 5", "latitude": 55.751, "longitude": 37.618}
THIRTY_M_AWAY = {"address": "Lenina 7", "latitude": 55.75127, "longitude": 37.618}


def _report(town: Any, *, email: str, channel: Channel = Channel.WEB, **changes: Any) -> Any:
    form = card_form(
        requester={"full_name": "Someone Else", "email": email, "preferred_channel": "email"},
        **changes,
    )
    return town.intake.submit(CardCreate.model_validate(form), key=None, channel=channel).card


def _follow(town: Any, number: str, email: str, **changes: Any) -> Any:
    asked = {"email": email, "consent": {"accepted": True, "text_version": "2026-01"}} | changes
    return town.duplicates.follow(number, FollowCreate.model_validate(asked))


def _messages(town: Any, number: str, kind: str) -> list[Any]:
    return [m for m in town.outbox.for_card(number) if m.kind == kind]


def _merge(town: Any, who: Any, number: str, into: str) -> Any:
    version = town.cards.get(number).version
    return town.duplicates.merge(who, number, MergeInto(into=into, version=version))


@pytest.fixture
def pothole(town, clock) -> Any:
    """Anna's pothole at Lenina 5, and a second report of it by mail 30 m away a day later."""
    first = _report(town, email="anna@example.org", location=HERE)
    clock.advance(timedelta(days=1))
    second = _report(
        town,
        email="boris@example.org",
        channel=Channel.EMAIL,
        location=THIRTY_M_AWAY,
        subject="Big pothole near the bus stop",
    )
    return first, second


def test_intake_notes_the_likely_duplicate_on_every_channel(town, pothole):
    first, second = pothole
    assert second.possible_duplicates == (first.number,)
    _, history = town.cards.get_with_history(second.number)
    note = history[0].internal_note.text
    assert f"likely a duplicate of {first.number} (same topic, 30 m, 1 day older" in note
    # Another topic at the same place, or the same topic far away, is not.
    lamp = _report(town, email="c@example.org", location=HERE, category="lighting.streetlight_out")
    far = _report(town, email="d@example.org", location={"latitude": 55.70, "longitude": 37.55})
    assert lamp.possible_duplicates == ()
    assert far.possible_duplicates == ()
    # A topic not about a place is never looked at.
    question = _report(town, email="e@example.org", location=HERE, category="other.question")
    assert question.possible_duplicates == ()


def test_staff_see_the_likely_duplicates_with_reasons(town, pothole):
    first, second = pothole
    found = town.duplicates.of_card(OPERATOR, first.number)
    assert [f.twin.number for f in found.likely] == [second.number]
    assert round(found.likely[0].distance_metres) == 30
    assert found.likely[0].days_older == -1
    with pytest.raises(PermissionDenied):
        town.duplicates.of_card(OTHER_EXECUTOR, first.number)


def test_a_merge_closes_the_card_its_requester_follows_the_main_one_and_is_told(town, pothole):
    first, second = pothole
    shown = _merge(town, OPERATOR, second.number, first.number)
    assert (shown.card.status, shown.card.duplicate_of) == (Status.CLOSED, first.number)
    assert shown.card.closure_reason == f"duplicate of {first.number}"
    assert [e.action.value for e in shown.history][-1] == "merged"
    main, history = town.cards.get_with_history(first.number)
    assert main.merged == (second.number,)
    assert [(f.email, f.source.value, f.origin) for f in main.followers] == [
        ("boris@example.org", "merged", second.number)
    ]
    assert history[-1].action.value == "duplicate_joined"
    # The history says how many follow, never who.
    assert "boris" not in history[-1].model_dump_json()
    [notice] = _messages(town, second.number, "merged")
    assert "https://portal.town.example/r/" + first.number in notice.email.text
    assert notice.destinations[0].address == "boris@example.org"
    # He follows the main card now: the notice carries his stop link.
    stop = re.search(r"unfollow\.html\?n=([\d-]+)&f=(\w+)#t=(\S+)", notice.email.text)
    assert stop
    assert (stop.group(1), stop.group(2)) == (first.number, main.followers[0].id)
    # Merged, it no longer runs: no status changes, no deadlines.
    with pytest.raises(TransitionForbidden) as refused:
        town.casework.transition(
            OPERATOR, second.number, Transition(to=Status.IN_PROGRESS, reason="x", version=2)
        )
    assert refused.value.field_code == "merged"
    assert town.casework.card(OPERATOR, second.number).timers[0].state != TimerState.RUNNING


def test_followers_hear_of_the_main_cards_progress_without_the_requesters_anything(town, pothole):
    first, second = pothole
    _merge(town, OPERATOR, second.number, first.number)
    town.casework.assign(OPERATOR, first.number, Assign(executor_id="ex-ivan", version=2))
    town.casework.transition(EXECUTOR, first.number, Transition(to=Status.IN_PROGRESS, version=3))
    [update] = _messages(town, first.number, "follower_update")
    assert update.destinations[0].address == "boris@example.org"
    text = update.email.text + update.email.html + (update.sms or "")
    assert "in progress" in text
    assert "/unfollow.html?n=" + first.number in text
    # The requester's name, words and private link are not in it.
    assert "Someone Else" not in text
    assert "Pothole on Lenina" not in text
    assert "status.html" not in text
    requester_told = _messages(town, first.number, "status_change")
    assert [m.destinations[0].address for m in requester_told] == ["anna@example.org"]


def test_merge_rules(town, pothole, clock):
    first, second = pothole
    with pytest.raises(TransitionForbidden) as refused:
        _merge(town, OPERATOR, first.number, first.number)
    assert refused.value.field_code == merging.INTO_ITSELF
    # An executor of another department may not merge (not theirs to work).
    with pytest.raises(PermissionDenied):
        _merge(town, OTHER_EXECUTOR, second.number, first.number)
    with pytest.raises(ConflictError):  # a stale version
        town.duplicates.merge(OPERATOR, second.number, MergeInto(into=first.number, version=9))
    _merge(town, OPERATOR, second.number, first.number)
    with pytest.raises(TransitionForbidden) as again:
        town.duplicates.merge(OPERATOR, second.number, MergeInto(into=first.number, version=2))
    assert again.value.field_code == merging.ALREADY_MERGED
    # Into a merged card: the merge follows to its main card.
    third = _report(town, email="c@example.org", location=HERE)
    shown = _merge(town, OPERATOR, third.number, second.number)
    assert shown.card.duplicate_of == first.number
    assert town.cards.get(first.number).merged == (second.number, third.number)


def test_across_departments_only_a_manager_merges(town, pothole):
    first, _ = pothole
    lamp = _report(town, email="c@example.org", location=HERE, category="lighting.streetlight_out")
    lamp_worker = principal("ex-pavel", Role.EXECUTOR, departments=("lighting",))
    town.casework.assign(LAMP_MANAGER, lamp.number, Assign(executor_id="ex-pavel", version=1))
    with pytest.raises(PermissionDenied) as refused:
        _merge(town, lamp_worker, lamp.number, first.number)
    assert "manager" in str(refused.value)
    shown = _merge(town, LAMP_MANAGER, lamp.number, first.number)
    assert shown.card.duplicate_of == first.number


def test_a_card_closed_long_ago_takes_no_duplicates(town, pothole, clock):
    first, second = pothole
    closing = lifecycle.transition(
        first,
        Status.CLOSED,
        lifecycle.TransitionDetails(closure_reason="Patched"),
        actor=OPERATOR.actor,
        at=clock.now(),
    )
    town.cards.save(closing.card, closing.entry)
    clock.advance(timedelta(days=29))
    assert _merge(town, OPERATOR, second.number, first.number).card.duplicate_of == first.number
    third = _report(town, email="c@example.org", location=HERE)
    clock.advance(timedelta(days=2))
    with pytest.raises(TransitionForbidden) as refused:
        _merge(town, OPERATOR, third.number, first.number)
    assert refused.value.field_code == merging.CLOSED_LONG_AGO


def test_a_manager_splits_it_back_and_its_deadlines_run_on_from_where_they_were(
    town, pothole, clock
):
    first, second = pothole
    before = town.casework.card(OPERATOR, second.number)
    due_before = {t.kind: t.due_at for t in before.timers}
    _merge(town, OPERATOR, second.number, first.number)
    clock.advance(timedelta(days=7))  # a week merged: a week of working days paused
    with pytest.raises(PermissionDenied):
        town.duplicates.split(OPERATOR, second.number, SplitOff(version=2, reason="Another hole"))
    shown = town.duplicates.split(
        MANAGER, second.number, SplitOff(version=2, reason="Another hole further on")
    )
    assert (shown.card.status, shown.card.duplicate_of) == (Status.RECEIVED, None)
    assert [e.action.value for e in shown.history][-2:] == ["merged", "split"]
    timers = {t.kind: t for t in shown.timers}
    assert timers[TimerKind.CLOSURE].state == TimerState.RUNNING
    assert timers[TimerKind.REGISTRATION].due_at > due_before[TimerKind.REGISTRATION]
    assert town.cards.get(second.number).milestones.closed_at is None
    main = town.cards.get(first.number)
    assert (main.merged, main.followers) == ((), ())
    [notice] = _messages(town, second.number, "split")
    assert notice.destinations[0].address == "boris@example.org"
    # Split twice: it is not merged any more.
    with pytest.raises(TransitionForbidden) as again:
        town.duplicates.split(MANAGER, second.number, SplitOff(version=3, reason="again"))
    assert again.value.field_code == merging.NOT_MERGED


def test_me_too_follows_once_confirms_and_stops_from_the_link(town, pothole):
    first, _ = pothole
    done = _follow(town, first.number, "vera@example.org", locale="ru")
    assert (done.number, done.already) == (first.number, False)
    assert _follow(town, first.number, "Vera@Example.org").already
    assert _follow(town, first.number, "anna@example.org").already  # the requester herself
    card = town.cards.get(first.number)
    [follower] = card.followers
    [welcome] = _messages(town, first.number, "following")
    assert welcome.locale == "ru"
    assert "Вы следите" in welcome.email.subject
    link = re.search(r"unfollow\.html\?n=([\d-]+)&f=(\w+)#t=(\S+)", welcome.email.text)
    assert link
    assert link.group(2) == follower.id
    with pytest.raises(NotFound):
        town.duplicates.unfollow(first.number, follower.id, "s1.9999999999.forged")
    assert town.duplicates.unfollow(first.number, follower.id, link.group(3)) == first.number
    assert town.cards.get(first.number).followers == ()
    # The same link again: already stopped, nothing changes.
    version = town.cards.get(first.number).version
    town.duplicates.unfollow(first.number, follower.id, link.group(3))
    assert town.cards.get(first.number).version == version


def test_following_a_merged_card_follows_its_main_card_and_the_stop_link_still_works(town, pothole):
    first, second = pothole
    _follow(town, second.number, "vera@example.org")
    [welcome] = _messages(town, second.number, "following")
    link = re.search(r"unfollow\.html\?n=([\d-]+)&f=(\w+)#t=(\S+)", welcome.email.text)
    assert link
    _merge(town, OPERATOR, second.number, first.number)
    main = town.cards.get(first.number)
    assert {f.email for f in main.followers} == {"boris@example.org", "vera@example.org"}
    assert _follow(town, second.number, "zoe@example.org").number == first.number
    # Vera's link names the merged card; it finds her on the main card.
    town.duplicates.unfollow(second.number, link.group(2), link.group(3))
    assert "vera@example.org" not in {f.email for f in town.cards.get(first.number).followers}


def test_who_may_not_follow(town, pothole, monkeypatch):
    first, _ = pothole
    with pytest.raises(ValidationFailed) as staff:
        _follow(town, first.number, "ivan.sokolov@town.example")
    assert staff.value.problems[0].code == "staff_contact"
    with pytest.raises(ValidationFailed) as old_text:
        _follow(
            town, first.number, "x@example.org", consent={"accepted": True, "text_version": "1999"}
        )
    assert old_text.value.problems[0].code == "consent_text_changed"
    benefits = _report(town, email="s@example.org", category="social.benefits")
    with pytest.raises(NotFound):
        _follow(town, benefits.number, "x@example.org")
    with pytest.raises(NotFound):
        _follow(town, "2026-999999", "x@example.org")
    monkeypatch.setattr(merging, "MOST_FOLLOWERS", 2)
    _follow(town, first.number, "one@example.org")
    _follow(town, first.number, "two@example.org")
    with pytest.raises(TransitionForbidden) as full:
        _follow(town, first.number, "three@example.org")
    assert full.value.field_code == merging.TOO_MANY_FOLLOWERS
    assert "2 followers" in str(full.value)


def test_one_contact_cannot_be_made_to_follow_requests_without_end(town, clock):
    numbers = [
        _report(
            town,
            email=f"r{i}@example.org",
            location={"latitude": 55.70 + i / 100, "longitude": 37.6},
        ).number
        for i in range(6)
    ]
    for number in numbers[:5]:
        _follow(town, number, "victim@example.org")
    with pytest.raises(TooManyRequests):
        _follow(town, numbers[5], "victim@example.org")


def test_a_manager_merges_a_streets_reports_at_once_each_answered(town, pothole):
    first, second = pothole
    third = _report(town, email="c@example.org", location=HERE)
    lamp = _report(town, email="d@example.org", location=HERE, category="lighting.streetlight_out")
    asked = BulkChange.model_validate(
        {
            "cards": [
                {"number": n, "version": 1}
                for n in (first.number, second.number, third.number, lamp.number)
            ],
            "merge": {"into": first.number},
        }
    )
    outcomes = {o.number: o for o in town.desk.bulk(MANAGER, asked)}
    assert outcomes[second.number].card.card.duplicate_of == first.number
    assert outcomes[third.number].card.card.duplicate_of == first.number
    # Not the manager's department, and the main card itself: refused, each with its reason.
    assert isinstance(outcomes[lamp.number].error, PermissionDenied)
    assert outcomes[first.number].error.field_code == merging.INTO_ITSELF
    assert town.cards.get(first.number).merged == (second.number, third.number)


def test_reports_count_a_merged_report_once_and_exports_say_what_joined_what(town, pothole):
    from datetime import date
    from zoneinfo import ZoneInfo

    from chalicelib.domain import export_rows
    from chalicelib.domain.report_figures import Aggregator, summarize

    first, second = pothole
    _merge(town, OPERATOR, second.number, first.number)
    _follow(town, first.number, "vera@example.org")
    figures = Aggregator(ZoneInfo("UTC"))
    for number in (first.number, second.number):
        figures.add_card(town.cards.get(number))
    months = [{"month": m, **data} for m, data in figures.months().items()]
    report = summarize(months, date(2026, 1, 1), date(2026, 12, 31), None)
    assert (report["received"], report["closed"]) == (1, 0)  # the merged one is not a request
    assert report["overdue"]["by_category"][0]["received"] == 1
    assert report["duplicates"] == {
        "merged": 1,
        "followers": 2,  # Boris (merged) and Vera (me too)
        "by_category": [{"category": "roads", "merged": 1, "followers": 2}],
    }
    # Months stored before duplicates were counted still read.
    old = [
        {
            "month": "2026-03",
            "days": {
                "2026-03-02": {
                    "roads": {
                        **{
                            k: v
                            for k, v in months[0]["days"][next(iter(months[0]["days"]))][
                                "roads"
                            ].items()
                            if k not in ("merged", "followers", "duplicates_by_category")
                        }
                    }
                }
            },
        }
    ]
    assert summarize(old, date(2026, 3, 1), date(2026, 3, 31), None)["duplicates"]["merged"] == 0
    tree = town.directory.categories()
    main_row = export_rows.row(town.cards.get(first.number), tree, {}, pseudonym_key=b"k")
    merged_row = export_rows.row(town.cards.get(second.number), tree, {}, pseudonym_key=b"k")
    assert (main_row["merged_reports"], main_row["followers"], main_row["duplicate_of"]) == (
        1,
        2,
        None,
    )
    assert (merged_row["duplicate_of"], merged_row["status"]) == (first.number, "closed")
    assert merged_row["status_notes"] == f"duplicate of {first.number}"


def test_a_report_with_an_address_and_no_pin_is_looked_for_at_the_addresss_point(town):
    [house] = [p for p in town.places.search("Lenina 60", locale="en") if p.precision == "house"][
        :1
    ]
    pinned = {"address": "Lenina 60", "latitude": house.latitude, "longitude": house.longitude}
    first = _report(town, email="anna@example.org", location=pinned)
    # A call or a mail: the address as said, no point.
    second = _report(town, email="boris@example.org", location={"address": "ул. Ленина, 62"})
    assert second.possible_duplicates == (first.number,)
    # A street without a house is too long to stand for a place.
    third = _report(town, email="clara@example.org", location={"address": "Lenina"})
    assert third.possible_duplicates == ()


def test_the_form_shows_a_reports_own_photo_through_a_short_lived_link(town, pothole):
    from chalicelib.domain.card import Attachment, AttachmentSource

    first, _ = pothole

    def photo(source: AttachmentSource, name: str) -> Attachment:
        return Attachment(
            id=name,
            filename=f"{name}.jpg",
            content_type="image/jpeg",
            size=10,
            sha256="0" * 64,
            key=f"attachments/{first.number}/{name}.jpg",
            uploaded_at=first.created_at,
            source=source,
            thumbnail_key=f"attachments/{first.number}/{name}.jpg.thumbnail.jpg",
        )

    card = town.cards.get(first.number)
    staff_photo = photo(AttachmentSource.STAFF, "crew")
    own_photo = photo(AttachmentSource.REQUESTER, "hole")
    change = lifecycle.attach(
        card, (staff_photo, own_photo), actor=OPERATOR.actor, at=card.updated_at
    )
    town.cards.save(change.card, change.entry)
    shown = town.duplicates.on_form(
        "roads.potholes", latitude=55.75127, longitude=37.618, address=None, text=""
    )
    [found] = [f for f in shown if f.twin.number == first.number]
    assert found.twin.photo == own_photo.thumbnail_key  # the requester's, not the crew's
    link = town.duplicates.photo_link(found)
    assert link
    assert own_photo.thumbnail_key in link
    # Nothing found for a sensitive topic, whatever is near.
    assert (
        town.duplicates.on_form(
            "social.benefits", latitude=55.751, longitude=37.618, address=None, text=""
        )
        == []
    )


def test_a_full_follower_list_still_fits_one_dynamodb_transaction(town, pothole, clock):
    """Every follower's message is written in the change's own transaction, and DynamoDB takes
    at most 100 items in one (moto does not hold us to it: the items are counted here)."""
    from chalicelib.adapters.dynamodb_cards import DynamoCardRepository
    from chalicelib.domain.card import ContactChannel, Follower, FollowerSource
    from chalicelib.domain.history import Actor

    first, _ = pothole
    card = town.cards.get(first.number).model_copy(
        update={
            "executor_id": "ex-ivan",
            "followers": tuple(
                Follower(
                    id=f"f{n:04d}",
                    email=f"f{n}@example.org",
                    preferred_channel=ContactChannel.EMAIL,
                    since=clock.now(),
                    source=FollowerSource.ME_TOO,
                    origin=first.number,
                )
                for n in range(merging.MOST_FOLLOWERS)
            ),
        }
    )
    change = lifecycle.transition(
        card,
        Status.IN_PROGRESS,
        lifecycle.TransitionDetails(),
        actor=Actor(kind="staff", id="ex-ivan"),
        at=clock.now(),
    )
    messages = town.notifier.for_change(card, change)
    assert len(messages) == merging.MOST_FOLLOWERS + 1  # the requester and each follower

    class Recording:
        sizes: list[int] = []

        def transact_write_items(self, TransactItems):
            self.sizes.append(len(TransactItems))
            return {}

    client = Recording()
    DynamoCardRepository(client, "cards").save(change.card, change.entry, messages)
    assert client.sizes
    assert max(client.sizes) <= 100

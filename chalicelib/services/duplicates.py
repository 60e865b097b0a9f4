"""Duplicates: likely repeats of a card found on every channel and on demand, merged by staff
(and split again), and followed by citizens who report the same thing ("Me too").

The look-up is a few Queries of the ``twins`` index (one topic in the cells the radius
touches), never the search cluster: intake must not wait for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from chalicelib.domain import access, merging
from chalicelib.domain.access import Principal
from chalicelib.domain.card import Card, Consent
from chalicelib.domain.duplicates import (
    FINISHED_WITHIN,
    Likely,
    Sought,
    address_key,
    likely,
    may_take_merges,
    sought_for,
    words_of,
)
from chalicelib.domain.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    TooManyRequests,
    TransitionForbidden,
    ValidationFailed,
)
from chalicelib.domain.history import Actor, ActorKind, HistoryEntry
from chalicelib.domain.lifecycle import Change
from chalicelib.domain.places import Precision
from chalicelib.domain.rate_limits import RateLimit
from chalicelib.observability import logger
from chalicelib.ports import BlobStore, CardRepository, Clock, Directory, Geocoder, RateLimiter
from chalicelib.services.attachments import public_photo_link
from chalicelib.services.card_changes import CardShowing, StaffCard, current
from chalicelib.services.commands import FollowCreate, MergeInto, SplitOff
from chalicelib.services.notifications import Notifier
from chalicelib.services.policies import IntakePolicy

MOST_A_KEY = 50  # lines read per cell (or address) of a look-up
SHOWN_ON_FORM = 5
FOUND_AT_INTAKE = 3  # the numbers a new card carries as "possibly a duplicate of"
MOST_HOPS = 5  # merged into a merged card: followed this far to the main card
NO_REQUEST = "no public request with this number"
STAFF_CONTACT = "staff_contact"
FOLLOW_ATTEMPTS = 3  # a follow racing a staff change is tried again on the new version

Stems = Callable[[str], Iterable[str]]
PUBLIC = Actor(kind=ActorKind.REQUESTER)


def find_likely(
    sought: Sought, *, cards: CardRepository, clock: Clock, made_at: datetime | None = None
) -> list[Likely]:
    """The likely duplicates of ``sought`` (a card made at ``made_at``; default: a form being
    filled now), best first; none when its topic is not about a place (radius 0)."""
    if sought.radius_metres <= 0 or not (sought.has_point or sought.address_key):
        return []
    now = clock.now()
    twins = cards.twins(sought, since=now - FINISHED_WITHIN, limit=MOST_A_KEY)
    return likely(sought, twins, now=now, at=made_at or now)


@dataclass(frozen=True)
class CardDuplicates:
    """A card's likely duplicates (with reasons), the earlier card of the same requester on
    the same topic, the card it was merged into, and those merged into it."""

    card: Card
    likely: list[Likely]
    repeat_of: str | None
    merged_into: str | None
    merged: tuple[str, ...]
    followers: int


@dataclass(frozen=True)
class FollowOutcome:
    number: str  # the card followed (the main card when the one asked for was merged)
    already: bool


@dataclass(frozen=True)
class Duplicates:
    cards: CardRepository
    directory: Directory
    clock: Clock
    notify: Notifier
    show: CardShowing
    intake: IntakePolicy
    stems: Stems
    limiter: RateLimiter
    follows: RateLimit
    blobs: BlobStore
    geocoder: Geocoder

    def radius(self, category: str) -> int:
        """How far apart reports of the topic are likely one fault; 0 for a sensitive topic
        (about a person, not a place) and for topics the town marked so."""
        tree = self.directory.categories()
        return 0 if tree.is_sensitive(category) else tree.duplicate_radius(category)

    def of_card(self, principal: Principal, number: str) -> CardDuplicates:
        """What staff see on a card: its likely duplicates and what it was merged with."""
        card = self.cards.get(number)
        access.require_view(principal, card)
        found = (
            []
            if card.merged_into or card.sensitive
            else find_likely(
                self.sought(card),
                cards=self.cards,
                clock=self.clock,
                made_at=card.created_at,
            )
        )
        return CardDuplicates(
            card=card,
            likely=[f for f in found if f.twin.number not in card.merged],
            repeat_of=card.routing.why.repeat_of if card.routing and card.routing.why else None,
            merged_into=card.duplicate_of,
            merged=card.merged,
            followers=len(card.followers),
        )

    def sought(self, card: Card) -> Sought:
        """What a card's look-up is for. A card with an address and no point (a mail, a call,
        a corrected address) is looked for at the address's point too: reports with a pin
        are filed by their point, not their words."""
        sought = sought_for(card, self.radius(card.category), self.stems)
        return self._pointed(sought, card.location.address if card.location else None)

    def _pointed(self, sought: Sought, address: str | None) -> Sought:
        if sought.has_point or not address or sought.radius_metres <= 0:
            return sought
        try:
            found = self.geocoder.search(address, locale="en")
        except Exception:
            logger.exception("no point for the address; looked for at the address only")
            return sought
        exact = [p for p in found if p.precision == Precision.HOUSE]
        if not exact:
            return sought  # a street alone is too long to stand for a place
        return replace(sought, latitude=exact[0].latitude, longitude=exact[0].longitude)

    def likely_for_new(self, card: Card) -> list[Likely]:
        """What intake notes on a new card (on every channel); a failed look-up costs the
        note, never the request."""
        try:
            sought = self.sought(card)
            return find_likely(sought, cards=self.cards, clock=self.clock)[:FOUND_AT_INTAKE]
        except Exception:
            logger.exception("duplicate look-up failed; the card is registered without it")
            return []

    def on_form(
        self,
        category: str,
        *,
        latitude: float | None,
        longitude: float | None,
        address: str | None,
        text: str,
    ) -> list[Likely]:
        """ "Already reported nearby?": what a citizen filling the form may follow instead.
        Sensitive topics and topics not about a place have none."""
        if category not in self.directory.categories():
            raise ValidationFailed.single(
                "category", f"unknown category {category!r}", "not_a_topic"
            )
        sought = self._pointed(
            Sought(
                category=category,
                latitude=latitude,
                longitude=longitude,
                address_key=address_key(address),
                words=words_of(text, self.stems),
                radius_metres=self.radius(category),
            ),
            address,
        )
        return find_likely(sought, cards=self.cards, clock=self.clock)[:SHOWN_ON_FORM]

    def photo_link(self, found: Likely) -> str | None:
        """A short-lived link to the candidate's photo thumbnail (made without its EXIF)."""
        key = found.twin.photo
        return None if key is None else public_photo_link(key, blobs=self.blobs)

    def merge(self, principal: Principal, number: str, asked: MergeInto) -> StaffCard:
        """``number`` closed as a duplicate of ``asked.into`` (or of the card that one joined);
        both written at once, each at the version read: two merges of one card make one."""
        card, history = current(principal, number, asked.version, self.cards)
        access.require_working_on(principal, card, "merge it")
        main = self._main_of(asked.into)
        self._require_merge(principal, card, main)
        pair = merging.merge(card, main, actor=principal.actor, at=self.clock.now())
        messages = self.notify.merged(pair.card.card, pair.card.entry, pair.main.card)
        self.cards.save_together([_written(pair.card), _written(pair.main)], messages)
        logger.info("card merged", extra={"main": main.number})
        return self.show(principal, (pair.card.card, [*history, pair.card.entry]))

    def split(self, principal: Principal, number: str, asked: SplitOff) -> StaffCard:
        """A merge undone by a manager: the card back to its state (and its deadlines on from
        where they stopped), its requester and followers back from the main card."""
        card, history = current(principal, number, asked.version, self.cards)
        if not principal.manages(card.department):
            raise PermissionDenied("only the department's manager can split a merged card")
        if card.merged_into is None:
            raise TransitionForbidden(
                f"card {number} is not merged into another",
                field="number",
                field_code=merging.NOT_MERGED,
            )
        main = self.cards.get(card.merged_into.into)
        pair = merging.split(
            card, main, actor=principal.actor, at=self.clock.now(), reason=asked.reason
        )
        messages = self.notify.for_change(card, pair.card)
        self.cards.save_together([_written(pair.card), _written(pair.main)], messages)
        return self.show(principal, (pair.card.card, [*history, pair.card.entry]))

    def follow(self, number: str, asked: FollowCreate) -> FollowOutcome:
        """A citizen follows a request ("Me too"). Following twice is following once; a staff
        member's address is refused (staff follow cards in the console)."""
        if not asked.consent.accepted:
            raise ValidationFailed.single(
                "consent.accepted",
                "consent to processing the contact is required",
                "consent_required",
            )
        if asked.consent.text_version != self.intake.consent_version:
            raise ValidationFailed.single(
                "consent.text_version",
                f"consent was given to version {asked.consent.text_version!r}; "
                f"the current text is {self.intake.consent_version!r}",
                "consent_text_changed",
            )
        if asked.email and asked.email.strip().lower() in self._staff_addresses():
            raise ValidationFailed.single(
                "email", "staff follow requests in the console, not by mail", STAFF_CONTACT
            )
        who = merging.NewFollower(
            email=asked.email,
            phone=asked.phone,
            preferred_channel=asked.preferred_channel,
            locale=asked.locale,
            consent=Consent(accepted_at=self.clock.now(), text_version=asked.consent.text_version),
        )
        contact = who.contact_key
        allowed = self.limiter.take(self.follows, contact or "-", at=self.clock.now())
        if not allowed.granted:
            wait = allowed.retry_after_seconds
            raise TooManyRequests(
                f"this contact started following several requests lately; try again in "
                f"{-(-wait // 60)} minutes",
                retry_after=wait,
            )

        def attempt() -> FollowOutcome:
            card = self._public_main(number)
            at = self.clock.now()
            if not may_take_merges(card, at):
                raise TransitionForbidden(
                    "this request was closed long ago; report the problem anew",
                    field="number",
                    field_code=merging.CLOSED_LONG_AGO,
                )
            change = merging.follow(card, who, actor=PUBLIC, at=at)
            if change is None:
                return FollowOutcome(card.number, already=True)
            follower = change.card.followers[-1]
            welcome = self.notify.following(change.card, follower, change.entry)
            self.cards.save(change.card, change.entry, welcome)
            return FollowOutcome(card.number, already=False)

        return _on_the_latest(attempt)

    def unfollow(self, number: str, follower_id: str, token: str) -> str:
        """Stop following, from a signed link in any message; the link names the card it
        came with (the follower may have moved to a main card since). Answers the card."""
        at = self.clock.now()
        if not self.notify.unfollow_token_valid(number, follower_id, token, at):
            raise NotFound("this link is not valid (or has expired)")

        def attempt() -> str:
            card = self._holding(number, follower_id)
            change = merging.unfollow(card, follower_id, actor=PUBLIC, at=at)
            if change is not None:
                self.cards.save(change.card, change.entry)
            return card.number

        return _on_the_latest(attempt)

    def _holding(self, number: str, follower_id: str) -> Card:
        """The card that holds the follower now: the one named, or where merges took them."""
        card = self.cards.get(number)
        for _ in range(MOST_HOPS):
            if any(f.id == follower_id for f in card.followers) or card.merged_into is None:
                return card
            card = self.cards.get(card.merged_into.into)
        return card

    def _main_of(self, number: str) -> Card:
        card = self.cards.get(number)
        for _ in range(MOST_HOPS):
            if card.merged_into is None:
                return card
            card = self.cards.get(card.merged_into.into)
        raise TransitionForbidden(
            f"card {number} is merged too many times over",
            field="into",
            field_code=merging.ALREADY_MERGED,
        )

    def _public_main(self, number: str) -> Card:
        try:
            card = self._main_of(number)
        except NotFound:
            raise NotFound(NO_REQUEST) from None
        if card.sensitive or card.is_subtask:
            raise NotFound(NO_REQUEST)
        return card

    def _require_merge(self, principal: Principal, card: Card, main: Card) -> None:
        """Within its department, into a card the caller may see; across departments only a
        manager of the card's department (or an administrator)."""
        if card.department == main.department:
            access.require_view(principal, main)
        elif not principal.manages(card.department):
            # A manager decides for their own card; the main card's contents are not shown.
            raise PermissionDenied(
                f"card {main.number} belongs to another department: only a manager can merge "
                "across departments"
            )
        if card.sensitive != main.sensitive:
            raise TransitionForbidden(
                "a card of a sensitive topic merges only with another of its kind",
                field="into",
            )

    def _staff_addresses(self) -> set[str]:
        return {s.email.strip().lower() for s in self.directory.staff() if s.email}


T = TypeVar("T")


def _on_the_latest(attempt: Callable[[], T]) -> T:
    """A citizen's change raced a staff one: read the card again and try again, a few times."""
    for tries in range(1, FOLLOW_ATTEMPTS + 1):
        try:
            return attempt()
        except ConflictError:
            if tries == FOLLOW_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _written(change: Change) -> tuple[Card, HistoryEntry]:
    return change.card, change.entry

"""Registering a new request: validate, number it, write card + first history entry at once."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from chalicelib.domain.access_tokens import hash_access_token, new_access_token
from chalicelib.domain.card import Card, Channel, Consent, Location, Requester, format_card_number
from chalicelib.domain.duplicates import Likely, reason
from chalicelib.domain.errors import (
    ConflictError,
    FieldProblem,
    IdempotencyMismatch,
    ValidationFailed,
)
from chalicelib.domain.history import (
    Action,
    Actor,
    ActorKind,
    FieldChange,
    HistoryEntry,
    InternalNote,
)
from chalicelib.domain.outbox import OutboxMessage
from chalicelib.domain.rate_limits import RateLimit
from chalicelib.observability import logger
from chalicelib.ports import (
    CardRepository,
    Clock,
    Directory,
    IdempotencyRecord,
    RateLimiter,
    Telemetry,
)
from chalicelib.services.commands import CardCreate
from chalicelib.services.policies import IntakePolicy
from chalicelib.services.routing import Arrival, Router, place

DuplicateFinder = Callable[[Card], list[Likely]]

# Writes the requester's confirmation of a new card: (card, its first entry, access token).
ReceiptWriter = Callable[[Card, HistoryEntry, str], Sequence[OutboxMessage]]


def receipts_within(limit: RateLimit, limiter: RateLimiter, write: ReceiptWriter) -> ReceiptWriter:
    """``write``, held to ``limit`` per recipient: a form cannot make the town mail (or text)
    anyone at will, and a burst of requests from one person gets one receipt, not one each
    (each request's number and link are in the answer to its form)."""

    def within_limit(card: Card, entry: HistoryEntry, token: str) -> list[OutboxMessage]:
        kept = []
        for message in write(card, entry, token):
            verdicts = [limiter.take(limit, d.address, at=entry.at) for d in message.destinations]
            if all(v.granted for v in verdicts):
                kept.append(message)
            else:
                logger.info("receipt withheld: recent receipts to the same contact")
        return kept

    return within_limit


# How long a first attempt holds its Idempotency-Key before a retry may take over (an attempt
# that died mid-way: a Lambda times out long before this).
CLAIM_LEASE = timedelta(seconds=60)

# Channels where the requester ticks the consent box themselves; others record consent elsewhere
# (e.g. the operator reads the notice on the phone) and are handled by their own issues.
CONSENT_REQUIRED = frozenset({Channel.WEB, Channel.API})


@dataclass(frozen=True)
class IntakeReceipt:
    card: Card
    access_token: str
    replayed: bool


def submit_request(
    form: CardCreate,
    *,
    channel: Channel = Channel.WEB,
    idempotency_key: str | None,
    cards: CardRepository,
    directory: Directory,
    clock: Clock,
    telemetry: Telemetry,
    policy: IntakePolicy,
    route: Router,
    receipt: ReceiptWriter | None = None,
    name_known: bool = True,
    replay_token: Callable[[str], str] | None = None,
    find_duplicates: DuplicateFinder | None = None,
    client: str | None = None,
) -> IntakeReceipt:
    """Turn a submitted form into a card; the same Idempotency-Key never makes two cards.

    The key is claimed before a number is taken, so retries of one request (however many,
    however parallel) take one number: the first registers, a retry after it gets the same
    card with a fresh status key from ``replay_token`` (the receipt's own token is never
    stored), a retry during it is told to retry shortly.

    ``channel`` is set by the entry point (web route, mail handler, IVR), never by the body;
    so is ``name_known`` (False: the form's name is a placeholder, nobody gave one).
    ``receipt`` writes the requester's confirmation, queued in the same write as the card
    (each channel confirms in its own way: the mail channel answers in the sender's thread).
    """
    _check_business_rules(form, channel, directory, policy)
    request_hash = _request_hash(form)
    claim = None
    if idempotency_key:
        now = clock.now()
        claim = IdempotencyRecord(
            key=idempotency_key,
            request_hash=request_hash,
            claim=uuid.uuid4().hex,
            claimed_until=now + CLAIM_LEASE,
        )
        standing = cards.claim_idempotent(claim, now=now)
        if standing.claim != claim.claim or standing.done:
            return _replay(standing, request_hash, cards, replay_token)
    token = new_access_token()
    try:
        card = _new_card(form, channel, cards, clock, policy, token, route, name_known)
        if client:
            card = card.model_copy(update={"client": client})
        found = find_duplicates(card) if find_duplicates else []
        if found:
            numbers = tuple(f.twin.number for f in found)
            card = card.model_copy(update={"possible_duplicates": numbers})
        entry = _created_entry(card, found)
        messages = receipt(card, entry, token) if receipt else ()
        cards.create(card, entry, claim, messages)
    except ConflictError:
        # Our claim lapsed and a later attempt took the key: answer with its card.
        winner = cards.find_idempotent(idempotency_key) if idempotency_key else None
        if winner is None or not winner.done:
            raise
        return _replay(winner, request_hash, cards, replay_token)
    except Exception:
        if claim is not None:
            cards.release_idempotent(claim)  # a corrected retry need not wait the lease
        raise
    logger.set_correlation_id(card.number)
    logger.info(
        "card registered",
        extra={
            "channel": card.channel.value,
            "category": card.category,
            "department": card.department,
            "rule": card.routing.rule_id if card.routing else None,
        },
    )
    telemetry.card_created(channel=card.channel.value, category=card.category)
    return IntakeReceipt(card=card, access_token=token, replayed=False)


def _check_business_rules(
    form: CardCreate, channel: Channel, directory: Directory, policy: IntakePolicy
) -> None:
    problems: list[FieldProblem] = []
    if form.category not in directory.categories():
        problems.append(
            FieldProblem("category", f"unknown category {form.category!r}", "not_a_topic")
        )
    if form.location is not None:
        try:
            place(Location(**form.location.model_dump()), directory.territory())
        except ValidationFailed as invalid:
            problems.extend(invalid.problems)
    if channel in CONSENT_REQUIRED:
        if form.consent is None or not form.consent.accepted:
            problems.append(
                FieldProblem(
                    "consent.accepted",
                    "consent to personal-data processing is required",
                    "consent_required",
                )
            )
        elif form.consent.text_version != policy.consent_version:
            problems.append(
                FieldProblem(
                    "consent.text_version",
                    f"consent was given to version {form.consent.text_version!r}; "
                    f"the current text is {policy.consent_version!r}",
                    "consent_text_changed",
                )
            )
    if problems:
        raise ValidationFailed(problems)


def _new_card(
    form: CardCreate,
    channel: Channel,
    cards: CardRepository,
    clock: Clock,
    policy: IntakePolicy,
    token: str,
    route: Router,
    name_known: bool,
) -> Card:
    now = clock.now()
    requester = Requester(**form.requester.model_dump(), name_known=name_known)
    routed = route(
        Arrival(
            category=form.category,
            priority=form.priority,
            requester=requester,
            location=Location(**form.location.model_dump()) if form.location else None,
            at=now,
            danger=form.danger,
        )
    )
    # Numbered after routing: a refused district does not use up a number.
    year = now.astimezone(policy.timezone).year
    number = format_card_number(year, cards.next_number(year))
    consent = (
        Consent(accepted_at=now, text_version=form.consent.text_version)
        if form.consent and form.consent.accepted
        else None
    )
    return Card(
        id=uuid.uuid4().hex,
        number=number,
        channel=channel,
        subject=form.subject,
        description=form.description,
        category=form.category,
        priority=routed.priority,
        requester=requester,
        consent=consent,
        location=routed.location,
        department=routed.department,
        executor_id=routed.executor_id,
        routing=routed.routing,
        sensitive=routed.sensitive,
        manual_control=routed.manual_control,
        related_to=routed.repeat_of,
        participants=tuple(a.lower() for a in form.participants),
        created_at=now,
        updated_at=now,
        first_response_due=policy.first_response_due(form.category, routed.priority, now),
        access_token_hash=hash_access_token(token),
    )


def _created_entry(card: Card, found: Sequence[Likely] = ()) -> HistoryEntry:
    """The first entry: the status, where routing put the card and why, and the likely
    duplicates intake found (internal)."""
    changes = [
        FieldChange(field="status", before=None, after=card.status.value),
        FieldChange(field="department", before=None, after=card.department),
    ]
    if card.executor_id:
        changes.append(FieldChange(field="executor_id", before=None, after=card.executor_id))
    return HistoryEntry(
        seq=card.version,
        at=card.created_at,
        actor=Actor(
            kind=ActorKind.REQUESTER if card.channel in CONSENT_REQUIRED else ActorKind.SYSTEM
        ),
        action=Action.CREATED,
        changes=tuple(changes),
        internal_note=_intake_note(card, found),
    )


def _intake_note(card: Card, found: Sequence[Likely]) -> InternalNote | None:
    lines = [card.routing.reason] if card.routing else []
    lines += [f"likely a duplicate of {f.twin.number} ({reason(f)})" for f in found]
    return InternalNote(text="\n".join(lines)) if lines else None


def _request_hash(form: CardCreate) -> str:
    return hashlib.sha256(form.model_dump_json().encode("utf-8")).hexdigest()


def _replay(
    record: IdempotencyRecord,
    request_hash: str,
    cards: CardRepository,
    replay_token: Callable[[str], str] | None,
) -> IntakeReceipt:
    if record.request_hash != request_hash:
        raise IdempotencyMismatch(
            "this Idempotency-Key was already used with a different request; use a new key"
        )
    if record.card_number is None:
        raise ConflictError(
            "a request with this Idempotency-Key is still being registered; "
            "retry in a few seconds with the same key"
        )
    if replay_token is None:
        raise RuntimeError("this channel cannot answer a repeated request")
    return IntakeReceipt(
        card=cards.get(record.card_number),
        access_token=replay_token(record.card_number),
        replayed=True,
    )


@dataclass(frozen=True)
class Intake:
    """Intake wired to its ports (built once by the container): every channel's way in."""

    cards: CardRepository
    directory: Directory
    clock: Clock
    telemetry: Telemetry
    policy: IntakePolicy
    route: Router
    receipt: ReceiptWriter | None
    # A fresh status key for a repeated request's card (the first answer's is not kept).
    replay_token: Callable[[str], str]
    # The likely duplicates of a new card, noted on it (every channel comes through here).
    find_duplicates: DuplicateFinder | None = None

    def submit(
        self,
        form: CardCreate,
        *,
        key: str | None,
        channel: Channel = Channel.WEB,
        name_known: bool = True,
        client: str | None = None,
    ) -> IntakeReceipt:
        """``key``: the client's Idempotency-Key (or a channel's delivery id); ``client``: the
        API client that sent it, recorded on the card."""
        return submit_request(
            form,
            channel=channel,
            name_known=name_known,
            client=client,
            idempotency_key=key,
            cards=self.cards,
            directory=self.directory,
            clock=self.clock,
            telemetry=self.telemetry,
            policy=self.policy,
            route=self.route,
            receipt=self.receipt,
            replay_token=self.replay_token,
            find_duplicates=self.find_duplicates,
        )

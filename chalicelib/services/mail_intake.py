"""An email becomes a card, or a follow-up on one; the sender gets one polite, loop-safe reply.

Every mail ends in exactly one recorded outcome. A mail is claimed by its Message-ID and a
digest of its content, with a lease: the same mail delivered twice is a duplicate; a
delivery that died mid-way (a timeout, a crash) leaves a claim that lapses, and Lambda's
retry takes it over; a failure releases the claim so that a re-run can handle the mail
again. A different mail reusing a Message-ID (senders choose them) is handled under its
digest, never dropped. Each step a retry repeats finds its own earlier work: the card is
made under the mail's key, files keep ids derived from it, a follow-up already on the card
is not added twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from pydantic import ValidationError

from chalicelib.domain import lifecycle
from chalicelib.domain.card import Attachment, Card, Channel, Status, safe_filename
from chalicelib.domain.errors import (
    ConflictError,
    NotFound,
    TransitionForbidden,
    ValidationFailed,
)
from chalicelib.domain.history import REQUESTER, SYSTEM, HistoryEntry, MessageAuthor
from chalicelib.domain.inbound_mail import (
    InboundMail,
    MailClaim,
    content_digest,
    is_bounce,
    reply_address,
    strip_quoted_history,
    why_automated,
    why_no_auto_reply,
)
from chalicelib.domain.outbox import (
    DeliveryChannel,
    OutboxMessage,
    OutboxStatus,
    bounced,
    outbox_id_of,
)
from chalicelib.observability import logger
from chalicelib.ports import (
    BlobStore,
    CardRepository,
    Clock,
    Directory,
    Mailer,
    MailLog,
    Outbox,
    RateLimiter,
    Telemetry,
    Thumbnailer,
)
from chalicelib.services import intake
from chalicelib.services.attachments import stored_attachment, with_thumbnail
from chalicelib.services.commands import CardCreate
from chalicelib.services.notifications import Notifier
from chalicelib.services.outgoing_mail import staff_notice
from chalicelib.services.policies import AttachmentPolicy, IntakePolicy, MailPolicy
from chalicelib.services.routing import Router

# How long a delivery holds a mail: longer than the handler's 60-second timeout, so a retry
# of a delivery that died (Lambda's first comes a minute after the timeout) takes it over.
MAIL_LEASE = timedelta(seconds=90)


class MailAtWork(Exception):
    """The same mail is being handled by another delivery right now."""


class MailOutcome(StrEnum):
    CREATED = "created"
    THREADED = "threaded"
    REOPENED = "reopened"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    BOUNCED = "bounced"
    REJECTED = "rejected"
    DEAD_LETTERED = "dead_lettered"
    AUTOMATED = "automated"  # written by a program: shelved, or noted on the card it answers


@dataclass(frozen=True)
class MailVerdicts:
    """SES's receipt verdicts: PASS, FAIL, GRAY or PROCESSING_FAILED."""

    spam: str = "PASS"
    virus: str = "PASS"
    dmarc: str = "PASS"

    @property
    def quarantine(self) -> bool:
        return "FAIL" in (self.spam.upper(), self.virus.upper())

    @property
    def may_thread(self) -> bool:
        """Mail failing DMARC may be forged: it may not attach itself to an existing card."""
        return self.dmarc.upper() != "FAIL"


@dataclass(frozen=True)
class MailResult:
    outcome: MailOutcome
    card_number: str | None = None
    reason: str | None = None
    replied: bool = False


@dataclass(frozen=True)
class MailPorts:
    cards: CardRepository
    mail_log: MailLog
    limiter: RateLimiter
    mailer: Mailer
    blobs: BlobStore
    directory: Directory
    clock: Clock
    telemetry: Telemetry
    route: Router
    outbox: Outbox
    notify: Notifier
    thumbnails: Thumbnailer
    # Intake's note of likely duplicates (as on every channel).
    find_duplicates: intake.DuplicateFinder | None = None


@dataclass(frozen=True)
class MailPolicies:
    mail: MailPolicy
    intake: IntakePolicy
    attachments: AttachmentPolicy


def receive_mail(
    mail: InboundMail,
    verdicts: MailVerdicts,
    *,
    delivery_id: str,
    ports: MailPorts,
    policies: MailPolicies,
) -> MailResult:
    """Handle one received mail exactly once; raises on infrastructure failure, and while
    another delivery of the same mail is at work (the caller shelves it to run again)."""
    digest = content_digest(mail)
    key = mail.message_id or f"<{delivery_id}@ses>"
    claim = ports.mail_log.claim(key, digest, at=ports.clock.now(), lease=MAIL_LEASE)
    if claim == MailClaim.OTHER_MAIL:
        logger.warning("a different mail reuses a Message-ID: handled under its digest")
        key = f"{key}#{digest[:16]}"
        claim = ports.mail_log.claim(key, digest, at=ports.clock.now(), lease=MAIL_LEASE)
    if claim == MailClaim.HANDLED:
        return MailResult(MailOutcome.DUPLICATE, reason="this mail was already handled")
    if claim not in (MailClaim.OURS, MailClaim.TAKEN_OVER):
        raise MailAtWork("another delivery of this mail is being handled; run it again later")
    try:
        result = _route(mail, verdicts, ports, policies, key, claim == MailClaim.TAKEN_OVER)
    except Exception:
        ports.mail_log.release(key)
        raise
    ports.mail_log.settle(key, outcome=result.outcome.value, card_number=result.card_number)
    logger.set_correlation_id(result.card_number)
    logger.info(
        "mail handled",
        extra={"outcome": result.outcome.value, "reason": result.reason, "replied": result.replied},
    )
    return result


def _route(
    mail: InboundMail,
    verdicts: MailVerdicts,
    ports: MailPorts,
    policies: MailPolicies,
    key: str,
    retried: bool,
) -> MailResult:
    """``retried``: an earlier delivery of this mail died mid-way (its work may be there)."""
    if verdicts.quarantine:
        return MailResult(
            MailOutcome.QUARANTINED, reason=f"spam {verdicts.spam}, virus {verdicts.virus}"
        )
    if is_bounce(mail):
        for address in mail.failed_recipients:
            ports.mail_log.mark_undeliverable(address, at=ports.clock.now())
        fallen_back = _fall_back(mail, ports, policies)
        return MailResult(
            MailOutcome.BOUNCED,
            reason=f"{len(mail.failed_recipients)} undeliverable address(es); "
            f"{fallen_back} message(s) of ours sent again by another channel or marked bounced",
        )
    if mail.sender is None:
        return MailResult(MailOutcome.REJECTED, reason="no usable sender address")
    automated = why_automated(mail, policies.mail.own_addresses)
    existing = _thread_target(mail, verdicts, ports) if verdicts.may_thread else None
    if existing is not None and automated:
        return _note_automated(existing, mail, ports)
    if existing is not None:
        return _follow_up(existing, mail, ports, policies, key, retried=retried)
    if automated:
        # Not a request: it would breach and escalate like one. Staff can make it a card.
        return MailResult(MailOutcome.AUTOMATED, reason=f"automated mail ({automated})")
    return _new_card(mail, ports, policies, key, related_to=None)


def card_from_mail(
    mail: InboundMail, key: str, *, ports: MailPorts, policies: MailPolicies
) -> MailResult:
    """A card made by hand from a mail set aside as automated (staff judged a person wrote it).
    It is answered like any mail, unless its headers forbid an automatic answer (loop rules).
    Asked twice, it answers with the card the first time made."""
    if mail.sender is None:
        return MailResult(MailOutcome.REJECTED, reason="no usable sender address")
    return _new_card(mail, ports, policies, key, related_to=None)


def _note_automated(card: Card, mail: InboundMail, ports: MailPorts) -> MailResult:
    """An automatic reply to a card's thread joins its history; nothing is reopened or reset."""
    text = strip_quoted_history(mail.text) or mail.subject
    noted = lifecycle.automated_mail_noted(card, text, at=ports.clock.now())
    ports.cards.save(noted.card, noted.entry)
    return MailResult(
        MailOutcome.AUTOMATED, card.number, reason="automatic reply noted on the card"
    )


def _fall_back(mail: InboundMail, ports: MailPorts, policies: MailPolicies) -> int:
    """Messages of ours the report returns: tried again on the requester's other channel, or
    marked bounced when there is none (staff see it in the card's messages)."""
    moved = 0
    for returned in dict.fromkeys((*mail.returned_message_ids, *mail.thread_ids)):
        outbox_id = outbox_id_of(returned, policies.mail.mail_domain)
        if outbox_id is None:
            continue
        try:
            message = ports.outbox.get(outbox_id)
            if message.status != OutboxStatus.SENT or message.sent_via != DeliveryChannel.EMAIL:
                continue
            ports.outbox.update(bounced(message, at=ports.clock.now(), reason="the mail bounced"))
        except (NotFound, ConflictError):
            continue  # not ours after all, or already moved by someone else
        moved += 1
    return moved


def _thread_target(mail: InboundMail, verdicts: MailVerdicts, ports: MailPorts) -> Card | None:
    """Our Message-IDs in In-Reply-To/References first; else the number tag from a participant.

    Never by subject alone.
    """
    for record in ports.mail_log.find(mail.thread_ids):
        if record.card_number:
            return _card(record.card_number, ports)
    number = mail.number_tag
    if number and mail.sender:
        card = _card(number, ports)
        if card is not None and card.is_participant(mail.sender):
            return card
    return None


def _card(number: str, ports: MailPorts) -> Card | None:
    try:
        return ports.cards.get(number)
    except NotFound:
        return None


def _follow_up(
    card: Card,
    mail: InboundMail,
    ports: MailPorts,
    policies: MailPolicies,
    key: str,
    *,
    retried: bool,
) -> MailResult:
    now = ports.clock.now()
    outcome = MailOutcome.THREADED
    if card.merged_into:
        return _about_merged(card, mail, ports, policies, key, retried=retried)
    if card.status == Status.CLOSED:
        if now - card.updated_at > timedelta(days=policies.mail.reopen_within_days):
            return _new_card(mail, ports, policies, key, related_to=card.number)
        reopened = lifecycle.transition(
            card,
            lifecycle.back_in_work(card),
            lifecycle.TransitionDetails(reason="The requester replied by email"),
            actor=REQUESTER,
            at=now,
        )
        ports.cards.save(reopened.card, reopened.entry)
        card, outcome = reopened.card, MailOutcome.REOPENED
    text = (strip_quoted_history(mail.text) or "(attachments only)")[:5000]
    if retried and _last_requester_words(ports, card.number) == text:
        # The delivery that died had added these words already: not added twice. (Read only
        # on a retry: a first delivery does not pay for the history.)
        return MailResult(outcome, _attach(card, mail, ports, policies, key).number)
    try:
        change = lifecycle.requester_message(card, text, actor=REQUESTER, at=now)
    except TransitionForbidden as refused:
        return MailResult(MailOutcome.REJECTED, card.number, reason=refused.message)
    # A card that was waiting for this answer tells the requester work resumed.
    ports.cards.save(change.card, change.entry, ports.notify.for_change(card, change))
    updated = _attach(change.card, mail, ports, policies, key)
    _tell_executor(updated, ports, policies, reopened=outcome == MailOutcome.REOPENED)
    return MailResult(outcome, card.number)


def _last_requester_words(ports: MailPorts, number: str) -> str | None:
    _, history = ports.cards.get_with_history(number)
    for entry in reversed(history):
        if entry.public_message and entry.public_message.author == MessageAuthor.REQUESTER:
            return entry.public_message.text
    return None


def _about_merged(
    card: Card,
    mail: InboundMail,
    ports: MailPorts,
    policies: MailPolicies,
    key: str,
    *,
    retried: bool,
) -> MailResult:
    """A reply about a report merged into another: its words reach those working the main
    card as an internal note there (the main card's requester never reads another's words),
    its files stay on its own card, and nothing is reopened (a split does that)."""
    main = ports.cards.get(card.merged_into.into) if card.merged_into else card
    text = (strip_quoted_history(mail.text) or "(attachments only)")[:4000]
    note = f"The requester of {card.number} (merged here) wrote by email:\n{text}"
    if not (retried and _last_note(ports, main.number) == note):
        change = lifecycle.comment(main, note, public=False, actor=REQUESTER, at=ports.clock.now())
        ports.cards.save(change.card, change.entry)
        main = change.card
    _attach(card, mail, ports, policies, key)
    _tell_executor(main, ports, policies, reopened=False)
    return MailResult(MailOutcome.THREADED, main.number)


def _last_note(ports: MailPorts, number: str) -> str | None:
    """The card's last internal note (read only on a retry: a first delivery does not pay)."""
    _, history = ports.cards.get_with_history(number)
    last = history[-1] if history else None
    return last.internal_note.text if last and last.internal_note else None


def _tell_executor(card: Card, ports: MailPorts, policies: MailPolicies, *, reopened: bool) -> None:
    executor = ports.directory.staff_member(card.executor_id) if card.executor_id else None
    if executor is None:
        return  # unassigned: the card is back in its department's queue instead
    ports.mailer.send(
        staff_notice(
            card,
            executor,
            reopened=reopened,
            directory=ports.directory,
            templates=ports.notify.templates,
            policy=policies.mail,
            now=ports.clock.now(),
        )
    )


def _new_card(
    mail: InboundMail, ports: MailPorts, policies: MailPolicies, key: str, *, related_to: str | None
) -> MailResult:
    recipient = reply_address(mail, policies.mail.own_addresses) or mail.sender
    try:
        form = _card_form(mail, recipient, policies.mail)
        answer = _may_answer(mail, recipient, ports, policies)
        receipt = intake.submit_request(
            form,
            channel=Channel.EMAIL,
            # Under the mail's key: a retry of a delivery that died finds the card it made.
            idempotency_key=f"MAIL:{key}",
            cards=ports.cards,
            directory=ports.directory,
            clock=ports.clock,
            telemetry=ports.telemetry,
            policy=policies.intake,
            route=ports.route,
            receipt=_reply_writer(mail, answer, ports.notify, policies.mail),
            replay_token=lambda number: ports.notify.status_token(number, ports.clock.now()),
            find_duplicates=ports.find_duplicates,
        )
    except (ValidationError, ValidationFailed) as invalid:
        # Field names only: the problems' own text may quote the sender's data.
        return MailResult(
            MailOutcome.REJECTED, reason=f"cannot make a card: invalid {_fields_of(invalid)}"
        )
    card = receipt.card
    if related_to and card.related_to != related_to:
        card = _link(card, related_to, ports)
    card = _attach(card, mail, ports, policies, key)
    return MailResult(MailOutcome.CREATED, card.number, replied=answer is not None)


def _fields_of(invalid: ValidationError | ValidationFailed) -> str:
    if isinstance(invalid, ValidationFailed):
        return ", ".join(p.field for p in invalid.problems)
    return ", ".join(".".join(str(part) for part in e["loc"]) for e in invalid.errors())


def _card_form(mail: InboundMail, recipient: str | None, policy: MailPolicy) -> CardCreate:
    subject = mail.clean_subject[:200] or "(no subject)"
    text = mail.text.strip()[:5000] or "(empty message)"
    name = (mail.sender_name or (mail.sender or "").split("@")[0]).strip()[:200]
    return CardCreate.model_validate(
        {
            "subject": subject if len(subject) >= 3 else f"{subject} (email)",
            "description": text if len(text) >= 3 else f"{text} (email)",
            "category": policy.default_category,
            "requester": {
                "full_name": name if len(name) >= 2 else "Email sender",
                "email": recipient,
                "preferred_channel": "email",
                "locale": mail.language if mail.language in ("en", "ru") else None,
            },
            # Replies go to the Reply-To; the From address is the requester's too, and may
            # follow up on the card.
            "participants": [mail.sender] if mail.sender and mail.sender != recipient else [],
        }
    )


def _link(card: Card, related_to: str, ports: MailPorts) -> Card:
    change = lifecycle.link(
        card,
        related_to,
        actor=SYSTEM,
        at=ports.clock.now(),
        why=f"Follows up {related_to}, closed too long ago to reopen",
    )
    ports.cards.save(change.card, change.entry)
    return change.card


def _attach(
    card: Card, mail: InboundMail, ports: MailPorts, policies: MailPolicies, mail_key: str
) -> Card:
    """The mail's files on the card. Each file's id derives from the mail's key and its place
    in the mail, so a retry of a delivery that died recognises the files already there."""
    rules, now = policies.attachments, ports.clock.now()
    room = rules.max_per_card - len(card.attachments)
    present = {a.id for a in card.attachments}
    files: list[Attachment] = []
    for place, part in enumerate(mail.attachments):
        attachment_id = uuid.uuid5(uuid.NAMESPACE_URL, f"mail:{mail_key}/{place}").hex
        if attachment_id in present:
            continue
        if len(files) >= room or part.content_type not in rules.allowed_types:
            continue
        if not 0 < part.size <= rules.max_bytes:
            continue
        name = safe_filename(part.filename)
        key = f"attachments/{card.number}/{attachment_id}/{name}"
        stored = ports.blobs.put(key, part.content, content_type=part.content_type)
        recorded = stored_attachment(attachment_id, name, key, stored, at=now)
        files.append(
            with_thumbnail(
                recorded, blobs=ports.blobs, thumbnails=ports.thumbnails, content=part.content
            )
        )
    if not files:
        return card
    change = lifecycle.attach(card, tuple(files), actor=REQUESTER, at=now)
    ports.cards.save(change.card, change.entry)
    return change.card


def _reply_writer(
    mail: InboundMail, recipient: str | None, notify: Notifier, policy: MailPolicy
) -> intake.ReceiptWriter | None:
    """The registration reply in the sender's thread and language, written with the card."""
    if recipient is None:
        return None
    has_text = f"{mail.subject}{mail.text}".strip()
    locale = mail.language if has_text else policy.default_locale
    thread = (
        {
            "In-Reply-To": mail.message_id,
            "References": " ".join((*mail.references, mail.message_id)),
        }
        if mail.message_id
        else {}
    )

    def reply(card: Card, entry: HistoryEntry, token: str) -> list[OutboxMessage]:
        return [
            notify.mail_receipt(
                card, entry, token, recipient=recipient, locale=locale, thread=thread
            )
        ]

    return reply


def _may_answer(
    mail: InboundMail, recipient: str | None, ports: MailPorts, policies: MailPolicies
) -> str | None:
    """Where the registration reply goes, or None when loop rules, limits or a bounce history
    forbid one. The reply is queued with the card itself."""
    reason = why_no_auto_reply(mail, policies.mail.own_addresses)
    if reason is not None or recipient is None:
        logger.info("no auto-reply", extra={"reason": str(reason or "no recipient")})
        return None
    now = ports.clock.now()
    if ports.mail_log.is_undeliverable(recipient):
        logger.info("no auto-reply", extra={"reason": "undeliverable"})
        return None
    if not ports.limiter.take(policies.mail.auto_replies, recipient, at=now).granted:
        logger.info("no auto-reply", extra={"reason": "rate-limited"})
        return None
    return recipient

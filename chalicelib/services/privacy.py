"""Personal data kept only as long as the town's law says, and a requester's data requests.

- ``sweep``: the retention job. Closed cards untouched for the town's period
  (``RetentionPolicy.personal_data_years``) lose the requester's personal data
  (``domain/erasure.py``); the figures stay. Each daily run reads one share of the table (a
  parallel scan's segment, by the day), so a city's table is covered every four weeks at a
  bounded cost per run; a card is erased at most four weeks after its time.
- ``held_about``: everything held about a contact (an administrator answering a requester's
  access request): their cards with history, the messages sent to them, links to their files.
- ``erase_contact``: the same contact's personal data taken off every card (their request),
  their messages, files and undeliverable mark deleted, recorded in each card's history.

The search index follows by itself (the card's change reaches the indexer through the table's
stream, which re-reads the card with its rewritten history); exports read the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from chalicelib.domain.access import Principal
from chalicelib.domain.card import AttachmentSource, Card, contact_key
from chalicelib.domain.directory import Role
from chalicelib.domain.erasure import ErasureReason, erase, retention_due
from chalicelib.domain.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from chalicelib.domain.history import SYSTEM, Actor, HistoryEntry
from chalicelib.domain.outbox import OutboxMessage
from chalicelib.domain.retention import RetentionPolicy
from chalicelib.ports import BlobStore, CardRepository, Clock, MailLog, Outbox

# The table in this many shares: one a day, the whole table every four weeks.
SHARES = 28
PAGE = 200
LINK_SECONDS = 3600


@dataclass(frozen=True)
class Contact:
    """Who a data request is about: an email, a phone, or both."""

    email: str | None = None
    phone: str | None = None

    def keys(self) -> list[str]:
        found = [contact_key(self.email, None), contact_key(None, self.phone)]
        return [k for k in found if k]


@dataclass
class SweepReport:
    share: int
    checked: int = 0
    erased: list[str] = field(default_factory=list)
    # Cards that changed while being erased: the next pass over their share takes them.
    moved: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FileHeld:
    filename: str
    content_type: str
    url: str


@dataclass(frozen=True)
class CardHeld:
    card: Card
    history: list[HistoryEntry]
    messages: list[OutboxMessage]
    files: list[FileHeld]


@dataclass(frozen=True)
class ErasureReport:
    erased: list[str]
    already: list[str]
    # Still open when erased: the town can no longer write to the requester about them.
    were_open: list[str]
    messages_deleted: int
    files_deleted: int


@dataclass(frozen=True)
class Privacy:
    cards: CardRepository
    outbox: Outbox
    blobs: BlobStore
    mail_log: MailLog
    clock: Clock
    retention: RetentionPolicy

    def share_of(self, day: date) -> int:
        return day.toordinal() % SHARES

    def sweep(
        self, *, share: int | None = None, more_time: Callable[[], bool] = lambda: True
    ) -> SweepReport:
        """Erase the due cards of one share of the table (today's, unless given)."""
        now = self.clock.now()
        share = self.share_of(now.date()) if share is None else share
        cutoff = self.retention.erasure_cutoff(now)
        note = f"closed more than {self.retention.personal_data_years} years ago"
        report = SweepReport(share=share)
        cursor: str | None = None
        while more_time():
            page = self.cards.every_card(limit=PAGE, cursor=cursor, segment=(share, SHARES))
            for card in page.cards:
                report.checked += 1
                if not retention_due(card, cutoff=cutoff):
                    continue
                if self._erase(card.number, ErasureReason.RETENTION, SYSTEM, note):
                    report.erased.append(card.number)
                else:
                    report.moved.append(card.number)
            cursor = page.cursor
            if cursor is None:
                break
        return report

    def held_about(self, principal: Principal, contact: Contact) -> list[CardHeld]:
        _administrator(principal)
        held = []
        for number in self._numbers(contact):
            card, history = self.cards.get_with_history(number)
            files = [
                FileHeld(
                    a.filename,
                    a.content_type,
                    self.blobs.download_url(a.key, filename=a.filename, expires_in=LINK_SECONDS),
                )
                for a in card.attachments
            ]
            held.append(CardHeld(card, history, self.outbox.for_card(number), files))
        return held

    def erase_contact(self, principal: Principal, contact: Contact, note: str) -> ErasureReport:
        _administrator(principal)
        erased, already, were_open = [], [], []
        messages = files = 0
        cards = [self.cards.get(number) for number in self._numbers(contact)]
        # A subtask carries its parent's requester (the town's work for them): it goes too.
        found = {c.number for c in cards}
        cards += [self.cards.get(n) for c in cards for n in c.subtasks if n not in found]
        # However each card spells them, the person's names and contacts go from all of them.
        same_person = [contact.email or "", contact.phone or ""]
        same_person += [c.requester.full_name for c in cards if c.requester.name_known]
        same_person += [c.requester.email or "" for c in cards]
        same_person += [c.requester.phone or "" for c in cards]
        for card in cards:
            number = card.number
            if card.personal_data_removed_at is not None:
                already.append(number)
                continue
            # A card that changed under us is read again once; twice is a busy card: say so.
            by = principal.actor
            if not any(
                self._erase(number, ErasureReason.DATA_REQUEST, by, note, same_person)
                for _ in range(2)
            ):
                raise ConflictError(f"card {number} kept changing; run the request again")
            erased.append(number)
            if not card.status.is_final:
                were_open.append(number)
            messages += self.outbox.forget_card(number)
            files += sum(1 for a in card.attachments if a.source == AttachmentSource.REQUESTER)
        for address in {a.lower() for a in same_person if "@" in a}:
            self.mail_log.forget_address(address)
        return ErasureReport(erased, already, were_open, messages, files)

    def _numbers(self, contact: Contact) -> list[str]:
        keys = contact.keys()
        if not keys:
            raise ValidationFailed.single("contact", "give an email or a phone", "required")
        numbers = {n for key in keys for n in self.cards.of_contact(key)}
        if contact.phone:
            numbers |= {p.number for p in self.cards.from_phone(contact.phone, limit=1000)}
        if not numbers:
            raise NotFound("no card has this contact as its requester")
        return sorted(numbers)

    def _erase(
        self,
        number: str,
        reason: ErasureReason,
        by: Actor,
        note: str,
        also: Sequence[str] = (),
    ) -> bool:
        """Erase one card as it is now; False when it changed meanwhile."""
        card, history = self.cards.get_with_history(number)
        if card.personal_data_removed_at is not None:
            return True
        done = erase(card, history, reason=reason, by=by, note=note, at=self.clock.now(), also=also)
        try:
            self.cards.rewrite(done.card, done.history, done.entry)
        except ConflictError:
            return False
        for key in done.files_to_delete:
            self.blobs.delete(key)
        return True


def _administrator(principal: Principal) -> None:
    if not principal.has(Role.ADMIN):
        raise PermissionDenied("data requests are answered by an administrator")

"""In-memory CardRepository: the twin used by unit tests; passes the same contract suite."""

from __future__ import annotations

import base64
import binascii
import threading
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.card_items import (
    approval_keys,
    due_keys,
    queue_keys,
    twin_key,
    twin_partitions,
)
from chalicelib.adapters.memory_outbox import InMemoryOutbox
from chalicelib.adapters.word_forms import stems
from chalicelib.domain import geo
from chalicelib.domain.card import Card, Status
from chalicelib.domain.desk import DeskRow, desk_row
from chalicelib.domain.duplicates import Sought, Twin, twin_of
from chalicelib.domain.errors import ConflictError, NotFound, ValidationFailed
from chalicelib.domain.history import HistoryEntry
from chalicelib.domain.milestones import advance
from chalicelib.domain.nearby import PlacedCard, placed
from chalicelib.domain.open311 import RequestLine, RequestUpdate, request_line, update_of
from chalicelib.domain.outbox import OutboxMessage
from chalicelib.domain.workload import workload_delta
from chalicelib.ports import DuePage, IdempotencyRecord, MissedDeadline, PriorCard, QueuePage


class InMemoryCardRepository:
    def __init__(self, outbox: InMemoryOutbox | None = None) -> None:
        # Messages a change sends are written with it, as the DynamoDB transaction does.
        self.outbox = outbox or InMemoryOutbox()
        self._lock = threading.Lock()
        self._counters: dict[int, int] = defaultdict(int)
        self._cards: dict[str, Card] = {}
        self._history: dict[str, list[HistoryEntry]] = defaultdict(list)
        self._updates: list[RequestUpdate] = []
        self._idempotency: dict[str, IdempotencyRecord] = {}
        self._due: dict[str, str] = {}  # number -> due sort key, like the sparse index
        self._overdue: dict[str, MissedDeadline] = {}  # number -> missed deadline, likewise
        self._deadline: dict[str, datetime] = {}  # number -> the desk line's checked deadline
        self._open: dict[str, int] = defaultdict(int)  # staff id -> open cards owned

    def next_number(self, year: int) -> int:
        with self._lock:
            self._counters[year] += 1
            return self._counters[year]

    def numbers_taken(self, years: Iterable[int]) -> int:
        with self._lock:
            return sum(self._counters.get(year, 0) for year in dict.fromkeys(years))

    def find_idempotent(self, key: str) -> IdempotencyRecord | None:
        return self._idempotency.get(key)

    def claim_idempotent(self, claim: IdempotencyRecord, *, now: datetime) -> IdempotencyRecord:
        if claim.claim is None or claim.claimed_until is None:
            raise ValueError("a claim needs its id and lease")
        with self._lock:
            standing = self._idempotency.get(claim.key)
            lapsed = (
                standing is not None
                and not standing.done
                and standing.claimed_until is not None
                and standing.claimed_until < now
            )
            if standing is not None and not lapsed:
                return standing
            self._idempotency[claim.key] = claim
            return claim

    def release_idempotent(self, claim: IdempotencyRecord) -> None:
        with self._lock:
            standing = self._idempotency.get(claim.key)
            if standing is not None and not standing.done and standing.claim == claim.claim:
                del self._idempotency[claim.key]

    def create(
        self,
        card: Card,
        entry: HistoryEntry,
        idempotency: IdempotencyRecord | None = None,
        messages: Sequence[OutboxMessage] = (),
    ) -> None:
        with self._lock:
            if card.number in self._cards:
                raise ConflictError(f"card {card.number} exists")
            if idempotency is not None:
                standing = self._idempotency.get(idempotency.key)
                if standing is None or standing.done or standing.claim != idempotency.claim:
                    raise ConflictError(f"the idempotency key {idempotency.key} is not ours")
            self.outbox.add_all(messages)
            self._put(card, entry)
            if idempotency is not None:
                self._idempotency[idempotency.key] = IdempotencyRecord(
                    key=idempotency.key,
                    request_hash=idempotency.request_hash,
                    card_number=card.number,
                )

    def get(self, number: str) -> Card:
        try:
            return self._cards[number]
        except KeyError:
            raise NotFound(f"no card {number}") from None

    def get_with_history(self, number: str) -> tuple[Card, list[HistoryEntry]]:
        with self._lock:
            return self.get(number), list(self._history[number])

    def save(self, card: Card, entry: HistoryEntry, messages: Sequence[OutboxMessage] = ()) -> None:
        with self._lock:
            self._check_version(card)
            self.outbox.add_all(messages)
            self._put(card, entry)

    def rewrite(self, card: Card, history: Sequence[HistoryEntry], entry: HistoryEntry) -> None:
        with self._lock:
            by_seq = {e.seq: e for e in history}
            self._history[card.number] = [by_seq.get(e.seq, e) for e in self._history[card.number]]
            self._check_version(card)
            self._put(card, entry)

    def save_together(
        self, changes: Sequence[tuple[Card, HistoryEntry]], messages: Sequence[OutboxMessage] = ()
    ) -> None:
        with self._lock:
            for card, _ in changes:
                self._check_version(card)
            self.outbox.add_all(messages)
            for card, entry in changes:
                self._put(card, entry)

    def requested(
        self,
        start: datetime,
        end: datetime,
        *,
        limit: int,
        wanted: Callable[[RequestLine], bool] = lambda _: True,
    ) -> list[RequestLine]:
        with self._lock:
            lines = [line for c in self._cards.values() if (line := request_line(c)) is not None]
        inside = [line for line in lines if start <= line.requested_at <= end and wanted(line)]
        inside.sort(key=lambda line: (line.requested_at, line.number), reverse=True)
        return inside[:limit]

    def updates(self, start: datetime, end: datetime, *, limit: int) -> list[RequestUpdate]:
        with self._lock:
            found = [u for u in self._updates if start <= u.at <= end]
        found.sort(key=lambda u: (u.at, u.number, u.update_id))
        return found[:limit]

    def twins(self, sought: Sought, *, since: datetime, limit: int) -> list[Twin]:
        keys = set(twin_partitions(sought))
        with self._lock:
            lines = [t for c in self._cards.values() if (t := twin_of(c, stems)) is not None]
        found: dict[str, list[Twin]] = {}
        for twin in lines:
            key = twin_key(twin)
            if key in keys and (twin.finished_at is None or twin.finished_at >= since):
                found.setdefault(key, []).append(twin)
        # The index's order per key: open cards (newest first), then the latest finished.
        return [
            twin
            for here in found.values()
            for twin in sorted(
                here,
                key=lambda t: (t.finished_at is None, t.finished_at or t.created_at),
                reverse=True,
            )[:limit]
        ]

    def create_subtask(
        self, parent: Card, parent_entry: HistoryEntry, child: Card, child_entry: HistoryEntry
    ) -> None:
        with self._lock:
            self._check_version(parent)
            if child.number in self._cards:
                raise ConflictError(f"card {child.number} exists")
            self._put(parent, parent_entry)
            self._put(child, child_entry)

    def open_counts(self, staff_ids: Sequence[str]) -> dict[str, int]:
        with self._lock:
            return {s: self._open.get(s, 0) for s in staff_ids}

    def latest_from(self, contact_key: str, category: str) -> PriorCard | None:
        with self._lock:
            mine = [
                c
                for c in self._cards.values()
                if not c.is_subtask
                and c.category == category
                and c.requester.contact_key == contact_key
            ]
        if not mine:
            return None
        latest = max(mine, key=lambda c: (c.created_at, c.number))
        return PriorCard(number=latest.number, created_at=latest.created_at)

    def of_contact(self, contact_key: str) -> list[str]:
        with self._lock:
            return sorted(
                c.number
                for c in self._cards.values()
                if not c.is_subtask and c.requester.contact_key == contact_key
            )

    def from_phone(self, phone: str, *, limit: int) -> list[PriorCard]:
        pressed = "".join(ch for ch in phone if ch.isdigit())
        if len(pressed) < 7:
            return []
        with self._lock:
            mine = [
                c
                for c in self._cards.values()
                if not c.is_subtask
                and "".join(ch for ch in c.requester.phone or "" if ch.isdigit())[-10:]
                == pressed[-10:]
            ]
        mine.sort(key=lambda c: (c.created_at, c.number), reverse=True)
        return [PriorCard(number=c.number, created_at=c.created_at) for c in mine[:limit]]

    def placed_in(self, cells: Sequence[str], *, since: datetime, limit: int) -> list[PlacedCard]:
        with self._lock:
            pins = [p for c in self._cards.values() if (p := placed(c)) is not None]
        found = []
        for cell in cells:
            here = [
                p
                for p in pins
                if geo.encode(p.latitude, p.longitude) == cell
                and (p.finished_at is None or p.finished_at >= since)
            ]
            # The index's order: open cards (newest first), then the latest finished.
            here.sort(key=lambda p: (p.finished_at is None, p.finished_at or p.created_at))
            found += list(reversed(here))[:limit]
        return found

    def _put(self, card: Card, entry: HistoryEntry) -> None:
        self._cards[card.number] = card.model_copy(
            update={"milestones": advance(card.milestones, entry)}
        )
        self._history[card.number].append(entry)
        update = update_of(card, entry)
        if update is not None:  # as written then, like the table's day lines
            self._updates.append(update)
        self._due[card.number] = due_keys(card)[ts.DUE_SORT_KEY]
        # The item is replaced as a whole: its deadline check puts it back on the list.
        self._overdue.pop(card.number, None)
        self._deadline.pop(card.number, None)
        for staff_id, delta in workload_delta(card, entry).items():
            self._open[staff_id] += delta

    def _check_version(self, card: Card) -> None:
        stored = self._cards.get(card.number)
        if stored is None or stored.version != card.version - 1:
            current = stored.version if stored else None
            raise ConflictError(
                f"card {card.number} changed since version {card.version - 1}; it is now {current}",
                current_version=current,
            )

    def queue(
        self, department: str, status: Status, *, limit: int, cursor: str | None = None
    ) -> QueuePage:
        with self._lock:
            matching = sorted(
                (
                    c
                    for c in self._cards.values()
                    if c.department == department and c.status == status
                ),
                key=lambda c: queue_keys(c)["queue_sk"],
            )
        return _page(matching, limit, cursor)

    def due(self, until: datetime, *, limit: int, cursor: str | None = None) -> DuePage:
        bound = ts.due_sort_key(until, "~")
        with self._lock:
            due = sorted((key, number) for number, key in self._due.items() if key <= bound)
        start = _decode_cursor(cursor) if cursor else 0
        page = [number for _, number in due[start : start + limit]]
        more = start + limit < len(due)
        return DuePage(numbers=page, cursor=_encode_cursor(start + limit) if more else None)

    def set_next_check(
        self,
        number: str,
        version: int,
        at: datetime | None,
        missed: MissedDeadline | None = None,
        *,
        deadline: datetime | None = None,
    ) -> bool:
        with self._lock:
            stored = self._cards.get(number)
            if stored is None or stored.version != version:
                return False
            if deadline is None:
                self._deadline.pop(number, None)
            else:
                self._deadline[number] = deadline
            if at is None:
                self._due.pop(number, None)
            else:
                self._due[number] = ts.due_sort_key(at, number)
            if missed is None:
                self._overdue.pop(number, None)
            else:
                self._overdue[number] = missed
            return True

    def refresh_derived_keys(self, *, progress: Callable[[int], None] | None = None) -> int:
        return 0  # derived from the cards at every read: never behind

    def desk(self, department: str) -> list[DeskRow]:
        with self._lock:
            cards = [c for c in self._cards.values() if c.department == department]
            rows = []
            for card in sorted(cards, key=lambda c: (c.created_at, c.number)):
                row = desk_row(card)
                if row is None:
                    continue
                missed = self._overdue.get(card.number)
                rows.append(
                    replace(
                        row,
                        deadline=self._deadline.get(card.number, row.deadline),
                        overdue_since=missed.due_at if missed else None,
                    )
                )
            return rows

    def overdue(self, department: str, *, limit: int, cursor: str | None = None) -> QueuePage:
        with self._lock:
            keyed = sorted(
                (ts.due_sort_key(m.due_at, n), self._cards[n])
                for n, m in self._overdue.items()
                if m.department == department
            )
            since = {n: m.due_at for n, m in self._overdue.items()}
        page = _page([card for _, card in keyed], limit, cursor)
        page.overdue_since.update((c.number, since[c.number]) for c in page.cards)
        return page

    def every_card(
        self, *, limit: int, cursor: str | None = None, segment: tuple[int, int] | None = None
    ) -> QueuePage:
        with self._lock:
            cards = sorted(self._cards.values(), key=lambda c: c.number)
            since = {n: m.due_at for n, m in self._overdue.items()}
        if segment is not None:
            share, of = segment
            cards = [c for c in cards if zlib.crc32(c.number.encode()) % of == share]
        page = _page(cards, limit, cursor)
        page.overdue_since.update(
            (c.number, since[c.number]) for c in page.cards if c.number in since
        )
        return page

    def awaiting_approval(
        self, department: str, *, limit: int, cursor: str | None = None
    ) -> QueuePage:
        with self._lock:
            keyed = sorted(
                (keys[ts.APPROVAL_SORT_KEY], card)
                for card in self._cards.values()
                if (keys := approval_keys(card))
                and keys[ts.APPROVAL_PARTITION_KEY] == ts.approval_pk(department)
            )
        return _page([card for _, card in keyed], limit, cursor)


def _page(cards: list[Card], limit: int, cursor: str | None) -> QueuePage:
    start = _decode_cursor(cursor) if cursor else 0
    more = start + limit < len(cards)
    return QueuePage(
        cards=cards[start : start + limit], cursor=_encode_cursor(start + limit) if more else None
    )


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationFailed.single("cursor", "not a cursor this API returned") from None

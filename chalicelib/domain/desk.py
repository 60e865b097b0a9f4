"""A department's desk: its open cards as rows of the queue table, filtered, counted per status,
sorted by any column and cut into pages.

Pure. A row is the little a queue line shows (no description, no requester), kept on the card
item and copied alone into the ``desk`` index, so a department's five thousand open cards are one
or two Query pages, not five thousand cards. Sorting by names (topic, owner, place) needs the
names: the caller passes ``DeskNames`` in the reader's language.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.card import Card, Channel, Priority, ReplyStatus, Status
from chalicelib.domain.personal_data import HIDDEN

SUBJECT_KEPT = 120  # characters of the subject a row keeps: a queue line shows fewer
MAX_DESK_PAGE = 200
SortKey = Callable[["DeskRow"], tuple[Any, ...]]
UNASSIGNED = "none"  # the owner filter's word for "nobody owns it yet"

# The order a desk's statuses are counted and sorted in: the way work flows.
OPEN_STATUSES: tuple[Status, ...] = (
    Status.RECEIVED,
    Status.IN_PROGRESS,
    Status.NEEDS_CLARIFICATION,
    Status.AWAITING_REQUESTER,
    Status.RESOLVED,
)


@dataclass(frozen=True)
class DeskRow:
    number: str
    subject: str
    category: str
    priority: Priority
    status: Status
    department: str
    executor_id: str | None
    channel: Channel
    district: str | None
    address: str | None
    created_at: datetime
    version: int
    sensitive: bool = False
    awaiting_approval: bool = False
    # The nearest deadline not yet met, as the last deadline check saw it (at intake: the
    # first reply's), and when the earliest missed one passed while it stays missed.
    deadline: datetime | None = None
    overdue_since: datetime | None = None
    reply_by: datetime | None = None
    no_answer_at: datetime | None = None
    personal_data_hidden: bool = False


def desk_row(card: Card) -> DeskRow | None:
    """The card's row on its department's desk; None once it is closed (off the desk)."""
    if card.status == Status.CLOSED:
        return None
    where = card.location
    return DeskRow(
        number=card.number,
        subject=card.subject[:SUBJECT_KEPT],
        category=card.category,
        priority=card.priority,
        status=card.status,
        department=card.department,
        executor_id=card.executor_id,
        channel=card.channel,
        district=where.district if where else None,
        address=where.address if where else None,
        created_at=card.created_at,
        version=card.version,
        sensitive=card.sensitive,
        awaiting_approval=any(r.status == ReplyStatus.AWAITING_APPROVAL for r in card.replies),
        deadline=card.first_response_due if card.milestones.first_reply_at is None else None,
        reply_by=card.reply_by,
        no_answer_at=card.no_answer_at,
    )


def without_personal_data(row: DeskRow) -> DeskRow:
    """A sensitive card's row for staff outside the group that may see the person."""
    return replace(row, subject=HIDDEN, address=None, personal_data_hidden=True)


class DeskSort(StrEnum):
    NUMBER = "number"
    SUBJECT = "subject"
    TOPIC = "topic"
    PLACE = "place"
    STATUS = "status"
    OWNER = "owner"
    PRIORITY = "priority"
    DEADLINE = "deadline"
    AGE = "age"


@dataclass(frozen=True)
class DeskFilter:
    """Empty sets and None filter nothing; within one filter the values are alternatives."""

    statuses: frozenset[Status] = frozenset()
    categories: frozenset[str] = frozenset()  # leaf codes, or a top-level topic for its leaves
    districts: frozenset[str] = frozenset()
    owners: frozenset[str] = frozenset()  # staff ids; UNASSIGNED for cards nobody owns
    overdue: bool | None = None
    awaiting_approval: bool | None = None

    def keeps(self, row: DeskRow, *, ignore_status: bool = False) -> bool:
        if self.statuses and not ignore_status and row.status not in self.statuses:
            return False
        if self.categories and not _topic_matches(row.category, self.categories):
            return False
        if self.districts and (row.district or "") not in self.districts:
            return False
        if self.owners and (row.executor_id or UNASSIGNED) not in self.owners:
            return False
        if self.overdue is not None and (row.overdue_since is not None) != self.overdue:
            return False
        approval = self.awaiting_approval
        return approval is None or row.awaiting_approval == approval


def _topic_matches(category: str, wanted: frozenset[str]) -> bool:
    return category in wanted or category.split(".", 1)[0] in wanted


@dataclass(frozen=True)
class DeskNames:
    """The words rows are sorted by, in the reader's language."""

    topic: Callable[[str], str]
    owner: Callable[[str | None], str]
    district: Callable[[str | None], str]


@dataclass(frozen=True)
class DeskPage:
    rows: list[DeskRow]
    total: int  # rows matching every filter
    counts: dict[Status, int]  # per status, matching every filter but the status one
    offset: int
    next_offset: int | None
    names: DeskNames  # the words it was sorted by: the rows are shown with the same
    open_total: int = 0  # every open card of the department, filters aside
    owners: list[str] = field(default_factory=list)  # who owns cards here, for the filter


def desk_page(
    rows: Sequence[DeskRow],
    wanted: DeskFilter,
    *,
    sort: DeskSort,
    descending: bool,
    offset: int,
    limit: int,
    names: DeskNames,
    now: datetime,
) -> DeskPage:
    """One page of the desk. Ties fall back to the number, so pages never repeat or skip a
    row while nothing changes."""
    facets = [r for r in rows if wanted.keeps(r, ignore_status=True)]
    counts = Counter(r.status for r in facets)
    kept = [r for r in facets if wanted.keeps(r)]
    key = _sort_key(sort, names, now)
    # Empty values (no deadline, no owner, no place) last whichever way the column is sorted.
    present = sorted((r for r in kept if not _empty(sort, r)), key=key, reverse=descending)
    missing = sorted((r for r in kept if _empty(sort, r)), key=lambda r: r.number)
    ordered = present + missing
    page = ordered[offset : offset + limit]
    following = offset + limit
    return DeskPage(
        rows=page,
        total=len(ordered),
        counts={s: counts.get(s, 0) for s in OPEN_STATUSES},
        offset=offset,
        next_offset=following if following < len(ordered) else None,
        names=names,
        open_total=len(rows),
        owners=sorted({r.executor_id for r in rows if r.executor_id}, key=names.owner),
    )


def _empty(sort: DeskSort, row: DeskRow) -> bool:
    if sort == DeskSort.DEADLINE:
        return row.deadline is None and row.overdue_since is None
    if sort == DeskSort.OWNER:
        return row.executor_id is None
    if sort == DeskSort.PLACE:
        return not (row.district or row.address)
    return False


def _sort_key(sort: DeskSort, names: DeskNames, now: datetime) -> SortKey:
    status_order = {s: i for i, s in enumerate(OPEN_STATUSES)}
    by: dict[DeskSort, SortKey] = {
        DeskSort.NUMBER: lambda r: (r.number,),
        DeskSort.SUBJECT: lambda r: (r.subject.casefold(), r.number),
        DeskSort.TOPIC: lambda r: (names.topic(r.category).casefold(), r.number),
        DeskSort.PLACE: lambda r: (
            names.district(r.district).casefold(),
            (r.address or "").casefold(),
            r.number,
        ),
        DeskSort.STATUS: lambda r: (status_order.get(r.status, 99), r.number),
        DeskSort.OWNER: lambda r: (names.owner(r.executor_id).casefold(), r.number),
        DeskSort.PRIORITY: lambda r: (r.priority.rank, r.number),
        # An overdue card's deadline is the one it missed: the most overdue first.
        DeskSort.DEADLINE: lambda r: (_deadline_of(r), r.number),
        DeskSort.AGE: lambda r: (now - r.created_at, r.number),
    }
    return by[sort]


def _deadline_of(row: DeskRow) -> datetime:
    if row.overdue_since is not None:
        return row.overdue_since
    assert row.deadline is not None  # rows without either sort last (``_empty``)
    return row.deadline

"""History search: what a card contributes to the index, what staff ask, and who may match what.

Personal data of sensitive cards (health, social support) is indexed, but in separate
``private`` text fields, and filtered at query time: only people who may see the card's
personal data (its owner, its department's executors and managers) match or get snippets from
those fields. Everyone else who may see the card finds it by its number and filters only, and
its subject is shown as hidden — as in the staff API.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.access import TOWN_WIDE, Principal
from chalicelib.domain.card import Card, Channel, Status
from chalicelib.domain.directory import Role
from chalicelib.domain.history import HistoryEntry

MAX_PAGE = 50
HIDDEN = "hidden"


class Facet(StrEnum):
    STATUS = "status"
    CATEGORY = "category"  # the top-level topic
    DEPARTMENT = "department"
    DISTRICT = "district"
    CHANNEL = "channel"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class SearchDoc:
    """One card as the index holds it: text to match (open or private), fields to filter and
    count by, and what a hit shows."""

    id: str
    number: str
    version: int
    subject: str
    status: Status
    category: str
    category_top: str
    department: str
    district: str | None
    channel: Channel
    created_at: datetime
    updated_at: datetime
    overdue: bool
    sensitive: bool
    executor_id: str | None
    # Text fields, by field name: subject, description, public (messages to and from the
    # requester), internal (staff notes), address, people (the requester's name).
    open_text: dict[str, str]
    private_text: dict[str, str]


TEXT_FIELDS = ("subject", "description", "public", "internal", "address", "people")


def document(card: Card, history: Iterable[HistoryEntry], *, overdue: bool) -> SearchDoc:
    """What the index keeps of ``card``: its personal data in private fields when sensitive."""
    entries = list(history)
    texts = {
        "subject": card.subject,
        "description": card.description,
        "public": "\n".join(e.public_message.text for e in entries if e.public_message),
        "internal": "\n".join(e.internal_note.text for e in entries if e.internal_note),
        "address": (card.location.address or "") if card.location else "",
        "people": card.requester.full_name,
    }
    texts = {k: v for k, v in texts.items() if v}
    return SearchDoc(
        id=card.id,
        number=card.number,
        version=card.version,
        subject=card.subject,
        status=card.status,
        category=card.category,
        category_top=card.category.split(".", 1)[0],
        department=card.department,
        district=card.location.district if card.location else None,
        channel=card.channel,
        created_at=card.created_at,
        updated_at=card.updated_at,
        overdue=overdue,
        sensitive=card.sensitive,
        executor_id=card.executor_id,
        open_text={} if card.sensitive else texts,
        private_text=texts if card.sensitive else {},
    )


@dataclass(frozen=True)
class SearchFilters:
    status: tuple[Status, ...] = ()
    category: tuple[str, ...] = ()  # a topic ("roads") or a subtopic ("roads.potholes")
    department: tuple[str, ...] = ()
    district: tuple[str, ...] = ()
    channel: tuple[Channel, ...] = ()
    created_from: date | None = None
    created_to: date | None = None  # inclusive
    overdue: bool | None = None

    def matches(self, doc: SearchDoc) -> bool:
        """The filters as a predicate (the embedded index and the tests use it)."""
        day = doc.created_at.date()
        return (
            (not self.status or doc.status in self.status)
            and (
                not self.category
                or doc.category in self.category
                or doc.category_top in self.category
            )
            and (not self.department or doc.department in self.department)
            and (not self.district or doc.district in self.district)
            and (not self.channel or doc.channel in self.channel)
            and (self.created_from is None or day >= self.created_from)
            and (self.created_to is None or day <= self.created_to)
            and (self.overdue is None or doc.overdue == self.overdue)
        )


@dataclass(frozen=True)
class Scope:
    """Which cards a person may find, and whose private text they may match.

    ``everything``: town-wide roles see every card. Otherwise cards of ``departments`` (as an
    executor or manager there) and cards they own. Private text: cards of
    ``private_departments`` and cards they own.
    """

    everything: bool
    departments: frozenset[str]
    private_departments: frozenset[str]
    staff_id: str

    @classmethod
    def of(cls, principal: Principal) -> Scope:
        works_there = (
            principal.departments
            if principal.has(Role.MANAGER, Role.EXECUTOR)
            else frozenset[str]()
        )
        return cls(
            everything=principal.has(*TOWN_WIDE),
            departments=works_there,
            private_departments=works_there,
            staff_id=principal.staff_id,
        )

    def may_find(self, doc: SearchDoc) -> bool:
        return self.everything or doc.department in self.departments or self.owns(doc)

    def may_read_private(self, doc: SearchDoc) -> bool:
        return doc.department in self.private_departments or self.owns(doc)

    def owns(self, doc: SearchDoc) -> bool:
        return doc.executor_id is not None and doc.executor_id == self.staff_id


@dataclass(frozen=True)
class SearchQuery:
    text: str
    filters: SearchFilters = field(default_factory=SearchFilters)
    size: int = 20
    offset: int = 0


@dataclass(frozen=True)
class SearchHit:
    number: str
    subject: str  # HIDDEN for a sensitive card the person may not read
    status: Status
    category: str
    department: str
    district: str | None
    channel: Channel
    created_at: datetime
    overdue: bool
    score: float
    # Field name → fragments with the matched words wrapped in « and ».
    highlights: dict[str, list[str]]


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[SearchHit]
    facets: dict[Facet, dict[str, int]]


def plain(doc: SearchDoc) -> dict[str, Any]:
    """The doc as JSON-ready data (OpenSearch's ``_source``, the embedded index's body)."""
    return {
        "id": doc.id,
        "number": doc.number,
        "version": doc.version,
        "subject": doc.subject,
        "status": doc.status.value,
        "category": doc.category,
        "category_top": doc.category_top,
        "department": doc.department,
        "district": doc.district,
        "channel": doc.channel.value,
        "created_at": doc.created_at.isoformat(),
        "updated_at": doc.updated_at.isoformat(),
        "overdue": doc.overdue,
        "sensitive": doc.sensitive,
        "executor_id": doc.executor_id,
        "open": doc.open_text,
        "private": doc.private_text,
    }


def from_plain(raw: dict[str, Any]) -> SearchDoc:
    return SearchDoc(
        id=raw["id"],
        number=raw["number"],
        version=int(raw["version"]),
        subject=raw["subject"],
        status=Status(raw["status"]),
        category=raw["category"],
        category_top=raw["category_top"],
        department=raw["department"],
        district=raw.get("district"),
        channel=Channel(raw["channel"]),
        created_at=datetime.fromisoformat(raw["created_at"]),
        updated_at=datetime.fromisoformat(raw["updated_at"]),
        overdue=bool(raw["overdue"]),
        sensitive=bool(raw["sensitive"]),
        executor_id=raw.get("executor_id"),
        open_text=raw.get("open") or {},
        private_text=raw.get("private") or {},
    )


def hit(doc: SearchDoc, score: float, highlights: dict[str, list[str]], scope: Scope) -> SearchHit:
    """What the searcher sees of ``doc``: a sensitive card's subject and fragments only within
    its scope (``highlights`` of private fields are dropped otherwise)."""
    readable = not doc.sensitive or scope.may_read_private(doc)
    return SearchHit(
        number=doc.number,
        subject=doc.subject if readable else HIDDEN,
        status=doc.status,
        category=doc.category,
        department=doc.department,
        district=doc.district,
        channel=doc.channel,
        created_at=doc.created_at,
        overdue=doc.overdue,
        score=score,
        highlights=highlights if readable else {},
    )

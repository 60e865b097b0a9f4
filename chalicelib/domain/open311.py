"""Open311 GeoReport v2 as CivicDesk speaks it: topics as services, cards as service requests,
statuses as open/closed. Pure: what each document holds, in the specification's element order
(the XML writer keeps it), from the town's directory and the cards' public lines.

A request as the standard shows it carries nothing personal and nothing internal: no name,
contact, description of a sensitive topic, internal note or staff name (``RequestLine`` holds
only what may be shown); sensitive topics and subtasks are never listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.card import Card, Status
from chalicelib.domain.directory import CategoryTree
from chalicelib.domain.history import Action, HistoryEntry
from chalicelib.domain.public_view import first_public_photo
from chalicelib.domain.replies import redact

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ("json", "xml")
DEFAULT_DAYS = 90  # GET requests without dates: the last 90 days ...
MOST_DAYS = 90  # ... and no range may span more
DEFAULT_LIMIT = 1000
DESCRIPTION_MAX = 4000
# The one attribute every service asks (as the form does): danger to people.
DANGER = "danger"
_FORMAT = re.compile(r"^(?P<name>.+)\.(?P<format>[a-z]+)$")


class Open311Error(Exception):
    """A refusal in the standard's terms: the HTTP status is the error's code."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def split_format(document: str, extra: tuple[str, ...] = ()) -> tuple[str, str]:
    """``"roads.potholes.json"`` → ``("roads.potholes", "json")``; an unknown or missing format
    is a document not here (404), as the standard answers it. ``extra``: formats a document
    has besides JSON and XML (the bulk listing's CSV)."""
    found = _FORMAT.match(document)
    if found is None or found["format"] not in (*FORMATS, *extra):
        raise Open311Error(404, f"no such document: {document!r} (formats: json, xml)")
    return found["name"], found["format"]


def service_list(tree: CategoryTree, locale: str) -> list[dict[str, Any]]:
    """One service per topic the town takes reports of (sensitive topics too: a citizen may
    report them; their requests are never listed)."""
    services = []
    for top in tree.categories:
        for leaf in top.children:
            code = f"{top.code}.{leaf.code}"
            services.append(
                {
                    "service_code": code,
                    "service_name": leaf.name.get(locale),
                    "description": tree.label(code, locale),
                    "metadata": True,
                    "type": "realtime",
                    "keywords": ", ".join(
                        dict.fromkeys([top.code, leaf.code.replace("_", " "), top.name.get(locale)])
                    ),
                    "group": top.name.get(locale),
                }
            )
    return services


def service_definition(code: str, tree: CategoryTree, locale: str) -> dict[str, Any]:
    if code not in tree:
        raise Open311Error(404, f"service_code {code!r} not found")
    ru = locale == "ru"
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": DANGER,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 1,
                "description": (
                    "Есть ли опасность для людей?" if ru else "Are people in danger here?"
                ),
                "values": [
                    {"key": "no", "name": "Нет" if ru else "No"},
                    {
                        "key": "yes",
                        "name": "Да, руководитель посмотрит первым"
                        if ru
                        else "Yes: the department's manager looks at it first",
                    },
                ],
            }
        ],
    }


def open_or_closed(status: Status) -> str:
    """The standard's two statuses: resolved and closed requests are closed."""
    return "closed" if status.is_final else "open"


@dataclass(frozen=True)
class RequestLine:
    """A request as anyone may see it (the ``requested`` index holds exactly this)."""

    number: str
    category: str
    status: Status
    status_notes: str | None
    department: str
    requested_at: datetime
    updated_at: datetime
    expected_at: datetime | None
    address: str | None
    latitude: float | None
    longitude: float | None
    photo: str | None  # the requester's first photo's thumbnail key
    client: str | None = None  # the API client that sent it, if one did
    channel: str = "web"


def request_line(card: Card) -> RequestLine | None:
    """The card's public line, or None: sensitive topics and subtasks are never listed."""
    if card.sensitive or card.is_subtask:
        return None
    where = card.location
    # Only the town's own words, contacts removed: a resolution or a closure reason.
    notes = card.resolution or card.closure_reason if card.status.is_final else None
    return RequestLine(
        number=card.number,
        category=card.category,
        status=card.status,
        status_notes=redact(notes) if notes else None,
        department=card.department,
        requested_at=card.created_at,
        updated_at=card.updated_at,
        expected_at=(
            None
            if card.status.is_final or card.milestones.first_reply_at
            else card.first_response_due
        ),
        address=redact(where.address) if where and where.address else None,
        latitude=where.latitude if where else None,
        longitude=where.longitude if where else None,
        photo=first_public_photo(card),
        client=card.client,
        channel=card.channel.value,
    )


def request_document(
    line: RequestLine,
    *,
    tree: CategoryTree,
    agency: str,
    notice: str,
    media_url: str | None,
    locale: str,
) -> dict[str, Any]:
    """A service request in the standard's fields and order."""
    return {
        "service_request_id": line.number,
        "status": open_or_closed(line.status),
        "status_notes": line.status_notes,
        "service_name": tree.label(line.category, locale),
        "service_code": line.category,
        "description": None,  # what the requester wrote is theirs: never published
        "agency_responsible": agency,
        "service_notice": notice,
        "requested_datetime": w3c(line.requested_at),
        "updated_datetime": w3c(line.updated_at),
        "expected_datetime": w3c(line.expected_at) if line.expected_at else None,
        "address": line.address,
        "address_id": None,
        "zipcode": None,
        "lat": line.latitude,
        "long": line.longitude,
        "media_url": media_url,
    }


def w3c(moment: datetime) -> str:
    """``2010-04-14T06:37:38Z``: W3C date-time, UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_w3c(text: str, field: str) -> datetime:
    """A W3C date or date-time (``2010-01-01`` or ``2010-01-01T00:00:00Z``, any offset)."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{field} is not a W3C date-time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime


def period(start: str | None, end: str | None, now: datetime) -> Period:
    """The requested range: 90 days back from ``end`` (default now) when only one side or
    neither is given; never more than 90 days."""
    until = parse_w3c(end, "end_date") if end else now
    since = parse_w3c(start, "start_date") if start else until - timedelta(days=DEFAULT_DAYS)
    if not end and start:
        until = min(now, since + timedelta(days=MOST_DAYS))
    if since > until:
        raise Open311Error(400, "start_date is after end_date")
    if until - since > timedelta(days=MOST_DAYS):
        raise Open311Error(400, f"the range may span at most {MOST_DAYS} days")
    return Period(since, until)


def error_document(status: int, description: str) -> list[dict[str, Any]]:
    return [{"code": status, "description": description}]


def months_of(start: datetime, end: datetime) -> list[str]:
    """The UTC months ``2026-09``, ``2026-10``, ... a range touches, oldest first."""
    first, last = start.astimezone(UTC), end.astimezone(UTC)
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# FixMyStreet's request-updates extension: its status words.
UPDATE_STATUS = {
    Status.RECEIVED: "OPEN",
    Status.IN_PROGRESS: "IN_PROGRESS",
    Status.NEEDS_CLARIFICATION: "INVESTIGATING",
    Status.AWAITING_REQUESTER: "INVESTIGATING",
    Status.RESOLVED: "FIXED",
    Status.CLOSED: "CLOSED",
}


@dataclass(frozen=True)
class RequestUpdate:
    """One public status change of a public request (FixMyStreet's ``servicerequestupdates``)."""

    update_id: str
    number: str
    status: Status
    duplicate: bool
    at: datetime
    notes: str | None


def update_of(card: Card, entry: HistoryEntry) -> RequestUpdate | None:
    """The update ``entry`` is for anyone following ``card``, or None: not a status change
    after the request came in, or a card the public never sees."""
    status = entry.status_after
    if status is None or entry.action == Action.CREATED or request_line(card) is None:
        return None
    notes = card.resolution or card.closure_reason if status.is_final else None
    return RequestUpdate(
        update_id=f"{card.number}.{entry.seq}",
        number=card.number,
        status=status,
        duplicate=entry.action == Action.MERGED,
        at=entry.at,
        notes=redact(notes) if notes else None,
    )


def update_document(update: RequestUpdate, media_url: str | None = None) -> dict[str, Any]:
    return {
        "update_id": update.update_id,
        "service_request_id": update.number,
        "status": "DUPLICATE" if update.duplicate else UPDATE_STATUS[update.status],
        "updated_datetime": w3c(update.at),
        "description": update.notes or "",
        "media_url": media_url,
    }


def days_of(start: datetime, end: datetime) -> list[str]:
    """The UTC days ``2026-11-30`` a range touches, oldest first."""
    day, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    days = []
    while day <= last:
        days.append(day.isoformat())
        day += timedelta(days=1)
    return days


def bulk_row(line: RequestLine, *, tree: CategoryTree, agency: str) -> dict[str, Any]:
    """The GeoReport bulk columns of a request (the exports' first columns, the same names),
    from its public line: no description, nothing personal."""
    closed = line.status == Status.CLOSED
    return {
        "service_request_id": line.number,
        "requested_datetime": line.requested_at,
        "updated_datetime": line.updated_at,
        "closed_date": line.updated_at if closed else None,
        "status": open_or_closed(line.status),
        "status_notes": line.status_notes,
        "source": line.channel,
        "service_name": tree.label(line.category),
        "service_code": line.category,
        "description": None,
        "agency_responsible": agency,
        "address": line.address,
        "lat": line.latitude,
        "long": line.longitude,
    }

"""One card as one row of the exports BI tools read: the Open311 GeoReport v2 bulk columns, then
CivicDesk's own. Personal data is left out by default: no name, email or phone; contacts typed
into free text are replaced; sensitive cards lose their description and address; the requester
is a keyed pseudonym, so repeat requests stay countable without identifying anyone."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from chalicelib.domain.card import Card, Status
from chalicelib.domain.directory import CategoryTree
from chalicelib.domain.replies import redact

FORMATS = ("csv", "parquet")
# (name, type) in file order; the Parquet schema and the Glue table are built from this.
COLUMNS: tuple[tuple[str, str], ...] = (
    # Open311 GeoReport v2 (bulk)
    ("service_request_id", "string"),
    ("requested_datetime", "timestamp"),
    ("updated_datetime", "timestamp"),
    ("closed_date", "timestamp"),
    ("status", "string"),  # open | closed
    ("status_notes", "string"),
    ("source", "string"),  # the channel
    ("service_name", "string"),
    ("service_code", "string"),
    ("description", "string"),
    ("agency_responsible", "string"),
    ("address", "string"),
    ("lat", "double"),
    ("long", "double"),
    # CivicDesk
    ("civicdesk_status", "string"),
    ("priority", "string"),
    ("district", "string"),
    ("first_response_due", "timestamp"),
    ("first_reply_datetime", "timestamp"),
    ("first_reply_hours", "double"),
    ("resolved_datetime", "timestamp"),
    ("resolution_hours", "double"),
    ("overdue", "boolean"),  # missed any deadline
    ("duplicate_of", "string"),  # the request this one was merged into as its duplicate
    ("related_to", "string"),  # the earlier request this one repeats or follows up
    ("merged_reports", "bigint"),  # reports merged into this one
    ("followers", "bigint"),  # people told of its progress besides the requester
    ("requester", "string"),  # keyed pseudonym
)
NAMES = tuple(name for name, _ in COLUMNS)
OPEN311_NAMES = NAMES[: NAMES.index("long") + 1]  # the GeoReport bulk columns


def row(
    card: Card, tree: CategoryTree, agencies: dict[str, str], *, pseudonym_key: bytes
) -> dict[str, Any]:
    m = card.milestones
    place = card.location
    sensitive = card.sensitive
    closed = card.status == Status.CLOSED
    return {
        "service_request_id": card.number,
        "requested_datetime": card.created_at,
        "updated_datetime": card.updated_at,
        "closed_date": m.closed_at if closed else None,
        "status": "closed" if closed or card.status == Status.RESOLVED else "open",
        "status_notes": redact(card.closure_reason or card.resolution or "") or None,
        "source": card.channel.value,
        "service_name": tree.label(card.category),
        "service_code": card.category,
        "description": None if sensitive else redact(card.description),
        "agency_responsible": agencies.get(card.department, card.department),
        # Free text like the description: contacts typed into it are removed the same way.
        "address": None if sensitive or place is None else redact(place.address or "") or None,
        "lat": None if sensitive or place is None else place.latitude,
        "long": None if sensitive or place is None else place.longitude,
        "civicdesk_status": card.status.value,
        "priority": card.priority.value,
        "district": place.district if place else None,
        "first_response_due": card.first_response_due,
        "first_reply_datetime": m.first_reply_at,
        "first_reply_hours": _hours(card.created_at, m.first_reply_at),
        "resolved_datetime": m.resolved_at,
        "resolution_hours": _hours(card.created_at, m.resolved_at),
        "overdue": m.missed_deadline,
        "duplicate_of": card.duplicate_of,
        "related_to": card.related_to,
        "merged_reports": len(card.merged),
        "followers": len(card.followers),
        "requester": _pseudonym(card, pseudonym_key),
    }


def _hours(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round((end - start).total_seconds() / 3600, 2)


def _pseudonym(card: Card, key: bytes) -> str | None:
    contact = card.requester.contact_key
    if contact is None:
        return None
    return hmac.new(key, contact.encode("utf-8"), hashlib.sha256).hexdigest()[:20]

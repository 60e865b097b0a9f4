"""Cards and history entries to and from DynamoDB attribute values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.word_forms import stems
from chalicelib.domain import geo
from chalicelib.domain.card import Card, Channel, Priority, ReplyStatus, Status
from chalicelib.domain.desk import DeskRow, desk_row
from chalicelib.domain.duplicates import Sought, Twin, twin_of
from chalicelib.domain.history import HistoryEntry
from chalicelib.domain.milestones import advance
from chalicelib.domain.nearby import PlacedCard, placed
from chalicelib.domain.open311 import RequestLine, RequestUpdate, request_line, update_of

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_attributes(plain: dict[str, Any]) -> dict[str, Any]:
    # DynamoDB numbers must be Decimal; a JSON round trip converts floats exactly as written.
    as_decimals = json.loads(json.dumps(plain), parse_float=Decimal)
    return {k: _serializer.serialize(v) for k, v in as_decimals.items() if v is not None}


def from_attributes(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    return value


def queue_keys(card: Card) -> dict[str, str]:
    return {
        ts.QUEUE_PARTITION_KEY: f"{card.department}#{card.status.value}",
        ts.QUEUE_SORT_KEY: (
            f"{card.priority.rank}#{card.first_response_due.isoformat()}#{card.number}"
        ),
    }


def due_keys(card: Card) -> dict[str, str]:
    """A written card is due for a deadline check at once: the change may have moved its timers."""
    return {
        ts.DUE_PARTITION_KEY: ts.DUE_PARTITION,
        ts.DUE_SORT_KEY: ts.due_sort_key(card.updated_at, card.number),
    }


def requester_keys(card: Card) -> dict[str, str]:
    """Where the repeat check finds this card; subtasks are the town's work, not a request."""
    contact = card.requester.contact_key
    if card.is_subtask or contact is None:
        return {}
    return {
        ts.REQUESTER_PARTITION_KEY: ts.requester_pk(contact),
        ts.REQUESTER_SORT_KEY: ts.requester_sort_key(card.category, card.created_at, card.number),
    }


def approval_keys(card: Card) -> dict[str, str]:
    """Where the manager finds replies waiting for approval: oldest draft first."""
    waiting = [r.drafted_at for r in card.replies if r.status == ReplyStatus.AWAITING_APPROVAL]
    if not waiting:
        return {}
    return {
        ts.APPROVAL_PARTITION_KEY: ts.approval_pk(card.department),
        ts.APPROVAL_SORT_KEY: ts.due_sort_key(min(waiting), card.number),
    }


def caller_keys(card: Card) -> dict[str, str]:
    """Where the IVR finds this card by the caller's phone."""
    phone = "".join(ch for ch in card.requester.phone or "" if ch.isdigit())
    if card.is_subtask or len(phone) < 7:
        return {}
    return {
        ts.CALLER_PARTITION_KEY: ts.caller_pk(phone),
        ts.CALLER_SORT_KEY: ts.caller_sort_key(card.created_at, card.number),
    }


def place_keys(card: Card) -> dict[str, Any]:
    """Where "what is near here" finds the card, with the only summary that index holds."""
    pin = placed(card)
    if pin is None:
        return {}
    return {
        ts.PLACE_PARTITION_KEY: ts.place_pk(geo.encode(pin.latitude, pin.longitude)),
        ts.PLACE_SORT_KEY: ts.place_sort_key(
            finished_at=pin.finished_at, created_at=pin.created_at, number=pin.number
        ),
        ts.PLACE_VIEW: {
            "number": pin.number,
            "category": pin.category,
            "status": pin.status.value,
            "created_at": pin.created_at.isoformat(),
            "finished_at": pin.finished_at.isoformat() if pin.finished_at else None,
            "latitude": pin.latitude,
            "longitude": pin.longitude,
        },
    }


def twin_keys(card: Card) -> dict[str, Any]:
    """Where the duplicate look-up finds the card (its topic and cell, or its address when it
    has no point), with the line that look-up reads (see ``domain.duplicates``)."""
    twin = twin_of(card, stems)
    if twin is None:
        return {}
    return {
        ts.TWIN_PARTITION_KEY: twin_key(twin),
        ts.TWIN_SORT_KEY: ts.place_sort_key(
            finished_at=twin.finished_at, created_at=twin.created_at, number=twin.number
        ),
        ts.TWIN_VIEW: _compact(
            {
                "number": twin.number,
                "category": twin.category,
                "status": twin.status.value,
                "created_at": twin.created_at.isoformat(),
                "finished_at": _stamp(twin.finished_at),
                "latitude": twin.latitude,
                "longitude": twin.longitude,
                "address": twin.address,
                "address_key": twin.address_key,
                "words": sorted(twin.words),
                "photo": twin.photo,
                "followers": twin.followers or None,
            }
        ),
    }


def requested_keys(card: Card) -> dict[str, Any]:
    """Where Open311's listing finds the card (the month it came), with its public line."""
    line = request_line(card)
    if line is None:
        return {}
    return {
        ts.REQUESTED_PARTITION_KEY: ts.requested_pk(
            line.requested_at.astimezone(UTC).strftime("%Y-%m")
        ),
        ts.REQUESTED_SORT_KEY: ts.requested_sort_key(line.requested_at, line.number),
        ts.REQUEST_VIEW: _compact(
            {
                "number": line.number,
                "category": line.category,
                "status": line.status.value,
                "status_notes": line.status_notes,
                "department": line.department,
                "requested_at": line.requested_at.isoformat(),
                "updated_at": line.updated_at.isoformat(),
                "expected_at": _stamp(line.expected_at),
                "address": line.address,
                "latitude": line.latitude,
                "longitude": line.longitude,
                "photo": line.photo,
                "client": line.client,
                "channel": line.channel,
            }
        ),
    }


def request_line_of(item: dict[str, Any]) -> RequestLine:
    view = json.loads(item[ts.REQUEST_VIEW]["S"])
    return RequestLine(
        number=view["number"],
        category=view["category"],
        status=Status(view["status"]),
        status_notes=view.get("status_notes"),
        department=view["department"],
        requested_at=datetime.fromisoformat(view["requested_at"]),
        updated_at=datetime.fromisoformat(view["updated_at"]),
        expected_at=_time(view.get("expected_at")),
        address=view.get("address"),
        latitude=view.get("latitude"),
        longitude=view.get("longitude"),
        photo=view.get("photo"),
        client=view.get("client"),
        channel=view.get("channel", "web"),
    )


def twin_key(twin: Twin) -> str:
    """The card's key: its topic in its cell, or at its address when it has no point."""
    cell = twin.cell
    if cell:
        return ts.twin_cell_pk(twin.category, cell)
    return ts.twin_address_pk(twin.category, twin.address_key or "")


def twin_partitions(sought: Sought) -> list[str]:
    """The keys a look-up reads: the topic in each cell its radius touches, and the topic at
    its address (cards without a point are filed there)."""
    keys = [ts.twin_cell_pk(sought.category, cell) for cell in sought.cells()]
    if sought.address_key:
        keys.append(ts.twin_address_pk(sought.category, sought.address_key))
    return keys


def twin_line(item: dict[str, Any]) -> Twin:
    view = json.loads(item[ts.TWIN_VIEW]["S"])
    return Twin(
        number=view["number"],
        category=view["category"],
        status=Status(view["status"]),
        created_at=datetime.fromisoformat(view["created_at"]),
        finished_at=_time(view.get("finished_at")),
        latitude=view.get("latitude"),
        longitude=view.get("longitude"),
        address=view.get("address"),
        address_key=view.get("address_key"),
        words=frozenset(view.get("words", ())),
        photo=view.get("photo"),
        followers=int(view.get("followers", 0)),
    )


def desk_keys(card: Card) -> dict[str, Any]:
    """The card's line on its department's desk while it is open (see ``domain.desk``)."""
    row = desk_row(card)
    if row is None:
        return {}
    return {
        ts.DESK_PARTITION_KEY: ts.desk_pk(row.department),
        ts.DESK_SORT_KEY: ts.desk_sort_key(row.created_at, row.number),
        # One string, not a map: a department's thousands of lines are parsed as JSON in one
        # go rather than attribute by attribute (the SDK's cost on every page of the table).
        ts.DESK_VIEW: _compact(
            {
                "number": row.number,
                "subject": row.subject,
                "category": row.category,
                "priority": row.priority.value,
                "status": row.status.value,
                "department": row.department,
                "executor_id": row.executor_id,
                "channel": row.channel.value,
                "district": row.district,
                "address": row.address,
                "created_at": row.created_at.isoformat(),
                "version": row.version,
                "sensitive": row.sensitive,
                "awaiting_approval": row.awaiting_approval,
                "deadline": _stamp(row.deadline),
                "reply_by": _stamp(row.reply_by),
                "no_answer_at": _stamp(row.no_answer_at),
            }
        ),
    }


def derived_keys(card: Card) -> dict[str, Any]:
    """The index keys added to the product after its first cards (typed for DynamoDB): what
    ``refresh_derived_keys`` gives a card written before them."""
    return to_attributes(
        {**desk_keys(card), **place_keys(card), **twin_keys(card), **requested_keys(card)}
    )


def desk_line(item: dict[str, Any]) -> DeskRow:
    """A ``desk`` index item: the line, with what the last deadline check said of it."""
    view = json.loads(item[ts.DESK_VIEW]["S"])
    checked = item.get(ts.DESK_DEADLINE, {}).get("S")
    overdue = item.get(ts.OVERDUE_SORT_KEY, {}).get("S")
    return DeskRow(
        number=view["number"],
        subject=view["subject"],
        category=view["category"],
        priority=Priority(view["priority"]),
        status=Status(view["status"]),
        department=view["department"],
        executor_id=view.get("executor_id"),
        channel=Channel(view["channel"]),
        district=view.get("district"),
        address=view.get("address"),
        created_at=datetime.fromisoformat(view["created_at"]),
        version=int(view["version"]),
        sensitive=bool(view.get("sensitive")),
        awaiting_approval=bool(view.get("awaiting_approval")),
        deadline=_time(checked) if checked else _time(view.get("deadline")),
        overdue_since=ts.time_of_sort_key(overdue) if overdue else None,
        reply_by=_time(view.get("reply_by")),
        no_answer_at=_time(view.get("no_answer_at")),
    )


def _compact(view: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in view.items() if v is not None}, separators=(",", ":"))


def _stamp(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def placed_card(view: dict[str, Any]) -> PlacedCard:
    finished = view.get("finished_at")
    return PlacedCard(
        number=view["number"],
        category=view["category"],
        status=Status(view["status"]),
        created_at=datetime.fromisoformat(view["created_at"]),
        finished_at=datetime.fromisoformat(finished) if finished else None,
        latitude=float(view["latitude"]),
        longitude=float(view["longitude"]),
    )


def card_item(card: Card, entry: HistoryEntry) -> dict[str, Any]:
    """The card as written with ``entry``: its milestones moved on by the entry."""
    card = card.model_copy(update={"milestones": advance(card.milestones, entry)})
    return to_attributes(
        {
            ts.PARTITION_KEY: ts.card_pk(card.number),
            ts.SORT_KEY: ts.CARD_SK,
            "entity": "card",
            "version": card.version,
            "card": card.model_dump(mode="json"),
            **queue_keys(card),
            **due_keys(card),
            **requester_keys(card),
            **caller_keys(card),
            **approval_keys(card),
            **place_keys(card),
            **desk_keys(card),
            **twin_keys(card),
            **requested_keys(card),
            # No overdue keys: a write makes the card due for a check at once, and the check
            # puts them back while a deadline stays missed (set_next_check).
        }
    )


def entry_item(number: str, entry: HistoryEntry) -> dict[str, Any]:
    return to_attributes(
        {
            ts.PARTITION_KEY: ts.card_pk(number),
            ts.SORT_KEY: ts.log_sk(entry.seq),
            "entity": "history",
            "entry": entry.model_dump(mode="json"),
        }
    )


def card_from_item(item: dict[str, Any]) -> Card:
    return Card.model_validate(from_attributes({"card": item["card"]})["card"])


def entry_from_item(item: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry.model_validate(from_attributes({"entry": item["entry"]})["entry"])


UPDATE_KEPT_DAYS = 400


def update_item(card: Card, entry: HistoryEntry) -> dict[str, Any] | None:
    """The public status change ``entry`` makes, as an item of its day (read by Open311's
    request updates), kept 400 days; None when it is none."""
    update = update_of(card, entry)
    if update is None:
        return None
    expires = int(update.at.timestamp()) + UPDATE_KEPT_DAYS * 86400
    return to_attributes(
        {
            ts.PARTITION_KEY: ts.updates_pk(update.at.astimezone(UTC).date().isoformat()),
            ts.SORT_KEY: ts.update_sk(update.at, update.number, entry.seq),
            "entity": "request_update",
            "update": _compact(
                {
                    "update_id": update.update_id,
                    "number": update.number,
                    "status": update.status.value,
                    "duplicate": update.duplicate or None,
                    "at": update.at.isoformat(),
                    "notes": update.notes,
                }
            ),
            ts.TTL_ATTRIBUTE: expires,
        }
    )


def update_from_item(item: dict[str, Any]) -> RequestUpdate:
    view = json.loads(item["update"]["S"])
    return RequestUpdate(
        update_id=view["update_id"],
        number=view["number"],
        status=Status(view["status"]),
        duplicate=bool(view.get("duplicate")),
        at=datetime.fromisoformat(view["at"]),
        notes=view.get("notes"),
    )

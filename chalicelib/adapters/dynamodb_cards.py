"""CardRepository on one DynamoDB table (see table_schema for the item layout)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.boto_calls import error_code, query_all
from chalicelib.adapters.card_items import (
    card_from_item,
    card_item,
    derived_keys,
    desk_line,
    entry_from_item,
    entry_item,
    from_attributes,
    placed_card,
    request_line_of,
    to_attributes,
    twin_line,
    twin_partitions,
    update_from_item,
    update_item,
)
from chalicelib.adapters.dynamodb_outbox import new_outbox_put
from chalicelib.domain.card import Card, Status
from chalicelib.domain.desk import DeskRow
from chalicelib.domain.duplicates import Sought, Twin
from chalicelib.domain.errors import ConflictError, NotFound, ValidationFailed
from chalicelib.domain.history import HistoryEntry
from chalicelib.domain.nearby import PlacedCard
from chalicelib.domain.open311 import RequestLine, RequestUpdate, days_of, months_of
from chalicelib.domain.outbox import OutboxMessage
from chalicelib.domain.workload import workload_delta
from chalicelib.ports import DuePage, IdempotencyRecord, MissedDeadline, PriorCard, QueuePage

IDEMPOTENCY_TTL = timedelta(days=1)
BATCH_GET_MAX = 100  # keys per BatchGetItem


class DynamoCardRepository:
    """Writes a card and its history entry in one transaction, conditioned on the version."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def next_number(self, year: int) -> int:
        response = self._db.update_item(
            TableName=self._table,
            Key={ts.PARTITION_KEY: {"S": ts.counter_pk(year)}, ts.SORT_KEY: {"S": ts.COUNTER_SK}},
            UpdateExpression="ADD #value :one",
            ExpressionAttributeNames={"#value": "value"},
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["value"]["N"])

    def numbers_taken(self, years: Iterable[int]) -> int:
        keys = [
            {ts.PARTITION_KEY: {"S": ts.counter_pk(year)}, ts.SORT_KEY: {"S": ts.COUNTER_SK}}
            for year in dict.fromkeys(years)
        ]
        total = 0
        for start in range(0, len(keys), BATCH_GET_MAX):
            pending: dict[str, Any] = {
                self._table: {
                    "Keys": keys[start : start + BATCH_GET_MAX],
                    "ProjectionExpression": "#v",
                    "ExpressionAttributeNames": {"#v": "value"},
                }
            }
            while pending:
                answer = self._db.batch_get_item(RequestItems=pending)
                total += sum(int(i["value"]["N"]) for i in answer["Responses"].get(self._table, []))
                pending = answer.get("UnprocessedKeys") or {}
        return total

    def find_idempotent(self, key: str) -> IdempotencyRecord | None:
        response = self._db.get_item(
            TableName=self._table, ConsistentRead=True, Key=self._idempotency_key(key)
        )
        item = response.get("Item")
        if item is None:
            return None
        until = item.get("claimed_until", {}).get("S")
        return IdempotencyRecord(
            key=key,
            request_hash=item["request_hash"]["S"],
            card_number=item.get("card_number", {}).get("S"),
            claim=item.get("claim", {}).get("S"),
            claimed_until=datetime.fromisoformat(until) if until else None,
        )

    def claim_idempotent(self, claim: IdempotencyRecord, *, now: datetime) -> IdempotencyRecord:
        if claim.claim is None or claim.claimed_until is None:
            raise ValueError("a claim needs its id and lease")
        for _ in range(3):  # a record that expires between our write and our read
            try:
                self._db.put_item(
                    TableName=self._table,
                    Item=to_attributes(
                        {
                            ts.PARTITION_KEY: ts.idempotency_pk(claim.key),
                            ts.SORT_KEY: ts.IDEMPOTENCY_SK,
                            "entity": "idempotency",
                            "request_hash": claim.request_hash,
                            "claim": claim.claim,
                            "claimed_until": claim.claimed_until.isoformat(),
                            ts.TTL_ATTRIBUTE: int((now + IDEMPOTENCY_TTL).timestamp()),
                        }
                    ),
                    # New, or an unfinished claim whose lease lapsed (its attempt died).
                    ConditionExpression="attribute_not_exists(#pk) OR "
                    "(attribute_not_exists(#card) AND #until < :now)",
                    ExpressionAttributeNames={
                        "#pk": ts.PARTITION_KEY,
                        "#card": "card_number",
                        "#until": "claimed_until",
                    },
                    ExpressionAttributeValues={":now": {"S": now.isoformat()}},
                )
            except ClientError as error:
                if error_code(error) != "ConditionalCheckFailedException":
                    raise
                standing = self.find_idempotent(claim.key)
                if standing is not None:
                    return standing
                continue
            return claim
        raise ConflictError(f"the idempotency key {claim.key} keeps changing")

    def release_idempotent(self, claim: IdempotencyRecord) -> None:
        try:
            self._db.delete_item(
                TableName=self._table,
                Key=self._idempotency_key(claim.key),
                ConditionExpression="#claim = :claim AND attribute_not_exists(#card)",
                ExpressionAttributeNames={"#claim": "claim", "#card": "card_number"},
                ExpressionAttributeValues={":claim": {"S": claim.claim or ""}},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise  # not ours any more: nothing to give up

    def _idempotency_key(self, key: str) -> dict[str, Any]:
        return {
            ts.PARTITION_KEY: {"S": ts.idempotency_pk(key)},
            ts.SORT_KEY: {"S": ts.IDEMPOTENCY_SK},
        }

    def create(
        self,
        card: Card,
        entry: HistoryEntry,
        idempotency: IdempotencyRecord | None = None,
        messages: Sequence[OutboxMessage] = (),
    ) -> None:
        writes = [
            self._put_new(card_item(card, entry)),
            self._put_new(entry_item(card.number, entry)),
            *self._workload_updates(card, entry),
            *(new_outbox_put(self._table, m) for m in messages),
        ]
        if idempotency is not None:
            # Completes our claim: if it lapsed and another attempt took the key, the whole
            # write fails and that attempt's card stands.
            writes.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": self._idempotency_key(idempotency.key),
                        "UpdateExpression": "SET #card = :card REMOVE #claim, #until",
                        "ConditionExpression": "#claim = :claim AND attribute_not_exists(#card)",
                        "ExpressionAttributeNames": {
                            "#card": "card_number",
                            "#claim": "claim",
                            "#until": "claimed_until",
                        },
                        "ExpressionAttributeValues": {
                            ":card": {"S": card.number},
                            ":claim": {"S": idempotency.claim or ""},
                        },
                    }
                }
            )
        try:
            self._db.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise
            raise ConflictError(f"card {card.number} or its idempotency key exists") from error

    def get(self, number: str) -> Card:
        response = self._db.get_item(
            TableName=self._table,
            ConsistentRead=True,
            Key={ts.PARTITION_KEY: {"S": ts.card_pk(number)}, ts.SORT_KEY: {"S": ts.CARD_SK}},
        )
        if "Item" not in response:
            raise NotFound(f"no card {number}")
        return card_from_item(response["Item"])

    def get_with_history(self, number: str) -> tuple[Card, list[HistoryEntry]]:
        items = self._query_partition(ts.card_pk(number))
        if not items or items[0][ts.SORT_KEY]["S"] != ts.CARD_SK:
            raise NotFound(f"no card {number}")
        return card_from_item(items[0]), [entry_from_item(i) for i in items[1:]]

    def rewrite(self, card: Card, history: Sequence[HistoryEntry], entry: HistoryEntry) -> None:
        items = [{"PutRequest": {"Item": entry_item(card.number, e)}} for e in history]
        for start in range(0, len(items), 25):  # BatchWriteItem's most
            pending: dict[str, Any] = {self._table: items[start : start + 25]}
            while pending:
                pending = (
                    self._db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                )
        self._transact_save(card, entry)

    def save(self, card: Card, entry: HistoryEntry, messages: Sequence[OutboxMessage] = ()) -> None:
        self._transact_save(card, entry, [new_outbox_put(self._table, m) for m in messages])

    def create_subtask(
        self, parent: Card, parent_entry: HistoryEntry, child: Card, child_entry: HistoryEntry
    ) -> None:
        self._transact_save(
            parent,
            parent_entry,
            [
                self._put_new(card_item(child, child_entry)),
                self._put_new(entry_item(child.number, child_entry)),
                *self._workload_updates(child, child_entry),
            ],
        )

    def save_together(
        self, changes: Sequence[tuple[Card, HistoryEntry]], messages: Sequence[OutboxMessage] = ()
    ) -> None:
        self._transact_save(
            *changes[0], [new_outbox_put(self._table, m) for m in messages], changes[1:]
        )

    def _transact_save(
        self,
        card: Card,
        entry: HistoryEntry,
        more: list[dict[str, Any]] | None = None,
        others: Sequence[tuple[Card, HistoryEntry]] = (),
    ) -> None:
        """Put the card at version n+1 if it is at n, its entry, the owners' counters (and
        ``more``; ``others``: more cards, each at its own version) in one transaction. A
        card's put comes first among its items: the failed one's reason names its version."""
        items: list[dict[str, Any]] = []
        puts: dict[int, Card] = {}
        for one, its_entry in ((card, entry), *others):
            puts[len(items)] = one
            items += [
                self._versioned_put(one, its_entry),
                self._put_new(entry_item(one.number, its_entry)),
                *self._workload_updates(one, its_entry),
            ]
            # A public status change is also a line of its day for Open311's updates.
            update = update_item(one, its_entry)
            if update is not None:
                items.append({"Put": {"TableName": self._table, "Item": update}})
        try:
            self._db.transact_write_items(TransactItems=[*items, *(more or [])])
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or []
            at = next(
                (
                    i
                    for i, r in enumerate(reasons)
                    if i in puts and r.get("Code") == "ConditionalCheckFailed"
                ),
                0,
            )
            failed = puts.get(at, card)
            current = self._stored_version(failed.number, reasons[at] if reasons else None)
            raise ConflictError(
                f"card {failed.number} changed since version {failed.version - 1}; "
                f"it is now {current}",
                current_version=current,
            ) from error

    def _versioned_put(self, card: Card, entry: HistoryEntry) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": card_item(card, entry),
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":expected": {"N": str(card.version - 1)}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def queue(
        self, department: str, status: Status, *, limit: int, cursor: str | None = None
    ) -> QueuePage:
        return self._page(
            ts.QUEUE_INDEX, ts.QUEUE_PARTITION_KEY, f"{department}#{status.value}", limit, cursor
        )

    def overdue(self, department: str, *, limit: int, cursor: str | None = None) -> QueuePage:
        return self._page(
            ts.OVERDUE_INDEX, ts.OVERDUE_PARTITION_KEY, ts.overdue_pk(department), limit, cursor
        )

    def awaiting_approval(
        self, department: str, *, limit: int, cursor: str | None = None
    ) -> QueuePage:
        return self._page(
            ts.APPROVAL_INDEX, ts.APPROVAL_PARTITION_KEY, ts.approval_pk(department), limit, cursor
        )

    def every_card(
        self, *, limit: int, cursor: str | None = None, segment: tuple[int, int] | None = None
    ) -> QueuePage:
        request: dict[str, Any] = {
            "TableName": self._table,
            "Limit": limit,
            "FilterExpression": "#sk = :card",
            "ExpressionAttributeNames": {"#sk": ts.SORT_KEY},
            "ExpressionAttributeValues": {":card": {"S": ts.CARD_SK}},
        }
        if segment is not None:
            request["Segment"], request["TotalSegments"] = segment
        if cursor:
            request["ExclusiveStartKey"] = _decode_cursor(cursor)
        response = self._db.scan(**request)
        return _cards_page(response, with_overdue=True)

    def _page(
        self, index: str, key: str, partition: str, limit: int, cursor: str | None
    ) -> QueuePage:
        """One page of whole cards from an index that projects the card item."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "Limit": limit,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": key},
            "ExpressionAttributeValues": {":pk": {"S": partition}},
        }
        if cursor:
            request["ExclusiveStartKey"] = _decode_cursor(cursor)
        try:
            response = self._db.query(**request)
        except ClientError as error:
            if cursor and error_code(error) == "ValidationException":
                raise ValidationFailed.single("cursor", "not a cursor of this list") from error
            raise
        return _cards_page(response, with_overdue=index == ts.OVERDUE_INDEX)

    def due(self, until: datetime, *, limit: int, cursor: str | None = None) -> DuePage:
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": ts.DUE_INDEX,
            "Limit": limit,
            "KeyConditionExpression": "#dpk = :dpk AND #dsk <= :until",
            "ExpressionAttributeNames": {"#dpk": ts.DUE_PARTITION_KEY, "#dsk": ts.DUE_SORT_KEY},
            "ExpressionAttributeValues": {
                ":dpk": {"S": ts.DUE_PARTITION},
                # "~" sorts after every card number, so cards due exactly at ``until`` count.
                ":until": {"S": ts.due_sort_key(until, "~")},
            },
        }
        if cursor:
            request["ExclusiveStartKey"] = _decode_cursor(cursor)
        response = self._db.query(**request)
        last = response.get("LastEvaluatedKey")
        prefix = len(ts.card_pk(""))
        return DuePage(
            numbers=[item[ts.PARTITION_KEY]["S"][prefix:] for item in response.get("Items", [])],
            cursor=_encode_cursor(last) if last else None,
        )

    def set_next_check(
        self,
        number: str,
        version: int,
        at: datetime | None,
        missed: MissedDeadline | None = None,
        *,
        deadline: datetime | None = None,
    ) -> bool:
        names = {
            "#version": "version",
            "#dpk": ts.DUE_PARTITION_KEY,
            "#dsk": ts.DUE_SORT_KEY,
            "#opk": ts.OVERDUE_PARTITION_KEY,
            "#osk": ts.OVERDUE_SORT_KEY,
            "#deadline": ts.DESK_DEADLINE,
        }
        values: dict[str, Any] = {":version": {"N": str(version)}}
        sets: list[str] = []
        removes: list[str] = []
        if deadline is None:
            removes.append("#deadline")
        else:
            sets.append("#deadline = :deadline")
            values[":deadline"] = {"S": deadline.isoformat()}
        if at is None:
            removes += ["#dpk", "#dsk"]
        else:
            sets += ["#dpk = :dpk", "#dsk = :dsk"]
            values[":dpk"] = {"S": ts.DUE_PARTITION}
            values[":dsk"] = {"S": ts.due_sort_key(at, number)}
        if missed is None:
            removes += ["#opk", "#osk"]
        else:
            sets += ["#opk = :opk", "#osk = :osk"]
            values[":opk"] = {"S": ts.overdue_pk(missed.department)}
            values[":osk"] = {"S": ts.due_sort_key(missed.due_at, number)}
        update = " ".join(
            part
            for part in (
                f"SET {', '.join(sets)}" if sets else "",
                f"REMOVE {', '.join(removes)}" if removes else "",
            )
            if part
        )
        try:
            self._db.update_item(
                TableName=self._table,
                Key={ts.PARTITION_KEY: {"S": ts.card_pk(number)}, ts.SORT_KEY: {"S": ts.CARD_SK}},
                UpdateExpression=update,
                ConditionExpression="#version = :version",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def refresh_derived_keys(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Cards written before an index existed get the keys it reads (the desk line, the
        place pin): one Scan of the card items, one UpdateItem for each card missing them, on
        condition that its version is the one read (a card changed meanwhile got them from
        that write). Idempotent; safe while the product runs."""
        refreshed = scanned = 0
        request: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": "#sk = :card",
            "ExpressionAttributeNames": {"#sk": ts.SORT_KEY},
            "ExpressionAttributeValues": {":card": {"S": ts.CARD_SK}},
        }
        while True:
            response = self._db.scan(**request)
            items = response.get("Items", [])
            for item in items:
                if self._refresh(item):
                    refreshed += 1
            scanned += len(items)
            if progress is not None:
                progress(scanned)  # cards looked at so far
            if "LastEvaluatedKey" not in response:
                return refreshed
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _refresh(self, item: dict[str, Any]) -> bool:
        card = card_from_item(item)
        missing = {k: v for k, v in derived_keys(card).items() if k not in item}
        if not missing:
            return False
        names = {f"#a{i}": name for i, name in enumerate(missing)}
        values = {f":a{i}": value for i, value in enumerate(missing.values())}
        try:
            self._db.update_item(
                TableName=self._table,
                Key={ts.PARTITION_KEY: item[ts.PARTITION_KEY], ts.SORT_KEY: item[ts.SORT_KEY]},
                UpdateExpression="SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(missing))),
                ConditionExpression="#version = :version",
                ExpressionAttributeNames={**names, "#version": "version"},
                ExpressionAttributeValues={**values, ":version": item["version"]},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def desk(self, department: str) -> list[DeskRow]:
        request = {
            "TableName": self._table,
            "IndexName": ts.DESK_INDEX,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": ts.DESK_PARTITION_KEY},
            "ExpressionAttributeValues": {":pk": {"S": ts.desk_pk(department)}},
        }
        return [desk_line(item) for item in query_all(self._db, request)]

    def open_counts(self, staff_ids: Sequence[str]) -> dict[str, int]:
        counts = dict.fromkeys(staff_ids, 0)
        wanted = list(dict.fromkeys(staff_ids))
        for start in range(0, len(wanted), BATCH_GET_MAX):
            keys = [
                {ts.PARTITION_KEY: {"S": ts.workload_pk(s)}, ts.SORT_KEY: {"S": ts.WORKLOAD_SK}}
                for s in wanted[start : start + BATCH_GET_MAX]
            ]
            request = {self._table: {"Keys": keys, "ConsistentRead": True}}
            while request:
                response = self._db.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table, []):
                    staff_id = item[ts.PARTITION_KEY]["S"].removeprefix(ts.workload_pk(""))
                    counts[staff_id] = max(0, int(item["open"]["N"]))
                request = response.get("UnprocessedKeys") or {}
        return counts

    def latest_from(self, contact_key: str, category: str) -> PriorCard | None:
        response = self._db.query(
            TableName=self._table,
            IndexName=ts.REQUESTER_INDEX,
            KeyConditionExpression="#rpk = :rpk AND begins_with(#rsk, :category)",
            ExpressionAttributeNames={
                "#rpk": ts.REQUESTER_PARTITION_KEY,
                "#rsk": ts.REQUESTER_SORT_KEY,
            },
            ExpressionAttributeValues={
                ":rpk": {"S": ts.requester_pk(contact_key)},
                ":category": {"S": f"{category}#"},
            },
            ScanIndexForward=False,
            Limit=1,
        )
        items = response.get("Items", [])
        if not items:
            return None
        _, created, number = items[0][ts.REQUESTER_SORT_KEY]["S"].rsplit("#", 2)
        return PriorCard(number=number, created_at=datetime.fromisoformat(created))

    def of_contact(self, contact_key: str) -> list[str]:
        request = {
            "TableName": self._table,
            "IndexName": ts.REQUESTER_INDEX,
            "KeyConditionExpression": "#rpk = :rpk",
            "ExpressionAttributeNames": {"#rpk": ts.REQUESTER_PARTITION_KEY},
            "ExpressionAttributeValues": {":rpk": {"S": ts.requester_pk(contact_key)}},
        }
        return sorted(
            item[ts.REQUESTER_SORT_KEY]["S"].rsplit("#", 1)[1]
            for item in query_all(self._db, request)
        )

    def from_phone(self, phone: str, *, limit: int) -> list[PriorCard]:
        pressed = "".join(ch for ch in phone if ch.isdigit())
        if len(pressed) < 7:
            return []
        response = self._db.query(
            TableName=self._table,
            IndexName=ts.CALLER_INDEX,
            KeyConditionExpression="#cpk = :cpk",
            ExpressionAttributeNames={"#cpk": ts.CALLER_PARTITION_KEY},
            ExpressionAttributeValues={":cpk": {"S": ts.caller_pk(pressed)}},
            ScanIndexForward=False,
            Limit=limit,
        )
        found = []
        for item in response.get("Items", []):
            created, number = item[ts.CALLER_SORT_KEY]["S"].rsplit("#", 1)
            found.append(PriorCard(number=number, created_at=datetime.fromisoformat(created)))
        return found

    def placed_in(self, cells: Sequence[str], *, since: datetime, limit: int) -> list[PlacedCard]:
        # The cells are read side by side: a look-up takes one round trip, not nine.
        with ThreadPoolExecutor(max_workers=max(1, len(cells))) as pool:
            per_cell = list(pool.map(lambda cell: self._placed_in(cell, since, limit), cells))
        return [pin for pins in per_cell for pin in pins]

    def requested(
        self,
        start: datetime,
        end: datetime,
        *,
        limit: int,
        wanted: Callable[[RequestLine], bool] = lambda _: True,
    ) -> list[RequestLine]:
        found: list[RequestLine] = []
        for month in reversed(months_of(start, end)):
            request: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": ts.REQUESTED_INDEX,
                "KeyConditionExpression": "#rpk = :rpk AND #rsk BETWEEN :start AND :end",
                "ExpressionAttributeNames": {
                    "#rpk": ts.REQUESTED_PARTITION_KEY,
                    "#rsk": ts.REQUESTED_SORT_KEY,
                },
                "ExpressionAttributeValues": {
                    ":rpk": {"S": ts.requested_pk(month)},
                    ":start": {"S": ts.requested_bound(start)},
                    ":end": {"S": ts.requested_bound(end) + "~"},  # its numbers sort before
                },
                "ScanIndexForward": False,
            }
            while len(found) < limit:
                # Pages of at least a hundred: a filter may pass few of them.
                response = self._db.query(**request, Limit=max(100, limit - len(found)))
                lines = (request_line_of(item) for item in response.get("Items", []))
                found += [line for line in lines if wanted(line)]
                if "LastEvaluatedKey" not in response:
                    break
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
            if len(found) >= limit:
                break
        return found[:limit]

    def updates(self, start: datetime, end: datetime, *, limit: int) -> list[RequestUpdate]:
        found: list[RequestUpdate] = []
        for day in days_of(start, end):
            request = {
                "TableName": self._table,
                "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :start AND :end",
                "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY, "#sk": ts.SORT_KEY},
                "ExpressionAttributeValues": {
                    ":pk": {"S": ts.updates_pk(day)},
                    ":start": {"S": ts.requested_bound(start)},
                    ":end": {"S": ts.requested_bound(end) + "~"},
                },
            }
            for item in query_all(self._db, request):
                found.append(update_from_item(item))
                if len(found) >= limit:
                    return found
        return found

    def twins(self, sought: Sought, *, since: datetime, limit: int) -> list[Twin]:
        partitions = twin_partitions(sought)
        with ThreadPoolExecutor(max_workers=max(1, len(partitions))) as pool:
            found = pool.map(lambda key: self._twins_in(key, since, limit), partitions)
        return [twin for twins in found for twin in twins]

    def _twins_in(self, partition: str, since: datetime, limit: int) -> list[Twin]:
        response = self._db.query(
            TableName=self._table,
            IndexName=ts.TWIN_INDEX,
            KeyConditionExpression="#tpk = :tpk AND #tsk >= :since",
            ExpressionAttributeNames={"#tpk": ts.TWIN_PARTITION_KEY, "#tsk": ts.TWIN_SORT_KEY},
            ExpressionAttributeValues={
                ":tpk": {"S": partition},
                ":since": {"S": ts.place_since(since)},
            },
            ScanIndexForward=False,  # open cards first, newest first; then recent closures
            Limit=limit,
        )
        return [twin_line(item) for item in response.get("Items", [])]

    def _placed_in(self, cell: str, since: datetime, limit: int) -> list[PlacedCard]:
        response = self._db.query(
            TableName=self._table,
            IndexName=ts.PLACE_INDEX,
            KeyConditionExpression="#ppk = :ppk AND #psk >= :since",
            ExpressionAttributeNames={"#ppk": ts.PLACE_PARTITION_KEY, "#psk": ts.PLACE_SORT_KEY},
            ExpressionAttributeValues={
                ":ppk": {"S": ts.place_pk(cell)},
                ":since": {"S": ts.place_since(since)},
            },
            # Open cards sort last: newest first reads them before recent closures.
            ScanIndexForward=False,
            Limit=limit,
        )
        return [
            placed_card(from_attributes(item)[ts.PLACE_VIEW]) for item in response.get("Items", [])
        ]

    def _workload_updates(self, card: Card, entry: HistoryEntry) -> list[dict[str, Any]]:
        return [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": {
                        ts.PARTITION_KEY: {"S": ts.workload_pk(staff_id)},
                        ts.SORT_KEY: {"S": ts.WORKLOAD_SK},
                    },
                    "UpdateExpression": "ADD #open :delta",
                    "ExpressionAttributeNames": {"#open": "open"},
                    "ExpressionAttributeValues": {":delta": {"N": str(delta)}},
                }
            }
            for staff_id, delta in sorted(workload_delta(card, entry).items())
        ]

    def _put_new(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY},
            }
        }

    def _query_partition(self, pk: str) -> list[dict[str, Any]]:
        request = {
            "TableName": self._table,
            "ConsistentRead": True,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY},
            "ExpressionAttributeValues": {":pk": {"S": pk}},
        }
        return list(query_all(self._db, request))

    def _stored_version(self, number: str, reason: dict[str, Any] | None) -> int | None:
        """The version that beat us: from the cancellation reason when DynamoDB returns it."""
        if reason and "Item" in reason:
            return int(reason["Item"]["version"]["N"])
        try:
            return self.get(number).version
        except NotFound:
            return None


def _cards_page(response: dict[str, Any], *, with_overdue: bool) -> QueuePage:
    """Whole card items of a Query or Scan page (``with_overdue``: each card's overdue mark)."""
    last = response.get("LastEvaluatedKey")
    items = response.get("Items", [])
    cards = [card_from_item(i) for i in items]
    return QueuePage(
        cards=cards,
        cursor=_encode_cursor(last) if last else None,
        overdue_since={
            card.number: ts.time_of_sort_key(item[ts.OVERDUE_SORT_KEY]["S"])
            for card, item in zip(cards, items, strict=True)
            if with_overdue and ts.OVERDUE_SORT_KEY in item
        },
    )


def _encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def _decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationFailed.single("cursor", "not a cursor this API returned") from None
    if not isinstance(key, dict):
        raise ValidationFailed.single("cursor", "not a cursor this API returned")
    return key

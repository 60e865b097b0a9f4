"""moto's DynamoDB and DynamoDB Streams, kept in the local stack's item store.

moto parses every request, checks every condition and evaluates every expression as before (the
same API, the same errors); only where the items live changes. A table here is moto's ``Table``
whose ``items`` are read from and written to ``ItemStore``; Query and Scan read just the key range
they need from it and hand moto those candidates in order; the stream's records are rows that
stay until every reader has passed them. What this fixes, measured on a moto table:

- memory: a card item held as moto objects takes ~8x its JSON; here it is compressed on disk;
- time: moto sorts the whole table for every Query and Scan page, and deep-copies the whole
  table (with its stream) before each TransactWriteItems;
- restarts: nothing to replay, the file is the data;
- the stream: a cancelled transaction swapped in the table's deep copy, whose stream shard the
  readers' iterators did not follow, so the search index silently stopped getting records.

``install`` puts these backends in place of moto's for one account and region (the local
stack's); anything else a client asks moto for is moto's own.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, StreamShard, Table
from moto.dynamodb.models.utilities import bytesize
from moto.dynamodbstreams.models import DynamoDBStreamsBackend, dynamodbstreams_backends
from moto.moto_api._internal import mock_random

from infrastructure.local.item_store import NO_KEY, ItemStore, KeyRange, Position, key_bytes
from infrastructure.local.item_store import prefix_end as _prefix_end
from infrastructure.local.journal import OWN_STORE

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
GET_RECORDS = "DynamoDBStreams_20120810.GetRecords"
ITERATOR_LIFETIME = 15 * 60  # seconds, as DynamoDB Streams' shard iterators
ITEM_SIZE_LIMIT = 405_000  # moto's bound (DynamoDB's 400 KB is measured a little loosely)


def install(store: ItemStore, account_id: str, region: str) -> LocalStreams:
    """Serve DynamoDB and its streams for ``account_id``/``region`` from ``store``."""
    DynamoType.size = _size  # type: ignore[method-assign, assignment]
    Item.__init__ = _new_item  # type: ignore[method-assign]
    backend = LocalDynamoDB(region, account_id, store)
    dynamodb_backends[account_id][region] = backend
    streams = LocalStreams(region, account_id)
    dynamodbstreams_backends[account_id][region] = streams
    return streams


def serialized(store: ItemStore, app: WSGIApp, streams: LocalStreams) -> WSGIApp:
    """Runs each DynamoDB request alone and atomically: committed if it succeeded (before the
    answer leaves), rolled back if it failed, so a cancelled transaction leaves nothing."""

    def handle(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith(OWN_STORE):
            return app(environ, start_response)
        if target == GET_RECORDS:
            with store.request():
                return _get_records(environ, start_response, streams)
        statuses: list[int] = []

        def capture(status: str, headers: Any, *rest: Any) -> Any:
            statuses.append(int(status.split()[0]))
            return start_response(status, headers, *rest)

        with store.request() as outcome:
            body = list(app(environ, capture))
            outcome.ok = bool(statuses) and statuses[0] < 400
        return body

    return handle


def _get_records(
    environ: dict[str, Any], start_response: Callable[..., Any], streams: LocalStreams
) -> list[bytes]:
    """GetRecords answered directly: its records are stored as the JSON it returns, and moto's
    response serializer took 5 ms a record (a town's stream took hours to read)."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    request = json.loads(environ["wsgi.input"].read(length) or b"{}")
    limit = request.get("Limit", 1000)
    status, answer = 200, {}
    if not isinstance(limit, int) or not 1 <= limit <= 1000:
        status = 400
        answer = {"__type": "ValidationException", "message": "Limit must be 1 to 1000"}
    else:
        try:
            got = streams.get_records(str(request.get("ShardIterator")), limit)
        except JsonRESTError as error:
            status, answer = 400, {"__type": error.error_type, "message": error.message}
        else:
            answer = {"NextShardIterator": got["NextShardIterator"], "Records": got["Records"]}
    body = json.dumps(answer, separators=(",", ":")).encode()
    start_response(
        f"{status} {'OK' if status == 200 else 'Bad Request'}",
        [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))],
    )
    return [body]


class LocalDynamoDB(DynamoDBBackend):
    """moto's DynamoDB backend whose tables live in an ``ItemStore``."""

    def __init__(self, region_name: str, account_id: str, store: ItemStore) -> None:
        super().__init__(region_name, account_id)
        self.store = store
        for name, definition in store.definitions().items():
            self.tables[name] = StoredTable.restore(definition, store, account_id, region_name)

    def create_table(self, name: str, **options: Any) -> Table:  # type: ignore[override]
        if name in self.tables:
            return super().create_table(name, **options)  # moto's ResourceInUse answer
        table = StoredTable(  # type: ignore[abstract]  # as moto builds its Table
            name, account_id=self.account_id, region=self.region_name, store=self.store, **options
        )
        self.tables[name] = table
        table.save_definition()
        return table

    def delete_table(self, name: str) -> Table:
        table = super().delete_table(name)
        self.store.drop(table.name)
        return table

    def update_table(self, name: str, *args: Any, **kwargs: Any) -> Table:
        table = self.get_table(name)
        before = {index.name for index in table.all_indexes()}
        updated = super().update_table(name, *args, **kwargs)
        if isinstance(updated, StoredTable):
            if {index.name for index in updated.all_indexes()} - before:
                updated.rebuild_indexes()  # a new index holds the items already there
            updated.save_definition()
        return updated

    def update_time_to_live(self, table_name: str, ttl_spec: dict[str, Any]) -> None:
        super().update_time_to_live(table_name, ttl_spec)
        table = self.get_table(table_name)
        if isinstance(table, StoredTable):
            table.save_definition()

    def update_item(self, table_name: str, *args: Any, **kwargs: Any) -> Item:
        # moto changes the item it read in place; what it read here is a copy: store it.
        item = super().update_item(table_name, *args, **kwargs)
        table = self.get_table(table_name)
        if isinstance(table, StoredTable):
            table.save(item)
        return item


class StoredTable(Table):
    """moto's Table; its items, index entries and stream live in the store."""

    def __init__(self, *args: Any, store: ItemStore, **kwargs: Any) -> None:
        self.store = store
        super().__init__(*args, **kwargs)
        self.items = StoredItems(self)  # type: ignore[assignment]
        self._candidates: list[Item] | None = None
        self._last_saved: tuple[Item | None, dict[str, Any]] = (None, {})

    @classmethod
    def restore(
        cls, definition: dict[str, Any], store: ItemStore, account_id: str, region: str
    ) -> StoredTable:
        options = dict(definition["options"])
        table = cls(
            definition["name"], account_id=account_id, region=region, store=store, **options
        )
        table.ttl = definition["ttl"]
        table.created_at = datetime.fromisoformat(definition["created_at"])
        if definition.get("stream_label"):
            table.latest_stream_label = definition["stream_label"]
        return table

    def save_definition(self) -> None:
        def index(i: Any) -> dict[str, Any]:
            return {"IndexName": i.name, "KeySchema": i.schema, "Projection": i.projection}

        provisioned = self.billing_mode != "PAY_PER_REQUEST"
        options = {
            "schema": self.schema,
            "attr": self.attr,
            "throughput": (
                {k: v for k, v in self.throughput.items() if k != "NumberOfDecreasesToday"}
                if provisioned
                else None
            ),
            "billing_mode": self.billing_mode,
            "global_indexes": [index(i) for i in self.global_indexes],
            "indexes": [index(i) for i in self.indexes],
            "streams": self.stream_specification if self.latest_stream_label else None,
            "sse_specification": self.sse_specification,
            "tags": self.tags,
            "deletion_protection_enabled": self.deletion_protection_enabled,
        }
        self.store.save_definition(
            self.name,
            {
                "name": self.name,
                "options": options,
                "ttl": self.ttl,
                "created_at": self.created_at.isoformat(),
                "stream_label": self.latest_stream_label,
            },
        )

    def set_stream_specification(self, streams: dict[str, Any] | None) -> None:
        super().set_stream_specification(streams)
        if self.stream_shard is not None and not isinstance(self.stream_shard, StoredStream):
            self.stream_shard = StoredStream(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> StoredTable:
        # moto copies a whole table before a transaction, to put it back if the transaction
        # fails. The request's store transaction is that backup here (``serialized``).
        return self

    def __len__(self) -> int:
        return self.store.count(self.name)

    # -- one item ---------------------------------------------------------------------------

    def keys_of(self, hash_key: DynamoType, range_key: DynamoType | None) -> tuple[bytes, bytes]:
        hk = key_bytes(hash_key.type, hash_key.value)
        rk = key_bytes(range_key.type, range_key.value) if range_key is not None else NO_KEY
        return hk, rk

    def load(self, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
        attributes = self.store.get(self.name, *self.keys_of(hash_key, range_key))
        return self.item(attributes) if attributes is not None else None

    def save(self, item: Item) -> None:
        hk, rk = self.keys_of(item.hash_key, item.range_key)
        plain = plain_attributes(item)
        self._last_saved = (item, plain)  # its stream record (written next) reuses it
        self.store.put(self.name, hk, rk, plain, self._index_keys(item))

    def plain_of(self, item: Item) -> dict[str, Any]:
        saved, plain = self._last_saved
        return plain if saved is item else plain_attributes(item)

    def remove(self, hash_key: DynamoType, range_key: DynamoType | None) -> None:
        self.store.delete(self.name, *self.keys_of(hash_key, range_key))

    def item(self, attributes: dict[str, Any]) -> Item:
        """An Item from stored attributes (without moto's per-attribute size re-check: the item
        passed it when it was written)."""
        made = cast(Item, Item.__new__(Item))
        values = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.__init__(values, ((k, DynamoType(v)) for k, v in attributes.items()))
        made.attrs = values
        made.hash_key = values[self.hash_key_attr]
        made.range_key = values[self.range_key_attr] if self.range_key_attr else None
        return made

    def _index_keys(self, item: Item) -> list[tuple[str, bytes, bytes]]:
        keys = []
        for index in self.all_indexes():
            hash_attr, range_attr = _index_key_names(index)
            value = item.attrs.get(hash_attr)
            if value is None or (range_attr is not None and range_attr not in item.attrs):
                continue  # DynamoDB indexes only items that have the index's keys
            sort = item.attrs[range_attr] if range_attr is not None else None
            ihk = key_bytes(value.type, value.value)
            irk = key_bytes(sort.type, sort.value) if sort is not None else NO_KEY
            keys.append((index.name, ihk, irk))
        return keys

    def rebuild_indexes(self) -> None:
        """Index entries for every item, a page at a time (SQLite must not write a table
        while a read of it is still open)."""
        after: tuple[bytes, bytes] | None = None
        while True:
            page = [self.item(a) for a in itertools.islice(self.store.scan(self.name, after), 1000)]
            if not page:
                return
            for item in page:
                self.save(item)
            after = self.keys_of(page[-1].hash_key, page[-1].range_key)

    # -- Query and Scan: moto's own, over the candidates read from the store -----------------

    def query(  # type: ignore[override]
        self,
        hash_key: DynamoType | None,
        range_comparison: str | None,
        range_objs: list[DynamoType],
        limit: int,
        exclusive_start_key: dict[str, Any],
        scan_index_forward: bool,
        projection_expressions: Any,
        index_name: str | None = None,
        consistent_read: bool = False,
        filter_expression: Any = None,
        hash_key_conditions: Any = None,
        range_key_conditions: Any = None,
        **filter_kwargs: Any,
    ) -> Any:
        narrow = (
            hash_key is not None
            and len(hash_key_conditions or []) <= 1
            and len(range_key_conditions or []) <= 1
            and not filter_kwargs
        )
        candidates = None
        if narrow:
            candidates = self._query_candidates(
                hash_key,  # type: ignore[arg-type]
                range_comparison,
                range_objs,
                limit,
                exclusive_start_key,
                scan_index_forward,
                index_name,
            )
        index = self.get_index(index_name) if index_name and candidates is not None else None
        with self._narrowed(candidates), _already_projected(index):
            return super().query(
                hash_key,
                range_comparison,
                range_objs,
                limit,
                exclusive_start_key,
                scan_index_forward,
                projection_expressions,
                index_name,
                consistent_read,
                filter_expression,
                hash_key_conditions=hash_key_conditions,
                range_key_conditions=range_key_conditions,
                **filter_kwargs,
            )

    def scan(  # type: ignore[override]
        self,
        filters: dict[str, Any],
        limit: int,
        exclusive_start_key: dict[str, Any],
        filter_expression: Any = None,
        index_name: str | None = None,
        consistent_read: bool = False,
        projection_expression: Any = None,
        segments: Any = (None, None),
    ) -> Any:
        candidates = None
        if not filters:  # the legacy ScanFilter counts against Limit: let moto see everything
            candidates = self._scan_candidates(limit, exclusive_start_key, index_name, segments)
        with self._narrowed(candidates):
            return super().scan(
                filters,
                limit,
                exclusive_start_key,
                filter_expression,
                index_name,
                consistent_read,
                projection_expression,
                segments,
            )

    def all_items(self) -> list[Item]:
        if self._candidates is not None:
            return self._candidates
        return [self.item(a) for a in self.store.scan(self.name, None)]

    def has_idx_items(self, index_name: str) -> list[Item]:
        if self._candidates is not None:
            return self._candidates
        return super().has_idx_items(index_name)

    @contextmanager
    def _narrowed(self, candidates: list[Item] | None) -> Iterator[None]:
        self._candidates = candidates
        try:
            yield
        finally:
            self._candidates = None

    def _query_candidates(
        self,
        hash_key: DynamoType,
        comparison: str | None,
        values: list[DynamoType],
        limit: int | None,
        start: dict[str, Any] | None,
        forward: bool,
        index_name: str | None,
    ) -> list[Item] | None:
        ihk = key_bytes(hash_key.type, hash_key.value)
        # Start where the first match can be; read on until the first item past the last
        # match: moto's own table sees that item too and, with a full page, says there is more.
        bounds = _near_side(_bounds(comparison, values), forward)
        if index_name is None:
            after = self._key_of_start(start, self.range_key_attr) if start else None
            rows = self.store.partition(self.name, ihk, bounds, forward=forward, after=after)
            sort_attr = self.range_key_attr
        else:
            index = self.get_index(index_name)
            if len(index.schema) > 2:
                return None  # multi-attribute keys: moto's own way
            sort_attr = _index_key_names(index)[1]
            position = self._position_of_start(start, sort_attr) if start else None
            rows = self.store.index_partition(
                self.name, index_name, ihk, bounds, forward=forward, after=position
            )
            kept = _projected_names(index)
            if kept is not None:
                # The index holds its projection only, as DynamoDB's does: the rest of a big
                # item (a card, its words) is never turned into moto's types to be dropped.
                rows = ({k: v for k, v in row.items() if k in kept} for row in rows)
        page = _Page(limit)
        for attributes in rows:
            item = self.item(attributes)
            if comparison and sort_attr is not None:
                value = item.attrs.get(sort_attr)
                if value is None or not value.compare(comparison, values):
                    page.items.append(item)  # past the last match
                    break
            if page.add(item):
                break
        return page.items

    def _scan_candidates(
        self,
        limit: int | None,
        start: dict[str, Any] | None,
        index_name: str | None,
        segments: Any,
    ) -> list[Item]:
        if index_name is None:
            after = None
            if start:
                hk = self._attr_key(start, self.hash_key_attr)
                after = (hk, self._key_of_start(start, self.range_key_attr) or NO_KEY)
            rows = self.store.scan(self.name, after)
        else:
            hash_attr, sort_attr = _index_key_names(self.get_index(index_name, True))
            position = self._position_of_start(start, sort_attr) if start else None
            after_hash = self._attr_key(start, hash_attr) if start else None
            rows = self.store.scan_index(self.name, index_name, position, after_hash)
        page = _Page(limit)
        for attributes in rows:
            item = self.item(attributes)
            if item.is_within_segment(segments) and page.add(item):
                break
        return page.items

    def _attr_key(self, start: dict[str, Any], name: str | None) -> bytes:
        if name is None or name not in start:
            return NO_KEY
        value = DynamoType(start[name])
        return key_bytes(value.type, value.value)

    def _key_of_start(self, start: dict[str, Any], name: str | None) -> bytes | None:
        return self._attr_key(start, name) if name is not None else None

    def _position_of_start(self, start: dict[str, Any], sort_attr: str | None) -> Position:
        return Position(
            sort=self._attr_key(start, sort_attr),
            hk=self._attr_key(start, self.hash_key_attr),
            rk=self._attr_key(start, self.range_key_attr),
        )


@contextmanager
def _already_projected(index: Any) -> Iterator[None]:
    """While a query reads candidates stripped to ``index``'s projection (``_query_candidates``),
    moto's own projection (a deep copy of every item through JSON) has nothing left to do."""
    if index is None or _projected_names(index) is None:
        yield
        return
    index.project = lambda item: item
    try:
        yield
    finally:
        del index.project  # moto's method again


def _projected_names(index: Any) -> set[str] | None:
    """The attributes an index with a KEYS_ONLY or INCLUDE projection holds; None for ALL."""
    projection = index.projection or {}
    kind = projection.get("ProjectionType", "ALL")
    if kind == "ALL":
        return None
    names = set(index.table_key_attrs) | set(index.schema_key_attrs)
    if kind == "INCLUDE":
        names |= set(projection.get("NonKeyAttributes", []))
    return names


class StoredItems:
    """Stands in for moto's ``Table.items`` (hash key → {range key → Item}, or hash key → Item
    for a table without a sort key), reading and writing the store."""

    def __init__(self, table: StoredTable) -> None:
        self._table = table

    def __contains__(self, hash_key: DynamoType) -> bool:
        table = self._table
        return table.store.has_partition(table.name, key_bytes(hash_key.type, hash_key.value))

    def __getitem__(self, hash_key: DynamoType) -> Any:
        if self._table.has_range_key:
            return _Partition(self._table, hash_key)
        item = self._table.load(hash_key, None)
        if item is None:
            raise KeyError(hash_key)
        return item

    def __setitem__(self, hash_key: DynamoType, item: Item) -> None:
        self._table.save(item)

    def pop(self, hash_key: DynamoType) -> Item:
        item = self[hash_key]
        self._table.remove(hash_key, None)
        return item  # type: ignore[no-any-return]

    def values(self) -> Iterator[Any]:
        # Only moto's code paths that this table does not override read every item this way.
        table = self._table
        for attributes in table.store.scan(table.name, None):
            item = table.item(attributes)
            yield {item.range_key: item} if table.has_range_key else item


class _Partition:
    def __init__(self, table: StoredTable, hash_key: DynamoType) -> None:
        self._table = table
        self._hash_key = hash_key

    def __getitem__(self, range_key: DynamoType) -> Item:
        item = self._table.load(self._hash_key, range_key)
        if item is None:
            raise KeyError(range_key)
        return item

    def __setitem__(self, range_key: DynamoType, item: Item) -> None:
        self._table.save(item)

    def pop(self, range_key: DynamoType) -> Item:
        item = self[range_key]
        self._table.remove(self._hash_key, range_key)
        return item


class StoredStream(StreamShard):
    """The table's one shard, its records kept in the store until every reader passed them."""

    def __init__(self, table: StoredTable) -> None:
        super().__init__(table.account_id, table)
        self.items = _StreamLength(self)  # type: ignore[assignment]

    @property
    def stored_table(self) -> StoredTable:
        assert isinstance(self.table, StoredTable)
        return self.table

    def add(self, old: Item | None, new: Item | None) -> None:
        """A record as DynamoDB Streams writes it (moto's ``StreamRecord`` fields; the images
        as stored, not converted again)."""
        table = self.stored_table
        view = table.stream_specification["StreamViewType"]  # type: ignore[index]
        event = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
        changed = old if old is not None else new
        assert changed is not None
        data: dict[str, Any] = {
            "StreamViewType": view,
            # Epoch seconds, as the JSON protocol carries it (records are served as stored).
            "ApproximateCreationDateTime": time.time(),
            "Keys": {table.hash_key_attr: _plain(changed.hash_key)},
            "SizeBytes": sum(i.size() for i in (old, new) if i is not None),
        }
        if table.range_key_attr is not None:
            data["Keys"][table.range_key_attr] = _plain(changed.range_key)
        if view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") and new is not None:
            data["NewImage"] = table.plain_of(new)
        if view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") and old is not None:
            data["OldImage"] = table.plain_of(old)
        record = {
            "eventID": mock_random.uuid4().hex,
            "eventName": event,
            "eventSource": "aws:dynamodb",
            "eventVersion": "1.0",
            "awsRegion": table.region_name,
            "dynamodb": data,
        }
        start = self.starting_sequence_number

        def make(seq: int) -> dict[str, Any]:
            data["SequenceNumber"] = str(start + seq)
            return record

        table.store.append_record(table.name, make)

    def get(self, start: int, quantity: int) -> list[dict[str, Any]]:
        table = self.stored_table
        offset = start - self.starting_sequence_number
        if offset < table.store.oldest_seq(table.name):
            raise JsonRESTError(
                "TrimmedDataAccessException",
                "The operation attempted to read past the oldest stream record in a shard.",
            )
        return table.store.records(table.name, offset, quantity)

    def oldest(self) -> int:
        """The position of the oldest record kept (TRIM_HORIZON)."""
        table = self.stored_table
        return table.store.oldest_seq(table.name)

    def checkpoint(self, reader: str, last_sequence_number: str) -> None:
        """``reader`` has handled every record up to this one (a local event source mapping's
        position, which Lambda keeps on AWS); records every reader passed are dropped."""
        table = self.stored_table
        seq = int(last_sequence_number) - self.starting_sequence_number + 1
        table.store.checkpoint(reader, table.name, seq)

    def register(self, reader: str) -> None:
        table = self.stored_table
        table.store.register(reader, table.name)

    def checkpoint_of(self, reader: str) -> str | None:
        table = self.stored_table
        with table.store.lock:
            seq = table.store.checkpoint_of(reader, table.name)
        # Nothing handled yet: read from the oldest record (TRIM_HORIZON).
        return None if not seq else str(self.starting_sequence_number + seq - 1)

    def behind(self, reader: str) -> int:
        """Records written that ``reader`` has not handled yet."""
        table = self.stored_table
        with table.store.lock:
            done = table.store.checkpoint_of(reader, table.name) or 0
            return max(0, table.store.next_seq(table.name) - done)


class _StreamLength:
    """``len(shard.items)``: what moto reads to place a LATEST iterator."""

    def __init__(self, shard: StoredStream) -> None:
        self._shard = shard

    def __len__(self) -> int:
        table = self._shard.stored_table
        return table.store.next_seq(table.name)


class LocalStreams(DynamoDBStreamsBackend):
    """moto's Streams backend; shard iterators expire after 15 minutes, as on AWS (moto keeps
    each one it ever issued: one more every poll, for ever)."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self._issued: dict[str, float] = {}

    def get_shard_iterator(
        self, arn: str, shard_id: str, shard_iterator_type: str, sequence_number: Any = None
    ) -> Any:
        iterator = super().get_shard_iterator(arn, shard_id, shard_iterator_type, sequence_number)
        shard = iterator.stream_shard
        if shard_iterator_type == "TRIM_HORIZON" and isinstance(shard, StoredStream):
            iterator.sequence_number = shard.starting_sequence_number + shard.oldest()
        self._issued[iterator.arn] = time.monotonic()
        return iterator

    def get_records(self, iterator_arn: str, limit: int) -> dict[str, Any]:
        now = time.monotonic()
        for arn, issued in list(self._issued.items()):
            if now - issued > ITERATOR_LIFETIME:
                self._issued.pop(arn, None)
                self.shard_iterators.pop(arn, None)
        if iterator_arn not in self.shard_iterators:
            raise JsonRESTError("ExpiredIteratorException", "Iterator expired")
        answer = super().get_records(iterator_arn, limit)
        self._issued[answer["NextShardIterator"]] = now
        return answer


def _size(value: DynamoType) -> int:
    """An attribute's size as moto measures it, without moto's copying: its ``size`` wraps each
    nested value in a new DynamoType (rebuilding that value's whole subtree) before measuring
    it, and the item measures every attribute again as each one is stored; a card item took
    6 ms to put, most of it there."""
    kind, inner = value.type, value.value
    if kind == "N":
        return len(str(inner))
    if kind == "NS":
        return sum(len(str(v)) for v in inner)
    if kind in ("SS", "BS"):
        return sum(bytesize(v) for v in inner)
    if kind == "L":
        return sum(_size(v) if isinstance(v, DynamoType) else _size(DynamoType(v)) for v in inner)
    if kind == "M":
        return sum(
            bytesize(k) + (_size(v) if isinstance(v, DynamoType) else _size(DynamoType(v)))
            for k, v in inner.items()
        )
    if isinstance(inner, bool):
        return 1
    return bytesize(inner)


def _new_item(
    self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]
) -> None:
    """moto's Item, its 400 KB limit checked once for the whole item (moto re-measures every
    attribute stored so far as it stores each one)."""
    self.hash_key = hash_key
    self.range_key = range_key
    values = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.__init__(values, ((k, DynamoType(v)) for k, v in attrs.items()))
    if sum(bytesize(k) + _size(v) for k, v in values.items()) > ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge
    self.attrs = values


def _index_key_names(index: Any) -> tuple[str, str | None]:
    hash_attr = next(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
    sort = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
    return hash_attr, (sort[0] if sort else None)


def _bounds(comparison: str | None, values: list[DynamoType]) -> KeyRange:
    """SQL bounds that hold every sort key the comparison can match (moto then checks each)."""
    if not comparison or not values:
        return KeyRange()
    operator = {"EQ": "=", "LT": "<", "LE": "<=", "GT": ">", "GE": ">="}.get(
        comparison.upper(), comparison.upper()
    )
    first = key_bytes(values[0].type, values[0].value)
    if operator == "=":
        return KeyRange(low=first, high=first)
    if operator in ("<", "<="):
        return KeyRange(high=first, high_inclusive=operator == "<=")
    if operator in (">", ">="):
        return KeyRange(low=first, low_inclusive=operator == ">=")
    if operator == "BETWEEN" and len(values) == 2:
        return KeyRange(low=first, high=key_bytes(values[1].type, values[1].value))
    if operator == "BEGINS_WITH" and values[0].type == "S":
        end = _prefix_end(first)
        return KeyRange(low=first, high=end, high_inclusive=False)
    return KeyRange()


def _near_side(bounds: KeyRange, forward: bool) -> KeyRange:
    """The bound a read in this direction starts from (the other one ends it)."""
    if forward:
        return KeyRange(low=bounds.low, low_inclusive=bounds.low_inclusive)
    return KeyRange(high=bounds.high, high_inclusive=bounds.high_inclusive)


class _Page:
    """Candidates enough for moto to fill a page and see that there is more: one past the
    Limit, or past the 1 MB a page may hold."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.items: list[Item] = []
        self._size = 0

    def add(self, item: Item) -> bool:
        """Adds a candidate; True when the page has all it needs."""
        self.items.append(item)
        self._size += item.size()
        over_limit = self.limit is not None and len(self.items) > self.limit
        return over_limit or self._size > RESULT_SIZE_LIMIT


def plain_attributes(item: Item) -> dict[str, Any]:
    """An item's attributes as DynamoDB JSON (binary values base64, as on the wire)."""
    return {name: _plain(value) for name, value in item.attrs.items()}


def _plain(value: Any) -> Any:
    if not isinstance(value, DynamoType):
        return _jsonable(value)
    if type(value.value) is str:
        return {value.type: value.value}
    if value.is_map():
        return {"M": {k: _plain(v) for k, v in value.value.items()}}
    if value.is_list():
        return {"L": [_plain(v) for v in value.value]}
    return {value.type: _jsonable(value.value)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, DynamoType):
        return _plain(value)
    return value

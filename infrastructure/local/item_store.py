"""The local stack's DynamoDB data on disk: one SQLite file for every table's items, their index
entries and their stream records.

moto keeps a table as Python objects, about eight times the size of the items' JSON, and answers
every Query and Scan by sorting the whole table. Kept here instead, the stack's memory does not
grow with the data, a Query reads one key range, and a restart opens the file instead of replaying
every write. The store knows keys, bytes and order, nothing of moto: ``infrastructure/local/
dynamodb.py`` puts moto's tables on top of it.

Keys are kept as bytes whose order is DynamoDB's: strings as UTF-8 (DynamoDB compares them byte
by byte), binary as it is, numbers in an order-preserving form. SQLite compares BLOBs with
memcmp, so an index range scan returns items in the order a Query must.

Each request to the emulated DynamoDB runs in one SQLite transaction (``request``): committed
before its answer is sent, rolled back if it failed. A cancelled TransactWriteItems or a failed
conditional write therefore leaves nothing behind, items, index entries and stream records alike,
and an acknowledged write survives a hard kill (WAL; the OS has the bytes when the answer leaves).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tables (name TEXT PRIMARY KEY, definition TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    tbl TEXT NOT NULL, hk BLOB NOT NULL, rk BLOB NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (tbl, hk, rk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS index_entries (
    tbl TEXT NOT NULL, idx TEXT NOT NULL, ihk BLOB NOT NULL, irk BLOB NOT NULL,
    hk BLOB NOT NULL, rk BLOB NOT NULL,
    PRIMARY KEY (tbl, idx, ihk, irk, hk, rk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS index_entries_of_item ON index_entries (tbl, hk, rk);
CREATE INDEX IF NOT EXISTS items_by_sort_key ON items (tbl, rk);
CREATE TABLE IF NOT EXISTS item_counts (tbl TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stream_records (
    tbl TEXT NOT NULL, seq INTEGER NOT NULL, record BLOB NOT NULL, PRIMARY KEY (tbl, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stream_heads (tbl TEXT PRIMARY KEY, next_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stream_checkpoints (
    reader TEXT NOT NULL, tbl TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (reader, tbl)
);
"""

# What "no range key" is stored as (a hash-only table, an index without a sort key).
NO_KEY = b""


def key_bytes(attribute_type: str, value: Any) -> bytes:
    """A key attribute's bytes, ordered as DynamoDB orders the values."""
    if attribute_type == "S":
        return str(value).encode("utf-8")
    if attribute_type == "B":
        return value if isinstance(value, bytes) else _b64(value)
    if attribute_type == "N":
        return _number_key(Decimal(value))
    raise ValueError(f"a key cannot be of type {attribute_type}")


def _b64(value: str) -> bytes:
    import base64

    return base64.b64decode(value)


def _number_key(number: Decimal) -> bytes:
    """Order-preserving bytes for a number: sign, then the exponent, then the digits (both
    complemented for negative numbers, so that a larger magnitude sorts first)."""
    if number == 0:
        return b"\x80"
    sign, digits, exponent = number.normalize().as_tuple()
    text = "".join(map(str, digits))
    magnitude = len(text) + int(exponent) + 400  # 40 digits, exponents within ±130
    if sign == 0:
        return b"\xc0" + magnitude.to_bytes(2, "big") + text.encode("ascii")
    flipped = "".join(str(9 - int(d)) for d in text)
    return b"\x40" + (65535 - magnitude).to_bytes(2, "big") + flipped.encode("ascii") + b"~"


def prefix_end(prefix: bytes) -> bytes | None:
    """The smallest bytes after every value that starts with ``prefix`` (None: no bound)."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes([trimmed[-1] + 1])


@dataclass
class Outcome:
    """How a request ended; a failed one is rolled back."""

    ok: bool = True


@dataclass(frozen=True)
class KeyRange:
    """Bounds on a sort key, each inclusive or not; None is unbounded."""

    low: bytes | None = None
    low_inclusive: bool = True
    high: bytes | None = None
    high_inclusive: bool = True


@dataclass(frozen=True)
class Position:
    """Where a page starts: strictly after this entry (an index's keys, then the table's)."""

    sort: bytes
    hk: bytes
    rk: bytes


class ItemStore:
    """Items as compressed DynamoDB JSON keyed by their key bytes, per table."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages, whatever the data
        self._db.executescript(_SCHEMA)
        # A file from before counts were kept: count its tables once.
        self._db.execute(
            "INSERT INTO item_counts SELECT name, (SELECT COUNT(*) FROM items WHERE tbl = name)"
            " FROM tables WHERE name NOT IN (SELECT tbl FROM item_counts)"
        )
        # One request at a time: moto's models are not safe to share between threads either.
        self.lock = threading.RLock()
        self._depth = 0

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextmanager
    def request(self) -> Iterator[Outcome]:
        """One emulated request, atomically: kept if it ends with ``outcome.ok`` true, undone if
        it raises or says it failed. Nested calls join the outer request."""
        with self.lock:
            outcome = Outcome()
            if self._depth:
                self._depth += 1
                try:
                    yield outcome
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            self._db.execute("BEGIN")
            try:
                yield outcome
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT" if outcome.ok else "ROLLBACK")
            finally:
                self._depth = 0

    # -- table definitions ------------------------------------------------------------------

    def definitions(self) -> dict[str, dict[str, Any]]:
        rows = self._db.execute("SELECT name, definition FROM tables ORDER BY name")
        return {name: json.loads(text) for name, text in rows}

    def save_definition(self, name: str, definition: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO tables VALUES (?, ?)", (name, json.dumps(definition))
        )

    def drop(self, table: str) -> None:
        for statement in (
            "DELETE FROM tables WHERE name = ?",
            "DELETE FROM items WHERE tbl = ?",
            "DELETE FROM index_entries WHERE tbl = ?",
            "DELETE FROM stream_records WHERE tbl = ?",
            "DELETE FROM stream_heads WHERE tbl = ?",
            "DELETE FROM stream_checkpoints WHERE tbl = ?",
            "DELETE FROM item_counts WHERE tbl = ?",
        ):
            self._db.execute(statement, (table,))

    # -- items ------------------------------------------------------------------------------

    def get(self, table: str, hk: bytes, rk: bytes) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT data FROM items WHERE tbl = ? AND hk = ? AND rk = ?", (table, hk, rk)
        ).fetchone()
        return _decode(row[0]) if row else None

    def put(
        self,
        table: str,
        hk: bytes,
        rk: bytes,
        attributes: dict[str, Any],
        index_keys: list[tuple[str, bytes, bytes]],
    ) -> None:
        """Store an item (replacing any) with its entries in the indexes whose keys it has."""
        if not self._exists(table, hk, rk):
            self._count(table, +1)
        self._db.execute(
            "INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?)",
            (table, hk, rk, _encode(attributes)),
        )
        self._db.execute(
            "DELETE FROM index_entries WHERE tbl = ? AND hk = ? AND rk = ?", (table, hk, rk)
        )
        self._db.executemany(
            "INSERT INTO index_entries VALUES (?, ?, ?, ?, ?, ?)",
            [(table, index, ihk, irk, hk, rk) for index, ihk, irk in index_keys],
        )

    def delete(self, table: str, hk: bytes, rk: bytes) -> None:
        if self._exists(table, hk, rk):
            self._count(table, -1)
        self._db.execute("DELETE FROM items WHERE tbl = ? AND hk = ? AND rk = ?", (table, hk, rk))
        self._db.execute(
            "DELETE FROM index_entries WHERE tbl = ? AND hk = ? AND rk = ?", (table, hk, rk)
        )

    def _exists(self, table: str, hk: bytes, rk: bytes) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM items WHERE tbl = ? AND hk = ? AND rk = ?", (table, hk, rk)
        ).fetchone()
        return row is not None

    def _count(self, table: str, delta: int) -> None:
        self._db.execute(
            "INSERT INTO item_counts VALUES (?, ?) ON CONFLICT (tbl) DO UPDATE SET n = n + ?",
            (table, delta, delta),
        )

    def has_partition(self, table: str, hk: bytes) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM items WHERE tbl = ? AND hk = ? LIMIT 1", (table, hk)
        ).fetchone()
        return row is not None

    def count(self, table: str) -> int:
        """Items in a table, kept as they are written (counting them reads the whole file)."""
        row = self._db.execute("SELECT n FROM item_counts WHERE tbl = ?", (table,)).fetchone()
        return int(row[0]) if row else 0

    def count_sort_key(self, table: str, rk: bytes) -> int:
        """Items of a table with this sort key, in every partition."""
        with self.lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM items WHERE tbl = ? AND rk = ?", (table, rk)
            ).fetchone()
        return int(row[0])

    def partition(
        self,
        table: str,
        hk: bytes,
        keys: KeyRange,
        *,
        forward: bool,
        after: bytes | None,
    ) -> Iterator[dict[str, Any]]:
        """A partition's items in sort-key order (or reverse), within ``keys``, strictly after
        the sort key ``after`` in that direction."""
        where, params = _range_clause("rk", keys, after, forward)
        order = "ASC" if forward else "DESC"
        rows = self._db.execute(
            f"SELECT data FROM items WHERE tbl = ? AND hk = ?{where} ORDER BY rk {order}",  # noqa: S608 - fixed column names
            (table, hk, *params),
        )
        for (data,) in rows:
            yield _decode(data)

    def index_partition(
        self,
        table: str,
        index: str,
        ihk: bytes,
        keys: KeyRange,
        *,
        forward: bool,
        after: Position | None,
    ) -> Iterator[dict[str, Any]]:
        """An index partition's items in (index sort key, table keys) order or reverse."""
        where, params = _range_clause("e.irk", keys, None, forward)
        if after is not None:
            compare = ">" if forward else "<"
            where += f" AND (e.irk, e.hk, e.rk) {compare} (?, ?, ?)"
            params += [after.sort, after.hk, after.rk]
        order = "ASC" if forward else "DESC"
        rows = self._db.execute(
            "SELECT i.data FROM index_entries e JOIN items i"  # noqa: S608 - fixed column names
            " ON i.tbl = e.tbl AND i.hk = e.hk AND i.rk = e.rk"
            f" WHERE e.tbl = ? AND e.idx = ? AND e.ihk = ?{where}"
            f" ORDER BY e.irk {order}, e.hk {order}, e.rk {order}",
            (table, index, ihk, *params),
        )
        for (data,) in rows:
            yield _decode(data)

    def scan(self, table: str, after: tuple[bytes, bytes] | None) -> Iterator[dict[str, Any]]:
        """Every item of a table in (hash, range) key order, strictly after ``after``."""
        where, params = "", []
        if after is not None:
            where, params = " AND (hk, rk) > (?, ?)", list(after)
        rows = self._db.execute(
            f"SELECT data FROM items WHERE tbl = ?{where} ORDER BY hk, rk",  # noqa: S608 - fixed column names
            (table, *params),
        )
        for (data,) in rows:
            yield _decode(data)

    def scan_index(
        self, table: str, index: str, after: Position | None, after_hash: bytes | None
    ) -> Iterator[dict[str, Any]]:
        """Every item an index holds, in (index hash, index sort, table keys) order."""
        where, params = "", []
        if after is not None and after_hash is not None:
            where = " AND (e.ihk, e.irk, e.hk, e.rk) > (?, ?, ?, ?)"
            params = [after_hash, after.sort, after.hk, after.rk]
        rows = self._db.execute(
            "SELECT i.data FROM index_entries e JOIN items i"  # noqa: S608 - fixed column names
            " ON i.tbl = e.tbl AND i.hk = e.hk AND i.rk = e.rk"
            f" WHERE e.tbl = ? AND e.idx = ?{where} ORDER BY e.ihk, e.irk, e.hk, e.rk",
            (table, index, *params),
        )
        for (data,) in rows:
            yield _decode(data)

    # -- the table's stream -----------------------------------------------------------------

    def append_record(self, table: str, make: Any) -> int:
        """Append a stream record made by ``make(seq)``; returns its sequence number."""
        row = self._db.execute(
            "SELECT next_seq FROM stream_heads WHERE tbl = ?", (table,)
        ).fetchone()
        seq = row[0] if row else 0
        self._db.execute(
            "INSERT INTO stream_records VALUES (?, ?, ?)",
            (table, seq, _encode(make(seq))),
        )
        self._db.execute("INSERT OR REPLACE INTO stream_heads VALUES (?, ?)", (table, seq + 1))
        return int(seq)

    def next_seq(self, table: str) -> int:
        row = self._db.execute(
            "SELECT next_seq FROM stream_heads WHERE tbl = ?", (table,)
        ).fetchone()
        return int(row[0]) if row else 0

    def oldest_seq(self, table: str) -> int:
        row = self._db.execute(
            "SELECT MIN(seq) FROM stream_records WHERE tbl = ?", (table,)
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else self.next_seq(table)

    def records(self, table: str, start: int, limit: int) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT record FROM stream_records WHERE tbl = ? AND seq >= ? ORDER BY seq LIMIT ?",
            (table, start, limit),
        )
        return [_decode(record) for (record,) in rows]

    def checkpoint(self, reader: str, table: str, seq: int) -> None:
        """``reader`` has handled every record before ``seq``; records every reader has passed
        are dropped (DynamoDB keeps them 24 hours; here nobody would read them again)."""
        with self.request():
            self._db.execute(
                "INSERT OR REPLACE INTO stream_checkpoints VALUES (?, ?, ?)", (reader, table, seq)
            )
            passed = self._db.execute(
                "SELECT MIN(seq) FROM stream_checkpoints WHERE tbl = ?", (table,)
            ).fetchone()[0]
            self._db.execute(
                "DELETE FROM stream_records WHERE tbl = ? AND seq < ?", (table, passed)
            )

    def register(self, reader: str, table: str) -> None:
        """A new reader holds every record still kept, until it has read them."""
        with self.request():
            self._db.execute(
                "INSERT OR IGNORE INTO stream_checkpoints VALUES (?, ?, ?)",
                (reader, table, self.oldest_seq(table)),
            )

    def checkpoint_of(self, reader: str, table: str) -> int | None:
        row = self._db.execute(
            "SELECT seq FROM stream_checkpoints WHERE reader = ? AND tbl = ?", (reader, table)
        ).fetchone()
        return int(row[0]) if row else None


def _range_clause(
    column: str, keys: KeyRange, after: bytes | None, forward: bool
) -> tuple[str, list[Any]]:
    where, params = "", []
    if keys.low is not None:
        where += f" AND {column} {'>=' if keys.low_inclusive else '>'} ?"
        params.append(keys.low)
    if keys.high is not None:
        where += f" AND {column} {'<=' if keys.high_inclusive else '<'} ?"
        params.append(keys.high)
    if after is not None:
        where += f" AND {column} {'>' if forward else '<'} ?"
        params.append(after)
    return where, params


def _encode(document: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(document, separators=(",", ":")).encode("utf-8"), 1)


def _decode(data: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(zlib.decompress(data))
    return loaded

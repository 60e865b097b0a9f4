"""The directory (departments, topics, staff, duty shifts, districts, streets) kept in the cards
table, seeded from the files in chalicelib/seed/ on first use.

Items (pk ``DIRECTORY``): ``#HEAD`` holds the version and, zlib-compressed, the directory
document and the street table; each district's polygon is its own item under
``DISTRICT#<version>#<id>`` (a district's outline can be large). A new version writes its
districts first and the head last, conditioned on the version it replaces, so a reader never
sees a half-written directory.

A warm Lambda keeps what it loaded and asks for the head's version (a few bytes) at most once a
``max_age``: a new version reaches every function within that time, without a read per request.
"""

from __future__ import annotations

import contextlib
import json
import threading
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.boto_calls import error_code, query_all
from chalicelib.adapters.static_directory import (
    DirectoryDocument,
    DirectorySource,
    StaticDirectory,
    StreetsDocument,
)
from chalicelib.domain.directory import CategoryTree, Department, StaffMember
from chalicelib.domain.duty import DutyShift
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.territory import Territory
from chalicelib.ports import Clock

DIRECTORY_PK = "DIRECTORY"
HEAD_SK = "#HEAD"
BATCH_WRITE_MAX = 25


class DynamoDirectory:
    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        seed: Callable[[], DirectorySource],
        clock: Clock,
        max_age: timedelta = timedelta(minutes=1),
    ) -> None:
        self._db = client
        self._table = table_name
        self._seed = seed
        self._clock = clock
        self._max_age = max_age
        self._lock = threading.Lock()
        self._loaded: StaticDirectory | None = None
        self._version: int | None = None
        self._checked_at: datetime | None = None

    # -- the Directory port, answered from the loaded snapshot --------------------------------

    def categories(self) -> CategoryTree:
        return self._current().categories()

    def departments(self) -> list[Department]:
        return self._current().departments()

    def department(self, department_id: str) -> Department | None:
        return self._current().department(department_id)

    def staff_member(self, staff_id: str) -> StaffMember | None:
        return self._current().staff_member(staff_id)

    def staff(self) -> list[StaffMember]:
        return self._current().staff()

    def territory(self) -> Territory:
        return self._current().territory()

    def duty_shifts(self) -> list[DutyShift]:
        return self._current().duty_shifts()

    # -- loading and publishing ----------------------------------------------------------------

    @property
    def version(self) -> int | None:
        return self._version

    def publish(self, source: DirectorySource, *, expected: int | None) -> int:
        """Store ``source`` as the next version (1 on an empty table) if the stored version is
        still ``expected``; ConflictError otherwise. Validates it fully before writing."""
        source.build()  # raises ValueError naming what is wrong; nothing is written
        version = (expected or 0) + 1
        for start in range(0, len(source.districts.get("features", [])), BATCH_WRITE_MAX):
            chunk = source.districts["features"][start : start + BATCH_WRITE_MAX]
            self._write_batch([self._district_item(version, f) for f in chunk])
        head = {
            ts.PARTITION_KEY: {"S": DIRECTORY_PK},
            ts.SORT_KEY: {"S": HEAD_SK},
            "entity": {"S": "directory"},
            "version": {"N": str(version)},
            "digest": {"S": source.digest},
            "document": {"B": _pack(source.document.model_dump(mode="json"))},
            "streets": {"B": _pack(source.streets.model_dump(mode="json"))},
        }
        condition: dict[str, Any] = (
            {
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY},
            }
            if expected is None
            else {
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":expected": {"N": str(expected)}},
            }
        )
        try:
            self._db.put_item(TableName=self._table, Item=head, **condition)
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            raise ConflictError(
                f"the directory changed since version {expected}; load it again",
                current_version=self.stored_version(),
            ) from error
        return version

    def publish_if_changed(self, source: DirectorySource) -> int | None:
        """Publish ``source`` unless the stored version already has the same content; the new
        version, or None when nothing changed. What a deploy runs (functions/seed_data.py)."""
        head = self._db.get_item(
            TableName=self._table,
            ConsistentRead=True,
            Key={ts.PARTITION_KEY: {"S": DIRECTORY_PK}, ts.SORT_KEY: {"S": HEAD_SK}},
            ProjectionExpression="#version, #digest",
            ExpressionAttributeNames={"#version": "version", "#digest": "digest"},
        ).get("Item")
        if head is not None and head.get("digest", {}).get("S") == source.digest:
            return None
        return self.publish(source, expected=int(head["version"]["N"]) if head else None)

    def _current(self) -> StaticDirectory:
        with self._lock:
            now = self._clock.now()
            fresh = self._checked_at is not None and now - self._checked_at < self._max_age
            if self._loaded is not None and fresh:
                return self._loaded
            stored = self.stored_version()
            if stored is None:
                with contextlib.suppress(ConflictError):  # another function seeded it first
                    self.publish(self._seed(), expected=None)
                stored = self.stored_version()
            if self._loaded is None or stored != self._version:
                self._loaded, self._version = self._load()
            self._checked_at = now
            return self._loaded

    def _load(self) -> tuple[StaticDirectory, int]:
        head = self._db.get_item(
            TableName=self._table,
            ConsistentRead=True,
            Key={ts.PARTITION_KEY: {"S": DIRECTORY_PK}, ts.SORT_KEY: {"S": HEAD_SK}},
        )["Item"]
        version = int(head["version"]["N"])
        features = [
            json.loads(zlib.decompress(item["feature"]["B"]))
            for item in query_all(
                self._db,
                {
                    "TableName": self._table,
                    "ConsistentRead": True,
                    "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
                    "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY, "#sk": ts.SORT_KEY},
                    "ExpressionAttributeValues": {
                        ":pk": {"S": DIRECTORY_PK},
                        ":prefix": {"S": _district_prefix(version)},
                    },
                },
            )
        ]
        source = DirectorySource(
            document=DirectoryDocument.model_validate(_unpack(head["document"]["B"])),
            districts={"type": "FeatureCollection", "features": features},
            streets=StreetsDocument.model_validate(_unpack(head["streets"]["B"])),
        )
        return source.build(), version

    def stored_version(self) -> int | None:
        response = self._db.get_item(
            TableName=self._table,
            ConsistentRead=True,
            Key={ts.PARTITION_KEY: {"S": DIRECTORY_PK}, ts.SORT_KEY: {"S": HEAD_SK}},
            ProjectionExpression="#version",
            ExpressionAttributeNames={"#version": "version"},
        )
        item = response.get("Item")
        return int(item["version"]["N"]) if item else None

    def _district_item(self, version: int, feature: dict[str, Any]) -> dict[str, Any]:
        district_id = str((feature.get("properties") or {}).get("id"))
        return {
            ts.PARTITION_KEY: {"S": DIRECTORY_PK},
            ts.SORT_KEY: {"S": f"{_district_prefix(version)}{district_id}"},
            "entity": {"S": "district"},
            "feature": {"B": zlib.compress(json.dumps(feature).encode("utf-8"), 6)},
        }

    def _write_batch(self, items: list[dict[str, Any]]) -> None:
        request = {self._table: [{"PutRequest": {"Item": item}} for item in items]}
        while request:
            response = self._db.batch_write_item(RequestItems=request)
            request = response.get("UnprocessedItems") or {}


def _district_prefix(version: int) -> str:
    return f"DISTRICT#{version:08d}#"


def _pack(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, ensure_ascii=False).encode("utf-8"), 6)


def _unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob))

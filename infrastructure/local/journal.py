"""Write-through persistence for the emulated AWS services that moto keeps in memory.

Every successful request that changes state (S3 objects and buckets, SES identities, Scheduler
schedules) is appended to a JSON-lines journal as it happens (flushed per line, so even a hard kill
loses nothing acknowledged), and startup replays the journal into a fresh server. Writes are
serialized while journaled, so the journal's order is the order they were applied in.

Not journaled: reads of any kind (``Get*``, ``List*``, ``Describe*``, ``Query``, ``Scan``, stream
reads: replaying them does nothing, or fails on stale shard iterators); sending mail and text
messages (an effect, not state: the product never reads it back); and DynamoDB, which keeps its
own data (``item_store.py``). A journal written before DynamoDB had its store still replays:
its DynamoDB writes go into the store once and leave the journal.

Each replay also compacts the journal: a resource that was deleted (a schedule that fired, an
object removed) leaves no entries behind, and a schedule moved ten times is replayed once.
"""

from __future__ import annotations

import base64
import io
import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

READ_PREFIXES = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "TransactGet", "Head")
# Operations that send something out and change nothing the product reads back.
SENDS = frozenset(
    {
        "SendEmail",
        "SendRawEmail",
        "SendTemplatedEmail",
        "SendBulkTemplatedEmail",
        "Publish",
        "PublishBatch",
    }
)
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OWN_STORE = ("DynamoDB_", "DynamoDBStreams_")  # X-Amz-Target prefixes kept by the item store


def operation(target: str | None, content_type: str | None, body: bytes) -> str | None:
    """The AWS operation a request names: its X-Amz-Target, or a query-protocol Action."""
    if target:
        return target.rsplit(".", 1)[-1]
    if content_type and content_type.startswith("application/x-www-form-urlencoded"):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        return action[0] if action else None
    return None


def is_mutating(
    method: str, target: str | None, content_type: str | None = None, body: bytes = b""
) -> bool:
    """Whether a request changes state the journal must keep."""
    if target and target.startswith(OWN_STORE):
        return False
    name = operation(target, content_type, body)
    if name is not None:
        return not name.startswith(READ_PREFIXES) and name not in SENDS
    return method.upper() not in READ_ONLY_METHODS


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def entries(self) -> list[dict[str, Any]]:
        """Recorded requests; a torn last line (killed mid-write) is dropped."""
        if not self.path.exists():
            return []
        entries = []
        for line in self.path.read_text("utf-8").splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return entries

    def rewrite(self, entries: list[dict[str, Any]]) -> None:
        """Replace the journal atomically (after a replay dropped torn or failed lines)."""
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as out:
            out.writelines(json.dumps(entry) + "\n" for entry in entries)
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(self.path)

    def wrap(self, app: WSGIApp) -> WSGIApp:
        """A WSGI app that runs ``app`` and journals each successful mutating request."""

        def journaling(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            method = environ["REQUEST_METHOD"]
            target = environ.get("HTTP_X_AMZ_TARGET")
            if method.upper() in READ_ONLY_METHODS or (target and target.startswith(OWN_STORE)):
                return app(environ, start_response)
            body = _read_body(environ)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            if not is_mutating(method, target, environ.get("CONTENT_TYPE"), body):
                return app(environ, start_response)
            captured: list[int] = []

            def capture(status: str, headers: Any, *rest: Any) -> Any:
                captured.append(int(status.split()[0]))
                return start_response(status, headers, *rest)

            with self._lock:
                result = list(app(environ, capture))
                if captured and captured[0] < 400:
                    self._append(_entry(environ, method, body))
            return result

        return journaling

    def _append(self, entry: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")
            out.flush()


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):
        return bytes(stream.read())
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return bytes(stream.read(length)) if length else b""


def _entry(environ: dict[str, Any], method: str, body: bytes) -> dict[str, Any]:
    headers = {
        key[5:].replace("_", "-").title(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    headers.pop("Transfer-Encoding", None)
    path = environ.get("RAW_URI") or environ.get("PATH_INFO", "/")
    if environ.get("QUERY_STRING") and "?" not in path:
        path = f"{path}?{environ['QUERY_STRING']}"
    return {
        "method": method,
        "path": path,
        "headers": headers,
        "body": base64.b64encode(body).decode("ascii"),
    }


@dataclass(frozen=True)
class Replayed:
    kept: int  # journal entries applied again and kept
    failed: int  # entries that no longer apply (dropped)
    moved: int  # DynamoDB writes of an older journal, now in the item store


def replay(journal: Journal, endpoint: str) -> Replayed:
    """Send the journal's writes to a fresh server; keep those that still succeed, compacted."""
    import requests

    kept, failed, moved = [], 0, 0
    with requests.Session() as session:
        for entry in compacted(journal.entries()):
            headers = entry["headers"]
            body = base64.b64decode(entry["body"])
            target = headers.get("X-Amz-Target")
            own_store = bool(target and target.startswith(OWN_STORE))
            if not own_store and not is_mutating(
                entry["method"], target, headers.get("Content-Type"), body
            ):
                continue  # a read or a send that an older journal recorded
            if own_store and not _is_dynamodb_write(target):
                continue
            response = session.request(
                entry["method"],
                endpoint.rstrip("/") + entry["path"],
                headers={k: v for k, v in headers.items() if k not in ("Content-Length", "Host")},
                data=body,
                timeout=30,
            )
            if response.status_code >= 400:
                failed += 1
            elif own_store:
                moved += 1
            else:
                kept.append(entry)
    journal.rewrite(kept)
    return Replayed(kept=len(kept), failed=failed, moved=moved)


def _is_dynamodb_write(target: str | None) -> bool:
    if not target or not target.startswith("DynamoDB_"):
        return False
    return not target.rsplit(".", 1)[-1].startswith(READ_PREFIXES)


def compacted(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries without those that later ones undid or replaced: everything about a
    resource before (and including) its last DELETE, and a PUT that a later PUT of the same
    path replaced (a schedule moved again, an object written again)."""
    deleted_at: dict[tuple[str, str], int] = {}
    last_put: dict[tuple[str, str], int] = {}
    for position, entry in enumerate(entries):
        method = entry["method"].upper()
        if method == "DELETE":
            deleted_at[_resource(entry)] = position
        elif method == "PUT":
            last_put[(entry["path"], _resource(entry)[1])] = position
    return [
        entry
        for position, entry in enumerate(entries)
        if position > deleted_at.get(_resource(entry), -1)
        and (
            entry["method"].upper() != "PUT"
            or last_put[(entry["path"], _resource(entry)[1])] == position
        )
    ]


def _resource(entry: dict[str, Any]) -> tuple[str, str]:
    """What a REST call acts on: its path, and a Scheduler group when it names one."""
    parts = urlsplit(entry["path"])
    group = parse_qs(parts.query).get("groupName", [""])[0]
    if not group and entry["method"].upper() in ("POST", "PUT"):
        try:
            document = json.loads(base64.b64decode(entry["body"]) or b"{}")
        except ValueError:
            document = None
        if isinstance(document, dict):
            group = str(document.get("GroupName") or "")
    return parts.path, group

"""Write-through persistence for the local stack's moto server.

moto keeps state in memory only. Every successful *mutating* request is appended to a JSON-lines
journal as it happens (flushed per line, so even a hard kill loses nothing acknowledged), and
startup replays the journal into a fresh server. Writes are serialized while journaled, so the
journal's order is the order they were applied in, and conditional writes replay the same way.
"""

from __future__ import annotations

import base64
import io
import json
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# DynamoDB operations that change nothing; every other JSON-protocol call is journaled.
READ_ONLY_TARGETS = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "Query",
        "Scan",
        "TransactGetItems",
        "DescribeTable",
        "ListTables",
        "DescribeTimeToLive",
        "DescribeContinuousBackups",
        "ListTagsOfResource",
    }
)
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_mutating(method: str, target: str | None) -> bool:
    if target:
        return target.rsplit(".", 1)[-1] not in READ_ONLY_TARGETS
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
            if not is_mutating(method, environ.get("HTTP_X_AMZ_TARGET")):
                return app(environ, start_response)
            body = _read_body(environ)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
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


def replay(journal: Journal, endpoint: str) -> int:
    """Send the journal's requests to a fresh server; keep the ones that still succeed."""
    import requests

    kept = []
    with requests.Session() as session:
        for entry in journal.entries():
            response = session.request(
                entry["method"],
                endpoint.rstrip("/") + entry["path"],
                headers={
                    k: v for k, v in entry["headers"].items() if k not in ("Content-Length", "Host")
                },
                data=base64.b64decode(entry["body"]),
                timeout=30,
            )
            if response.status_code < 400:
                kept.append(entry)
    journal.rewrite(kept)
    return len(kept)

"""The local stack's write-through journal: what it keeps, and how it survives a torn write."""

from __future__ import annotations

import io
import json

import pytest

from infrastructure.local.journal import Journal, is_mutating


@pytest.mark.parametrize(
    ("method", "target", "expected"),
    [
        ("POST", "DynamoDB_20120810.TransactWriteItems", True),
        ("POST", "DynamoDB_20120810.UpdateItem", True),
        ("POST", "DynamoDB_20120810.Query", False),
        ("POST", "DynamoDB_20120810.GetItem", False),
        ("PUT", None, True),
        ("POST", None, True),
        ("DELETE", None, True),
        ("GET", None, False),
        ("HEAD", None, False),
    ],
)
def test_only_writes_are_journaled(method, target, expected):
    assert is_mutating(method, target) is expected


def _call(app, method: str, status: str, body: bytes = b"{}", target: str | None = None):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_HOST": "127.0.0.1:4566",
    }
    if target:
        environ["HTTP_X_AMZ_TARGET"] = target
    seen = []

    def inner(env, start_response):
        seen.append(env["wsgi.input"].read())
        start_response(status, [])
        return [b"ok"]

    result = app(inner)(environ, lambda *a: None)
    return result, seen


def test_successful_writes_are_appended_with_their_body(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    result, seen = _call(journal.wrap, "POST", "200 OK", b'{"a": 1}', "DynamoDB_20120810.PutItem")
    assert result == [b"ok"]
    assert seen == [b'{"a": 1}']  # the wrapped app still reads the whole body
    (entry,) = journal.entries()
    assert entry["method"] == "POST"
    assert entry["headers"]["X-Amz-Target"] == "DynamoDB_20120810.PutItem"


def test_failed_writes_and_reads_are_not_journaled(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    _call(journal.wrap, "POST", "400 Bad Request", target="DynamoDB_20120810.PutItem")
    _call(journal.wrap, "POST", "200 OK", target="DynamoDB_20120810.Query")
    _call(journal.wrap, "GET", "200 OK")
    assert journal.entries() == []


def test_a_torn_last_line_is_dropped_and_rewrite_is_clean(tmp_path):
    path = tmp_path / "j.jsonl"
    good = {"method": "PUT", "path": "/b", "headers": {}, "body": ""}
    path.write_text(json.dumps(good) + "\n" + '{"method": "PU', "utf-8")
    journal = Journal(path)
    assert journal.entries() == [good]
    journal.rewrite(journal.entries())
    assert path.read_text("utf-8") == json.dumps(good) + "\n"

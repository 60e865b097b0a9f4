"""The local stack's write-through journal: what it keeps, and how it survives a torn write."""

from __future__ import annotations

import base64
import io
import json

import pytest

from infrastructure.local.journal import Journal, compacted, is_mutating

FORM = "application/x-www-form-urlencoded; charset=utf-8"


@pytest.mark.parametrize(
    ("method", "target", "content_type", "body", "expected"),
    [
        # DynamoDB keeps its own data (the item store); stream reads change nothing.
        ("POST", "DynamoDB_20120810.TransactWriteItems", None, b"{}", False),
        ("POST", "DynamoDB_20120810.Query", None, b"{}", False),
        ("POST", "DynamoDBStreams_20120810.GetRecords", None, b"{}", False),
        ("POST", "DynamoDBStreams_20120810.DescribeStream", None, b"{}", False),
        # Query protocol: the Action decides; sending is an effect, not state.
        ("POST", None, FORM, b"Action=VerifyDomainIdentity&Domain=town.example", True),
        ("POST", None, FORM, b"Action=DeleteIdentity&Identity=town.example", True),
        ("POST", None, FORM, b"Action=SendRawEmail&RawMessage.Data=eA%3D%3D", False),
        ("POST", None, FORM, b"Action=Publish&PhoneNumber=%2B7900&Message=hi", False),
        ("POST", None, FORM, b"Action=GetSendQuota", False),
        ("POST", None, FORM, b"Action=ListIdentities", False),
        # REST: the method decides.
        ("PUT", None, None, b"x", True),
        ("POST", None, "application/json", b"{}", True),
        ("DELETE", None, None, b"", True),
        ("GET", None, None, b"", False),
        ("HEAD", None, None, b"", False),
    ],
)
def test_only_state_changes_are_journaled(method, target, content_type, body, expected):
    assert is_mutating(method, target, content_type, body) is expected


def test_a_deleted_resource_leaves_no_entries_behind():
    def entry(method: str, path: str, body: dict | None = None) -> dict:
        raw = json.dumps(body).encode() if body is not None else b""
        return {
            "method": method,
            "path": path,
            "headers": {},
            "body": base64.b64encode(raw).decode(),
        }

    fired = entry("POST", "/schedules/card-1-first", {"GroupName": "deadlines"})
    other_group = entry("POST", "/schedules/card-1-first", {"GroupName": "other"})
    deleted = entry("DELETE", "/schedules/card-1-first?groupName=deadlines")
    kept = entry("POST", "/schedules/card-2-first", {"GroupName": "deadlines"})
    moved = entry("PUT", "/schedules/card-2-first", {"GroupName": "deadlines", "at": 1})
    moved_again = entry("PUT", "/schedules/card-2-first", {"GroupName": "deadlines", "at": 2})
    tagged = entry("PUT", "/civicdesk-attachments/cards/1/a.png?tagging")
    photo = entry("PUT", "/civicdesk-attachments/cards/1/a.png")
    replaced = entry("PUT", "/civicdesk-attachments/cards/1/a.png")
    removed = entry("DELETE", "/civicdesk-attachments/cards/1/a.png")
    again = entry("PUT", "/civicdesk-attachments/cards/1/a.png")
    entries = [fired, other_group, deleted, kept, moved, photo, moved_again, replaced, tagged]
    entries += [removed, again]
    assert compacted(entries) == [other_group, kept, moved_again, again]


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
    result, seen = _call(journal.wrap, "POST", "200 OK", b'{"a": 1}', "AWSEvents.PutRule")
    assert result == [b"ok"]
    assert seen == [b'{"a": 1}']  # the wrapped app still reads the whole body
    (entry,) = journal.entries()
    assert entry["method"] == "POST"
    assert entry["headers"]["X-Amz-Target"] == "AWSEvents.PutRule"


def test_failed_writes_and_reads_are_not_journaled(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    _call(journal.wrap, "POST", "400 Bad Request", target="DynamoDB_20120810.PutItem")
    _call(journal.wrap, "POST", "200 OK", target="DynamoDB_20120810.PutItem")  # the store's
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

"""The cards table's keys and indexes, defined once.

Imported by the DynamoDB adapter, the CDK stack (infrastructure/stack.py), the local stack and
the tests, so none of them can drift.

Item layout (single table):

====================  ================  ===========================================
pk                    sk                what
====================  ================  ===========================================
CARD#2026-000042      #CARD             the card (``queue_*`` set; ``due_*`` while watched)
CARD#2026-000042      LOG#00000003      history entry for version 3 (append-only)
NOTICE#2026-000042    <round>#<timer>…  a deadline notice claimed for sending (TTL)
BREACHES#2026-W47     <category>#<n>…   a missed deadline, for the weekly review (TTL)
COUNTER#2026          #COUNTER          per-year number counter (atomic ADD)
IDEMPOTENCY#<key>     #IDEMPOTENCY      remembered intake, expires after a day (TTL)
MAIL#<message-id>     #MAIL             a mail received or sent, and its card
LIMIT#<name>#<hash>   <window>#<slot>   uses of a rate limit per window (TTL)
CONTACT#<address>     #UNDELIVERABLE    a bounce said this address cannot receive mail
WORKLOAD#<staff id>   #WORKLOAD         open cards the person owns (ADD in card writes)
RULES                 #CURRENT          routing rules in force (zlib JSON) and version
RULES                 V#00000007        every saved version of the rules
OUTBOX#2026-000042    <message id>      a message to the requester and its delivery state
SURVEYS#2026          2026-000042       the requester's rating of a card (one per card)
ACCESSCODE#2026-0…42  #CODE             the card's one-time code (hash), tries, issue times (TTL)
TEMPLATE#<k>#<l>#<s>  #CURRENT, V#…     a message template edited by administrators, by version
====================  ================  ===========================================

Keying the card by its number puts card and history in one partition: the status page is a
single Query.

The ``due`` index is sparse: only cards whose deadlines need a look carry ``due_pk``/``due_sk``,
so the five-minute sweep reads the few cards that are due, not every open card. It keeps keys
only. One partition holds it: a town's card writes are far below a partition's 1,000 writes a
second; shard ``due_pk`` if that ever changes.

The ``due`` index also holds the outbox: queued messages carry ``due_pk`` = ``OUTBOX`` (sort
key: next attempt time and id), and messages no channel could take carry ``OUTBOX-FAILED``, so
the dispatcher and the administrators' list each read one small partition.

The ``caller`` index finds a phone's requests (the IVR recognises callers): keyed by a hash
of the phone's last ten digits, sorted by time; keys only, subtasks not in it.

The ``requester`` index finds a requester's latest card in a category (repeat requests): its
key is a hash of the requester's email or phone, never the address itself, and subtasks do not
carry it. It keeps keys only: the sort key holds the category, the time and the number.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

PARTITION_KEY = "pk"
SORT_KEY = "sk"
QUEUE_INDEX = "queue"
QUEUE_PARTITION_KEY = "queue_pk"
QUEUE_SORT_KEY = "queue_sk"
TTL_ATTRIBUTE = "expires_at"
DUE_INDEX = "due"
DUE_PARTITION_KEY = "due_pk"
DUE_SORT_KEY = "due_sk"
DUE_PARTITION = "DUE"
OUTBOX_DUE_PARTITION = "OUTBOX"
OUTBOX_FAILED_PARTITION = "OUTBOX-FAILED"
NOTICE_PREFIX = "NOTICE#"
REQUESTER_INDEX = "requester"
REQUESTER_PARTITION_KEY = "requester_pk"
REQUESTER_SORT_KEY = "requester_sk"
CALLER_INDEX = "caller"
CALLER_PARTITION_KEY = "caller_pk"
CALLER_SORT_KEY = "caller_sk"
# Sparse: open cards with a missed, unmet deadline (kept by the deadline check) ...
OVERDUE_INDEX = "overdue"
OVERDUE_PARTITION_KEY = "overdue_pk"
OVERDUE_SORT_KEY = "overdue_sk"
# ... and cards with a reply waiting for the manager (kept by every card write).
APPROVAL_INDEX = "approvals"
APPROVAL_PARTITION_KEY = "approval_pk"
APPROVAL_SORT_KEY = "approval_sk"
# Cards by place (geohash cell): open ones and recent closures, for "what is near here".
PLACE_INDEX = "place"
PLACE_PARTITION_KEY = "place_pk"
PLACE_SORT_KEY = "place_sk"
DESK_INDEX = "desk"
DESK_PARTITION_KEY = "desk_pk"
DESK_SORT_KEY = "desk_sk"
DESK_VIEW = "desk_view"  # the queue line of an open card: no description, no requester
DESK_DEADLINE = "desk_deadline"  # the nearest running deadline, kept by the deadline check

# Cards by topic and place (geohash cell, or normalised address without a point): the
# duplicate look-up. Open ones and recent closures, like the place index, one topic a key.
TWIN_INDEX = "twins"
TWIN_PARTITION_KEY = "twin_pk"
TWIN_SORT_KEY = "twin_sk"
TWIN_VIEW = "twin_view"  # topic, status, dates, place, word stems: nothing personal

# Public requests by the month they came (Open311's GET requests): what anyone may see only.
REQUESTED_INDEX = "requested"
REQUESTED_PARTITION_KEY = "requested_pk"
REQUESTED_SORT_KEY = "requested_sk"
REQUEST_VIEW = "request_view"

PLACE_VIEW = "place_view"  # the only attribute the index copies: nothing personal
OPEN_PLACE_PREFIX = "~OPEN#"  # sorts after every date: open cards pass any "since"
WORKLOAD_SK = "#WORKLOAD"
API_KEYS_PK = "APIKEYS"  # every API client's key (its hash) in one partition
RULES_PK = "RULES"
RULES_CURRENT_SK = "#CURRENT"

CARD_SK = "#CARD"
COUNTER_SK = "#COUNTER"
IDEMPOTENCY_SK = "#IDEMPOTENCY"
MAIL_SK = "#MAIL"
MAIL_PREFIX = "MAIL#"
RATE_LIMIT_PREFIX = "LIMIT#"
LOG_PREFIX = "LOG#"


CARD_PREFIX = "CARD#"
OUTBOX_PREFIX = "OUTBOX#"
CONTACT_PREFIX = "CONTACT#"


def card_pk(number: str) -> str:
    return f"{CARD_PREFIX}{number}"


def log_sk(seq: int) -> str:
    return f"{LOG_PREFIX}{seq:08d}"


def counter_pk(year: int) -> str:
    return f"COUNTER#{year}"


IDEMPOTENCY_PREFIX = "IDEMPOTENCY#"


def idempotency_pk(key: str) -> str:
    return f"{IDEMPOTENCY_PREFIX}{key}"


def notice_pk(number: str) -> str:
    return f"{NOTICE_PREFIX}{number}"


def breaches_pk(week: str) -> str:
    return f"BREACHES#{week}"


def workload_pk(staff_id: str) -> str:
    return f"WORKLOAD#{staff_id}"


def rules_version_sk(version: int) -> str:
    return f"V#{version:08d}"


def _utc_stamp(at: datetime) -> str:
    """UTC to the microsecond, fixed width: text order is time order in a sort key."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def time_of_sort_key(key: str) -> datetime:
    """The moment a ``due_sort_key`` starts with."""
    return datetime.strptime(key.split("#", 1)[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def requester_pk(contact_key: str) -> str:
    digest = hashlib.sha256(contact_key.encode("utf-8")).hexdigest()[:40]
    return f"REQUESTER#{digest}"


def requester_sort_key(category: str, created_at: datetime, number: str) -> str:
    return f"{category}#{_utc_stamp(created_at)}#{number}"


def caller_pk(phone_digits: str) -> str:
    """A hash of the phone's last ten digits: national and international forms match, and the
    index never holds the number itself."""
    digest = hashlib.sha256(phone_digits[-10:].encode("utf-8")).hexdigest()[:40]
    return f"CALLER#{digest}"


def caller_sort_key(created_at: datetime, number: str) -> str:
    return f"{_utc_stamp(created_at)}#{number}"


def place_pk(cell: str) -> str:
    return f"GEO#{cell}"


def place_sort_key(*, finished_at: datetime | None, created_at: datetime, number: str) -> str:
    """Open cards after every date; a finished one at the time it finished, so a Query for
    "since" reads open cards and those finished since, never the years of closures before."""
    if finished_at is None:
        return f"{OPEN_PLACE_PREFIX}{_utc_stamp(created_at)}#{number}"
    return f"{_utc_stamp(finished_at)}#{number}"


def place_since(at: datetime) -> str:
    return _utc_stamp(at)


def twin_cell_pk(category: str, cell: str) -> str:
    return f"TWIN#{category}#GEO#{cell}"


def twin_address_pk(category: str, address_key: str) -> str:
    digest = hashlib.sha256(address_key.encode("utf-8")).hexdigest()[:32]
    return f"TWIN#{category}#ADDRESS#{digest}"


def requested_pk(month: str) -> str:
    """``month``: ``2026-11`` (UTC)."""
    return f"REQUESTED#{month}"


def requested_sort_key(created_at: datetime, number: str) -> str:
    return f"{_utc_stamp(created_at)}#{number}"


def requested_bound(at: datetime) -> str:
    return _utc_stamp(at)


def updates_pk(day: str) -> str:
    """A day's public status changes (``day``: ``2026-11-30``, UTC): items of their own."""
    return f"UPDATES#{day}"


def update_sk(at: datetime, number: str, seq: int) -> str:
    return f"{_utc_stamp(at)}#{number}#{seq:08d}"


def desk_pk(department: str) -> str:
    return f"DESK#{department}"


def desk_sort_key(created_at: datetime, number: str) -> str:
    return f"{_utc_stamp(created_at)}#{number}"


def overdue_pk(department: str) -> str:
    return f"OVERDUE#{department}"


def approval_pk(department: str) -> str:
    return f"APPROVAL#{department}"


def due_sort_key(at: datetime, number: str) -> str:
    """``2026-11-22T10:00:00.000000Z#2026-000042``: UTC, so that text order is time order."""
    return f"{_utc_stamp(at)}#{number}"


def outbox_pk(number: str) -> str:
    return f"{OUTBOX_PREFIX}{number}"


def surveys_pk(year: int) -> str:
    return f"SURVEYS#{year}"


def access_code_pk(number: str) -> str:
    return f"ACCESSCODE#{number}"


ACCESS_CODE_SK = "#CODE"


def template_pk(kind: str, locale: str, scope: str) -> str:
    return f"TEMPLATE#{kind}#{locale}#{scope}"


TEMPLATE_CURRENT_SK = "#CURRENT"


def template_version_sk(version: int) -> str:
    return f"V#{version:08d}"


def mail_pk(message_id: str) -> str:
    return f"{MAIL_PREFIX}{message_id}"


def contact_pk(address: str) -> str:
    return f"{CONTACT_PREFIX}{address.lower()}"


UNDELIVERABLE_SK = "#UNDELIVERABLE"


def rate_limit_pk(limit: str, subject_digest: str) -> str:
    return f"{RATE_LIMIT_PREFIX}{limit}#{subject_digest}"


# The stream tells the outbox sender about new messages (it reads keys only; search indexing
# reads the new images).
STREAM_VIEW_TYPE = "NEW_IMAGE"

KEY_SCHEMA = [
    {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
    {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
]
ATTRIBUTE_DEFINITIONS = [
    {"AttributeName": name, "AttributeType": "S"}
    for name in (
        PARTITION_KEY,
        SORT_KEY,
        QUEUE_PARTITION_KEY,
        QUEUE_SORT_KEY,
        DUE_PARTITION_KEY,
        DUE_SORT_KEY,
        REQUESTER_PARTITION_KEY,
        REQUESTER_SORT_KEY,
        CALLER_PARTITION_KEY,
        CALLER_SORT_KEY,
        OVERDUE_PARTITION_KEY,
        OVERDUE_SORT_KEY,
        APPROVAL_PARTITION_KEY,
        APPROVAL_SORT_KEY,
        PLACE_PARTITION_KEY,
        PLACE_SORT_KEY,
        DESK_PARTITION_KEY,
        DESK_SORT_KEY,
        TWIN_PARTITION_KEY,
        TWIN_SORT_KEY,
        REQUESTED_PARTITION_KEY,
        REQUESTED_SORT_KEY,
    )
]
GLOBAL_SECONDARY_INDEXES: list[dict[str, Any]] = [
    {
        "IndexName": QUEUE_INDEX,
        "KeySchema": [
            {"AttributeName": QUEUE_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": QUEUE_SORT_KEY, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    },
    {
        "IndexName": DUE_INDEX,
        "KeySchema": [
            {"AttributeName": DUE_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": DUE_SORT_KEY, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    },
    {
        "IndexName": REQUESTER_INDEX,
        "KeySchema": [
            {"AttributeName": REQUESTER_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": REQUESTER_SORT_KEY, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    },
    {
        "IndexName": CALLER_INDEX,
        "KeySchema": [
            {"AttributeName": CALLER_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": CALLER_SORT_KEY, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    },
    # Both lists show card summaries: the whole card item, so one Query fills a page.
    {
        "IndexName": OVERDUE_INDEX,
        "KeySchema": [
            {"AttributeName": OVERDUE_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": OVERDUE_SORT_KEY, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    },
    {
        "IndexName": APPROVAL_INDEX,
        "KeySchema": [
            {"AttributeName": APPROVAL_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": APPROVAL_SORT_KEY, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    },
    # Public look-ups read this index: it holds a summary without personal data, not the card.
    {
        "IndexName": PLACE_INDEX,
        "KeySchema": [
            {"AttributeName": PLACE_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": PLACE_SORT_KEY, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": [PLACE_VIEW]},
    },
    # A department's open cards as queue lines: the line, its overdue mark and its deadline
    # only, so the queue table reads a few hundred bytes a card, not the card.
    {
        "IndexName": DESK_INDEX,
        "KeySchema": [
            {"AttributeName": DESK_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": DESK_SORT_KEY, "KeyType": "RANGE"},
        ],
        "Projection": {
            "ProjectionType": "INCLUDE",
            "NonKeyAttributes": [DESK_VIEW, DESK_DEADLINE, OVERDUE_SORT_KEY],
        },
    },
    # Likely duplicates: one topic's cards in one cell (or at one address), their line only.
    {
        "IndexName": TWIN_INDEX,
        "KeySchema": [
            {"AttributeName": TWIN_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": TWIN_SORT_KEY, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": [TWIN_VIEW]},
    },
    # Open311's request listing: a month's public lines (never a sensitive card or a subtask).
    {
        "IndexName": REQUESTED_INDEX,
        "KeySchema": [
            {"AttributeName": REQUESTED_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": REQUESTED_SORT_KEY, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": [REQUEST_VIEW]},
    },
]


def create_table_request(table_name: str) -> dict[str, Any]:
    """Arguments for ``dynamodb.create_table``: the local stack and tests build the table so."""
    return {
        "TableName": table_name,
        "KeySchema": KEY_SCHEMA,
        "AttributeDefinitions": ATTRIBUTE_DEFINITIONS,
        "GlobalSecondaryIndexes": GLOBAL_SECONDARY_INDEXES,
        "BillingMode": "PAY_PER_REQUEST",
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": STREAM_VIEW_TYPE},
    }

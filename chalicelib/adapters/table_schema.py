"""The cards table's keys and indexes, defined once.

Imported by the DynamoDB adapter, the CDK stack (infrastructure/stack.py), the local stack and
the tests, so none of them can drift.

Item layout (single table):

====================  ================  ===========================================
pk                    sk                what
====================  ================  ===========================================
CARD#2026-000042      #CARD             the card (``queue_pk``/``queue_sk`` set)
CARD#2026-000042      LOG#00000003      history entry for version 3 (append-only)
COUNTER#2026          #COUNTER          per-year number counter (atomic ADD)
IDEMPOTENCY#<key>     #IDEMPOTENCY      remembered intake, expires after a day (TTL)
MAIL#<message-id>     #MAIL             a mail received or sent, and its card
REPLYLIMIT#<address>  <window>#<slot>   auto-replies counted per window (TTL)
CONTACT#<address>     #UNDELIVERABLE    a bounce said this address cannot receive mail
====================  ================  ===========================================

Keying the card by its number puts card and history in one partition: the status page is a
single Query.
"""

from __future__ import annotations

from typing import Any

PARTITION_KEY = "pk"
SORT_KEY = "sk"
QUEUE_INDEX = "queue"
QUEUE_PARTITION_KEY = "queue_pk"
QUEUE_SORT_KEY = "queue_sk"
TTL_ATTRIBUTE = "expires_at"

CARD_SK = "#CARD"
COUNTER_SK = "#COUNTER"
IDEMPOTENCY_SK = "#IDEMPOTENCY"
MAIL_SK = "#MAIL"
MAIL_PREFIX = "MAIL#"
REPLY_LIMIT_PREFIX = "REPLYLIMIT#"
LOG_PREFIX = "LOG#"


def card_pk(number: str) -> str:
    return f"CARD#{number}"


def log_sk(seq: int) -> str:
    return f"{LOG_PREFIX}{seq:08d}"


def counter_pk(year: int) -> str:
    return f"COUNTER#{year}"


def idempotency_pk(key: str) -> str:
    return f"IDEMPOTENCY#{key}"


def mail_pk(message_id: str) -> str:
    return f"{MAIL_PREFIX}{message_id}"


def contact_pk(address: str) -> str:
    return f"CONTACT#{address.lower()}"


UNDELIVERABLE_SK = "#UNDELIVERABLE"


def reply_limit_pk(address: str) -> str:
    return f"{REPLY_LIMIT_PREFIX}{address.lower()}"


KEY_SCHEMA = [
    {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
    {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
]
ATTRIBUTE_DEFINITIONS = [
    {"AttributeName": name, "AttributeType": "S"}
    for name in (PARTITION_KEY, SORT_KEY, QUEUE_PARTITION_KEY, QUEUE_SORT_KEY)
]
GLOBAL_SECONDARY_INDEXES: list[dict[str, Any]] = [
    {
        "IndexName": QUEUE_INDEX,
        "KeySchema": [
            {"AttributeName": QUEUE_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": QUEUE_SORT_KEY, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }
]


def create_table_request(table_name: str) -> dict[str, Any]:
    """Arguments for ``dynamodb.create_table``: the local stack and tests build the table so."""
    return {
        "TableName": table_name,
        "KeySchema": KEY_SCHEMA,
        "AttributeDefinitions": ATTRIBUTE_DEFINITIONS,
        "GlobalSecondaryIndexes": GLOBAL_SECONDARY_INDEXES,
        "BillingMode": "PAY_PER_REQUEST",
    }

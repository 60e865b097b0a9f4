"""The first-response promise made at registration.

A plain elapsed-time policy by priority. The working-time SLA calendar (issue "Deadlines that
hold") replaces how these hours are counted; the promise's place on the card stays the same.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain.card import Priority

DEFAULT_FIRST_RESPONSE_HOURS: dict[Priority, int] = {
    Priority.URGENT: 4,
    Priority.HIGH: 24,
    Priority.NORMAL: 48,
    Priority.LOW: 72,
}


def first_response_due(
    received_at: datetime, priority: Priority, hours: dict[Priority, int] | None = None
) -> datetime:
    table = hours or DEFAULT_FIRST_RESPONSE_HOURS
    return received_at + timedelta(hours=table[priority])

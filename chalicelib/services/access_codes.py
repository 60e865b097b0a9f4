"""Opening a request by its number and a one-time code, for requesters who lost the link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain import access_codes
from chalicelib.domain.errors import NotFound
from chalicelib.domain.signed_links import LinkPurpose, sign
from chalicelib.observability import logger
from chalicelib.ports import AccessCodes, CardRepository, Clock, Outbox
from chalicelib.services.notifications import Notifier

# A code opens the status page for a day; the next visit asks for a new code.
ACCESS_FOR = timedelta(days=1)
WRONG_CODE = "the code is wrong or has expired; ask for a new one"


@dataclass(frozen=True)
class Access:
    token: str
    expires_at: datetime


def send_code(
    number: str,
    *,
    cards: CardRepository,
    codes: AccessCodes,
    outbox: Outbox,
    notify: Notifier,
    clock: Clock,
) -> None:
    """Send a fresh code to the contact the request was registered with. An unknown number,
    or a request without a contact, gets the same answer and nothing is sent."""
    try:
        card = cards.get(number)
    except NotFound:
        return
    if card.is_subtask:
        return
    now = clock.now()
    code = access_codes.new_code()
    record = access_codes.issue(codes.get(number), number, code, now=now)
    message = notify.access_code(card, code, serial=record.version, at=now)
    if message is None:
        logger.info("access code not sent: no contact")
        return
    codes.put(record)
    outbox.add(message)
    logger.info("access code sent", extra={"channel": message.destination.channel.value})


def open_with_code(
    number: str,
    code: str,
    *,
    cards: CardRepository,
    codes: AccessCodes,
    clock: Clock,
    link_secret: bytes,
) -> Access:
    """A status key for a day in exchange for the right code (used once)."""
    now = clock.now()
    right, changed = access_codes.redeem(codes.get(number), code, now=now)
    if changed is not None:
        codes.put(changed)
    if not right:
        raise NotFound(WRONG_CODE)
    card = cards.get(number)
    expires = now + ACCESS_FOR
    return Access(
        token=sign(link_secret, LinkPurpose.STATUS, card.number, expires), expires_at=expires
    )

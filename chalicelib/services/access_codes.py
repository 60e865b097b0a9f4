"""Opening a request by its number and a one-time code, for requesters who lost the link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain import access_codes
from chalicelib.domain.errors import NotFound, TooManyRequests, WrongAccessCode
from chalicelib.domain.rate_limits import Limits
from chalicelib.domain.signed_links import LinkPurpose, sign
from chalicelib.observability import logger
from chalicelib.ports import AccessCodes, CardRepository, Clock, Outbox, RateLimiter
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
    limiter: RateLimiter,
    limits: Limits,
) -> None:
    """Send a fresh code to the contact the request was registered with. An unknown number,
    or a request without a contact, gets the same answer and nothing is sent.

    Asking is limited per number before the number is looked up, so a known and an unknown
    number are refused alike; and per contact across all of its cards (numbers are
    sequential: trying them all must not reach one person more often), silently, since
    saying so would tell that the number exists."""
    now = clock.now()
    per_number = limiter.take(limits.codes_per_number, number, at=now)
    if not per_number.granted:
        wait = per_number.retry_after_seconds
        raise TooManyRequests(
            f"too many codes for this number; try again in {-(-wait // 60)} minutes",
            retry_after=wait,
        )
    try:
        card = cards.get(number)
    except NotFound:
        return
    contact = card.requester.contact_key
    if card.is_subtask or contact is None:
        return
    if not limiter.take(limits.codes_per_contact, contact, at=now).granted:
        logger.info("access code not sent: the contact's limit is used up")
        return
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
        raise WrongAccessCode(WRONG_CODE)
    card = cards.get(number)
    expires = now + ACCESS_FOR
    return Access(
        token=sign(link_secret, LinkPurpose.STATUS, card.number, expires), expires_at=expires
    )


@dataclass(frozen=True)
class CodeSender:
    """``send_code`` wired to its ports (built once by the container): the status page's
    "lost the link?" and the phone line send codes alike."""

    cards: CardRepository
    codes: AccessCodes
    outbox: Outbox
    notify: Notifier
    clock: Clock
    limiter: RateLimiter
    limits: Limits

    def send(self, number: str) -> None:
        send_code(
            number,
            cards=self.cards,
            codes=self.codes,
            outbox=self.outbox,
            notify=self.notify,
            clock=self.clock,
            limiter=self.limiter,
            limits=self.limits,
        )

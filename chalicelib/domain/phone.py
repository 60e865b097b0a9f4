"""The phone channel's own rules: numbers keyed on a keypad, numbers read out by a voice,
and who may hear a request's status over the phone."""

from __future__ import annotations

from chalicelib.domain.card import Card, Status, format_card_number

# A sequence alone (up to six digits) means this year's request; ten or more digits are the
# whole number, year first, as printed (2026-000042 keyed as 2026000042).
MAX_SHORT = 6

STATUS_SPOKEN = {
    "en": {
        Status.RECEIVED: "registered and waiting to be taken into work",
        Status.IN_PROGRESS: "in progress",
        Status.NEEDS_CLARIFICATION: "waiting for more information from you",
        Status.AWAITING_REQUESTER: "waiting for your reply",
        Status.RESOLVED: "resolved",
        Status.CLOSED: "closed",
    },
    "ru": {
        Status.RECEIVED: "зарегистрировано и ждёт исполнителя",
        Status.IN_PROGRESS: "в работе",
        Status.NEEDS_CLARIFICATION: "ждёт от вас уточнений",
        Status.AWAITING_REQUESTER: "ждёт вашего ответа",
        Status.RESOLVED: "решено",
        Status.CLOSED: "закрыто",
    },
}


def digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def keyed_number(keyed: str, *, year: int) -> str | None:
    """The card number a caller keyed, or None when the keys cannot be one."""
    pressed = digits(keyed)
    if 1 <= len(pressed) <= MAX_SHORT and int(pressed) > 0:
        return format_card_number(year, int(pressed))
    if len(pressed) >= 10 and int(pressed[4:]) > 0:
        return format_card_number(int(pressed[:4]), int(pressed[4:]))
    return None


def spoken_number(number: str, locale: str) -> str:
    """``2026-000042`` as a voice should say it: the short number and the year."""
    year, sequence = number.split("-", 1)
    if locale == "ru":
        return f"номер {int(sequence)} за {year} год"
    return f"number {int(sequence)} of {year}"


def same_caller(card: Card, caller: str) -> bool:
    """The call comes from the phone the request was registered with (national and
    international forms of one number match by their last ten digits)."""
    theirs, calling = digits(card.requester.phone or ""), digits(caller)
    return len(theirs) >= 7 and theirs[-10:] == calling[-10:]

"""The phone channel's own rules: numbers keyed on a keypad, numbers read out by a voice,
who may hear a request's status over the phone, and the channel's configuration (IVR topic
keys, operators' call scripts) with its validation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.card import Card, Status, format_card_number
from chalicelib.domain.directory import CategoryTree
from chalicelib.domain.errors import FieldProblem, ValidationFailed

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


@dataclass(frozen=True)
class PhoneConfig:
    # A key pressed in the IVR menu → the category of the card it makes.
    ivr_topics: dict[str, str]
    # Top category (or "default") → locale → questions an operator asks.
    call_scripts: dict[str, dict[str, list[str]]]

    def script(self, category: str, locale: str) -> list[str]:
        top = category.split(".", 1)[0]
        chosen = self.call_scripts.get(top) or self.call_scripts["default"]
        default = self.call_scripts["default"]
        return [
            *(default.get(locale) or default["en"]),
            *((chosen.get(locale) or chosen["en"]) if chosen is not default else []),
        ]


def phone_config(document: dict[str, Any], tree: CategoryTree) -> PhoneConfig:
    problems = []
    topics = document.get("ivr_topics") or {}
    for key, category in topics.items():
        if not (isinstance(key, str) and key.isdigit() and len(key) == 1):
            problems.append(FieldProblem(f"ivr_topics.{key}", "a topic key is one digit"))
        if category not in tree:
            problems.append(FieldProblem(f"ivr_topics.{key}", f"unknown category {category!r}"))
    scripts = document.get("call_scripts") or {}
    if "en" not in (scripts.get("default") or {}):
        problems.append(FieldProblem("call_scripts.default.en", "the default script is required"))
    if problems:
        raise ValidationFailed(problems)
    return PhoneConfig(ivr_topics=dict(topics), call_scripts=dict(scripts))

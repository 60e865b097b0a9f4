"""What the requester is told, and from which facts: notification kinds, the variables a
template may use, and the channels a message goes by.

The context of a requester's message is built here from the card's public fields only, so a
template cannot reach an internal note, a staff member's name or another person's data: such
variables do not exist in the context, and a template naming one is refused when saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from chalicelib.domain.card import Card, ContactChannel, Status
from chalicelib.domain.history import Action, HistoryEntry, MessageAuthor
from chalicelib.domain.outbox import DeliveryChannel, Destination
from chalicelib.domain.replies import redact

# What a message repeats of the requester's own words. Anyone can put anything in a form and
# any address on it: a message must not carry a stranger's advert or link to that address.
SUMMARY_LENGTH = 80
NAME_LENGTH = 40
_LINK = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+"
    r"|\b(?:[\w-]+\.)+(?:com|net|org|info|biz|io|co|me|ly|gl|to|cc|tk|xyz|top|site|online"
    r"|club|shop|app|dev|link|click|ru|su|рф|ua|by|kz|de|uk|us|eu|example)\b(?:/\S*)?",
    re.IGNORECASE,
)


class NotificationKind(StrEnum):
    RECEIPT = "receipt"
    CLARIFICATION = "clarification"
    RESUMED = "resumed"
    STATUS_CHANGE = "status_change"
    REPLY = "reply"
    FINAL_REPLY = "final_reply"
    REFUSAL = "refusal"
    SURVEY = "survey"
    ACCESS_CODE = "access_code"
    # The answer to a mail that made a card, in the sender's thread.
    MAIL_RECEIPT = "mail_receipt"
    # The question is still open and its reply-by date near.
    REPLY_REMINDER = "reply_reminder"
    # The reply-by date passed: the town goes on without the answer.
    NO_ANSWER = "no_answer"
    # Duplicates: the request joined another one about the same problem, and was split off
    # again; to a follower: they follow now, and how a request they follow moves on.
    MERGED = "merged"
    SPLIT = "split"
    FOLLOWING = "following"
    FOLLOWER_UPDATE = "follower_update"


class StaffNoticeKind(StrEnum):
    """Mail to staff; staff may read internal facts, so these have their own variables."""

    DEADLINE_NOTICE = "deadline_notice"
    STAFF_ATTENTION = "staff_attention"
    REQUESTER_REPLIED = "requester_replied"
    REPEATED_BREACHES = "repeated_breaches"


class Audience(StrEnum):
    REQUESTER = "requester"
    STAFF = "staff"


# Every variable a requester's template may use, with what it holds (shown to administrators).
PUBLIC_VARIABLES: dict[str, str] = {
    "full_name": "the requester's name as they gave it, shortened to 40 characters, without links "
    "or contacts (empty when they gave none)",
    "number": "the card number, e.g. 2026-000042",
    "summary": "the request's subject, shortened to 80 characters, without links or contacts",
    "registered_on": "registration date and time (town time)",
    "response_deadline": "when the first answer is due",
    "responsible_unit": "the department working on the request",
    "contact": "where to ask for clarification (the department's phone and email)",
    "status": "the status code (received, in_progress, ...)",
    "question": "what is missing (clarification requests)",
    "reply_by": "while we wait for the requester: the date to answer by (town time), or empty",
    "objection_until": "a resolution: the date until which the requester may object (town "
    "time), or empty",
    "objection_url": "a resolution: the signed link to say it is not solved",
    "message": "the town's text for this message (reply, resolution, refusal reason)",
    "next_step": "what happens next",
    "next_step_deadline": "when the next step is due (town time), or empty",
    "final": "true when the message closes the request",
    "status_url": "the private link to the status page",
    "survey_url": "the signed link to rate the service (surveys)",
    "code": "the one-time code that opens the status page (access code messages)",
    "town_name": "the town's name",
    "main_number": "a merged request: the number of the request it joined",
    "main_url": "a merged request: the public page of the request it joined",
    "topic": "the request's topic in the message's language",
    "public_url": "the request's public page (what anyone may see: topic, place, status)",
    "unfollow_url": "to a follower: the signed link that stops their messages",
}

# Known to the system but never allowed in a requester's template: refused with this reason.
INTERNAL_VARIABLES: dict[str, str] = {
    "executor_name": "staff names stay inside the town hall",
    "executor_email": "staff addresses stay inside the town hall",
    "staff": "staff names stay inside the town hall",
    "internal_note": "internal notes never leave the system",
    "internal_notes": "internal notes never leave the system",
    "history": "the history holds internal entries",
    "card": "the whole card holds internal fields",
    "requester_email": "contact details are not repeated in messages",
    "requester_phone": "contact details are not repeated in messages",
    "department_id": "use responsible_unit",
    "routing": "routing is internal",
    "subtasks": "interdepartmental work is internal",
}


# What previews and the save-time trial render fill templates with.
SAMPLE_VALUES: dict[str, object] = {
    "full_name": "Anna Ivanova",
    "number": "2026-000042",
    "summary": "Pothole on Lenina street by the bus stop",
    "registered_on": "23.11.2026 09:15",
    "response_deadline": "25.11.2026 09:15",
    "responsible_unit": "Road Service",
    "contact": "+7 495 100-00-11, roads@town.example",
    "status": "in_progress",
    "question": "Which entrance is it?",
    "reply_by": "30.11.2026 18:00",
    "objection_until": "14.12.2026 17:00",
    "objection_url": "https://requests.town.example/status.html?n=2026-000042&objection=1#t=s1.1.x",
    "message": "The crew patched the pothole with asphalt.",
    "next_step": "The crew checks the patch after the rain",
    "next_step_deadline": "30.11.2026 18:00",
    "final": False,
    "status_url": "https://requests.town.example/status.html?n=2026-000042#t=s1.1798761600.x",
    "survey_url": "https://requests.town.example/status.html?n=2026-000042&survey=1#t=s1.1.x",
    "town_name": "Town Hall",
    "code": "428163",
    "main_number": "2026-000040",
    "main_url": "https://requests.town.example/r/2026-000040",
    "topic": "Roads › Potholes",
    "public_url": "https://requests.town.example/r/2026-000042",
    "unfollow_url": "https://requests.town.example/unfollow.html?n=2026-000042&f=1#t=s1.1.x",
}


@dataclass(frozen=True)
class UnitContact:
    """The department as the requester may reach it."""

    name: str
    phone: str | None
    email: str | None

    def line(self) -> str:
        return ", ".join(part for part in (self.phone, self.email) if part) or self.name


@dataclass(frozen=True)
class Occasion:
    """Why a message is written and what it says beyond the card's own fields."""

    kind: NotificationKind
    message: str | None = None
    next_step: str | None = None
    next_step_due: datetime | None = None
    final: bool = False
    code: str | None = None
    # The reply-by date a message speaks of when the card no longer carries it (no answer).
    reply_by: datetime | None = None
    # A merge: the request the card joined.
    main_number: str | None = None


def destinations(card: Card) -> tuple[Destination, ...]:
    """The requester's preferred channel first, the other as fallback. A phone preference
    (call me back) is served by SMS: a notification cannot wait for a call."""
    requester = card.requester
    return reach(requester.email, requester.phone, requester.preferred_channel)


def reach(
    email: str | None, phone: str | None, preferred: ContactChannel
) -> tuple[Destination, ...]:
    by_mail = Destination(channel=DeliveryChannel.EMAIL, address=email) if email else None
    by_sms = Destination(channel=DeliveryChannel.SMS, address=phone) if phone else None
    ordered = (by_sms, by_mail) if preferred != ContactChannel.EMAIL else (by_mail, by_sms)
    return tuple(d for d in ordered if d is not None)


def occasion_for(before: Card, after: Card, entry: HistoryEntry) -> Occasion | None:
    """The requester's notice a card change warrants, if any. Internal changes (assignment,
    notes, flags, subtasks) warrant none; replies are written by staff and sent explicitly."""
    if after.is_subtask:
        return None  # the requester follows the parent card only
    if entry.action == Action.CREATED:
        return Occasion(NotificationKind.RECEIPT)
    if entry.action == Action.MERGED and after.merged_into:
        return Occasion(NotificationKind.MERGED, main_number=after.merged_into.into)
    if entry.action == Action.SPLIT:
        return Occasion(NotificationKind.SPLIT)
    status = entry.status_after
    if status is None:
        return None
    if any(change.field == "no_answer_at" for change in entry.changes):
        return Occasion(NotificationKind.NO_ANSWER, reply_by=before.reply_by)
    if status == Status.NEEDS_CLARIFICATION:
        return Occasion(NotificationKind.CLARIFICATION, message=after.open_question)
    if before.status.waits_for_requester and not status.is_final:
        return Occasion(NotificationKind.RESUMED)
    if status == Status.RESOLVED:
        return Occasion(NotificationKind.FINAL_REPLY, message=after.resolution, final=True)
    if status == Status.CLOSED and before.status == Status.RESOLVED:
        return Occasion(NotificationKind.SURVEY, final=True)
    if status == Status.CLOSED:
        return Occasion(NotificationKind.STATUS_CHANGE, message=after.closure_reason, final=True)
    message = entry.public_message
    # The requester's own words (an objection that reopened the card) are not echoed back.
    text = message.text if message and message.author == MessageAuthor.TOWN else None
    return Occasion(NotificationKind.STATUS_CHANGE, message=text)


def context(
    card: Card,
    occasion: Occasion,
    *,
    unit: UnitContact,
    tz: tzinfo,
    status_url: str,
    town_name: str,
    survey_url: str | None = None,
    objection_url: str | None = None,
    topic: str = "",
    public_url: str = "",
    main_url: str = "",
    unfollow_url: str = "",
) -> dict[str, object]:
    """The variables of a requester's message: the card's public facts and the occasion."""
    reply_by = occasion.reply_by or card.reply_by
    values: dict[str, object] = {
        "full_name": echoed(card.requester.greeting_name, NAME_LENGTH),
        "number": card.number,
        "summary": echoed(card.subject, SUMMARY_LENGTH),
        "registered_on": _local(card.created_at, tz),
        "response_deadline": _local(card.first_response_due, tz),
        "responsible_unit": unit.name,
        "contact": unit.line(),
        "status": card.status.value,
        "question": card.open_question or "",
        "reply_by": _local(reply_by, tz) if reply_by else "",
        "objection_until": _local(card.objection_until, tz) if card.objection_until else "",
        "objection_url": objection_url or "",
        "message": occasion.message or "",
        "next_step": occasion.next_step or "",
        "next_step_deadline": _local(occasion.next_step_due, tz) if occasion.next_step_due else "",
        "final": occasion.final,
        "status_url": status_url,
        "survey_url": survey_url or "",
        "town_name": town_name,
        "code": occasion.code or "",
        "main_number": occasion.main_number or "",
        "main_url": main_url,
        "topic": topic,
        "public_url": public_url,
        "unfollow_url": unfollow_url,
    }
    if occasion.kind in FOLLOWER_KINDS:
        # A follower is not the requester: nothing the requester wrote or was asked, and no
        # private link, whatever a town's edited template asks for.
        values |= dict.fromkeys(_REQUESTERS_OWN, "") | {"status_url": public_url}
    return values


FOLLOWER_KINDS = frozenset({NotificationKind.FOLLOWING, NotificationKind.FOLLOWER_UPDATE})
_REQUESTERS_OWN = (
    "full_name",
    "summary",
    "question",
    "reply_by",
    "objection_until",
    "objection_url",
    "message",
    "next_step",
    "next_step_deadline",
    "survey_url",
    "code",
)


# The changes a follower hears of: the request taken up, solved, closed or reopened (never
# questions, replies or reminders: those speak to the requester).
FOLLOWED_STATUSES = frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED})


def follower_hears(card: Card, entry: HistoryEntry) -> bool:
    status = entry.status_after
    if status is None or card.is_subtask or entry.action in (Action.MERGED, Action.SPLIT):
        return False
    return status in FOLLOWED_STATUSES or entry.action == Action.REOPENED


def echoed(text: str, most: int) -> str:
    """Requester-written ``text`` as a message repeats it: one line, without links, mail
    addresses or phone numbers, at most ``most`` characters."""
    line = " ".join(_LINK.sub("…", redact(text, "…")).split())
    return line if len(line) <= most else line[: most - 1] + "…"


def _local(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")


# GSM 03.38 basic characters: texts made only of these go 160 to a segment; others (Cyrillic)
# are sent as UCS-2, 70 to a segment. Concatenated segments lose room to the joining header.
_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def sms_segments(text: str) -> int:
    """How many SMS segments ``text`` costs (each is billed)."""
    single, joined = (160, 153) if set(text) <= _GSM7 else (70, 67)
    if len(text) <= single:
        return 1
    return -(-len(text) // joined)


_CARD_FOR_STAFF = {
    "number": "the card number",
    "subject": "the card's subject ('—' on sensitive cards)",
    "category": "the category, in the notice's language",
    "department": "the department's name",
    "status": "the status code",
    "town_name": "the town's name",
}
STAFF_VARIABLES: dict[str, dict[str, str]] = {
    StaffNoticeKind.DEADLINE_NOTICE: {
        **_CARD_FOR_STAFF,
        "recipient_name": "the colleague the notice is for",
        "step": "reminder, breached or escalated",
        "timer_label": "which deadline (first reply, decision, ...)",
        "due": "when it is (was) due",
        "percent_used": "how much of the time is used",
        "priority": "the card's priority",
    },
    StaffNoticeKind.STAFF_ATTENTION: {
        **_CARD_FOR_STAFF,
        "recipient_name": "the colleague the notice is for",
        "kind": "mention or ping_pong",
        "by": "who mentioned them",
        "transfers": "how often the card moved between departments",
    },
    StaffNoticeKind.REQUESTER_REPLIED: {
        **_CARD_FOR_STAFF,
        "executor_name": "the card's owner",
        "reopened": "true when the reply reopened the card",
    },
    StaffNoticeKind.REPEATED_BREACHES: {
        "recipient_name": "the controller the review is for",
        "week": "the ISO week, e.g. 2026-W47",
        "groups": "categories with repeated misses: label, count, numbers",
        "town_name": "the town's name",
    },
}
_STAFF_SAMPLES: dict[str, object] = {
    "number": "2026-000042",
    "subject": "Pothole on Lenina street",
    "category": "Roads › Potholes",
    "department": "Road Service",
    "status": "in_progress",
    "town_name": "Town Hall",
    "recipient_name": "Ivan Sokolov",
    "step": "reminder",
    "timer_label": "first reply",
    "due": "25.11.2026 09:15",
    "percent_used": 80,
    "priority": "normal",
    "kind": "mention",
    "by": "Olga Petrova",
    "transfers": 4,
    "executor_name": "Ivan Sokolov",
    "reopened": False,
    "week": "2026-W47",
    "groups": [{"label": "Roads › Potholes", "count": 3, "numbers": ["2026-000042"]}],
}


@dataclass(frozen=True)
class TemplateSpec:
    """What a kind of template may use and must contain."""

    audience: Audience
    variables: dict[str, str]
    internal: dict[str, str]
    blocks: tuple[str, ...]
    samples: dict[str, object]


REQUESTER_BLOCKS = ("subject", "text", "html", "sms")
STAFF_BLOCKS = ("subject", "text", "html")
TEMPLATE_KINDS: dict[str, TemplateSpec] = {
    **{
        kind.value: TemplateSpec(
            Audience.REQUESTER,
            PUBLIC_VARIABLES,
            INTERNAL_VARIABLES,
            REQUESTER_BLOCKS,
            SAMPLE_VALUES,
        )
        for kind in NotificationKind
    },
    **{
        kind.value: TemplateSpec(
            Audience.STAFF,
            STAFF_VARIABLES[kind],
            {},
            STAFF_BLOCKS,
            {k: _STAFF_SAMPLES[k] for k in STAFF_VARIABLES[kind]},
        )
        for kind in StaffNoticeKind
    },
}

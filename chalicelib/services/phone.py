"""The phone channel: what the town's IVR asks CivicDesk during a call (Amazon Connect invokes
the handler at each step). Every answer is a flat map of short strings, as a contact flow reads
``$.External.*``; numbers come ready to be read out."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from chalicelib.domain import access_codes, lifecycle
from chalicelib.domain.card import Channel, Status
from chalicelib.domain.errors import (
    ConflictError,
    NotFound,
    TooManyRequests,
    TransitionForbidden,
)
from chalicelib.domain.history import REQUESTER, SYSTEM
from chalicelib.domain.phone import (
    STATUS_SPOKEN,
    PhoneConfig,
    keyed_number,
    same_caller,
    spoken_number,
)
from chalicelib.observability import logger
from chalicelib.ports import AccessCodes, CardRepository, Clock, Directory
from chalicelib.services.access_codes import CodeSender
from chalicelib.services.commands import CardCreate
from chalicelib.services.intake import Intake
from chalicelib.services.notifications import Notifier

Answer = dict[str, str]
# The same contact never makes two cards: Connect retries a step that timed out.
CONTACT_KEY_PREFIX = "connect:"
KNOWN_LIMIT = 5
# The requester's name on a card when the IVR does not know the caller.
UNKNOWN_CALLER = {"en": "Phone caller", "ru": "Звонок"}  # staff's word for a caller unnamed
BY_PHONE = {"en": "phone", "ru": "звонок"}
VOICEMAIL = {
    "en": "Voicemail: the recording follows.",
    "ru": "Голосовое сообщение: запись ниже.",
}
DESCRIPTION_MAX = 5000


@dataclass(frozen=True)
class Call:
    """One contact-flow step: who is calling, in which language, and what the flow asks."""

    contact_id: str
    phone: str
    locale: str


@dataclass(frozen=True)
class PhonePorts:
    cards: CardRepository
    codes: AccessCodes
    directory: Directory
    clock: Clock
    notify: Notifier
    intake: Intake  # a call's card is made like every other channel's
    codes_sent: CodeSender


@dataclass(frozen=True)
class PhonePolicy:
    config: PhoneConfig
    timezone: ZoneInfo


def lookup_caller(call: Call, *, ports: PhonePorts) -> Answer:
    """Whether this phone has requests, and the latest one's number and status (the caller's
    own: the number was registered with this phone)."""
    prior = ports.cards.from_phone(call.phone, limit=KNOWN_LIMIT)
    if not prior:
        return {"result": "unknown"}
    latest = ports.cards.get(prior[0].number)
    return {
        "result": "known",
        "requests": str(len(prior)) if len(prior) < KNOWN_LIMIT else f"{KNOWN_LIMIT}+",
        "latest_number": latest.number,
        "latest_number_spoken": spoken_number(latest.number, call.locale),
        "latest_status": latest.status.value,
        "latest_status_spoken": _status_spoken(latest.status, call.locale),
    }


def status_by_number(
    call: Call, keyed: str, code: str, *, ports: PhonePorts, policy: PhonePolicy
) -> Answer:
    """The status of a keyed request, for the phone it was registered with, or with the
    one-time code sent to its contact. Any other caller learns nothing, not even whether the
    number exists ("verify", then "not_found" after a wrong code)."""
    now = ports.clock.now()
    number = keyed_number(keyed, year=now.astimezone(policy.timezone).year)
    if number is None:
        return {"result": "invalid_number"}
    try:
        card = ports.cards.get(number)
    except NotFound:
        # The same answers as for a request of another phone: trying numbers tells nothing.
        return {"result": "not_found"} if code else {"result": "verify", "number": number}
    if not same_caller(card, call.phone):
        if not code:
            return {"result": "verify", "number": number}
        right, changed = access_codes.redeem(ports.codes.get(number), code, now=now)
        if changed is not None:
            ports.codes.put(changed)
        if not right:
            return {"result": "not_found"}
    answer = {
        "result": "ok",
        "number": card.number,
        "number_spoken": spoken_number(card.number, call.locale),
        "status": card.status.value,
        "status_spoken": _status_spoken(card.status, call.locale),
    }
    if not card.status.is_final:
        local = card.first_response_due.astimezone(policy.timezone)
        answer["first_response_due"] = local.strftime("%d.%m.%Y %H:%M")
    return answer


def send_code(call: Call, keyed: str, *, ports: PhonePorts, policy: PhonePolicy) -> Answer:
    """A code to the request's own contact (never to the calling phone); the same answer
    whether or not the number exists."""
    number = keyed_number(keyed, year=ports.clock.now().astimezone(policy.timezone).year)
    if number is None:
        return {"result": "invalid_number"}
    try:
        ports.codes_sent.send(number)
    except TooManyRequests:
        # Known and unknown numbers alike; the flow hands the caller to an operator.
        return {"result": "limited"}
    return {"result": "sent"}


def create_card(
    call: Call, topic: str, description: str, *, ports: PhonePorts, policy: PhonePolicy
) -> Answer:
    """A card from the caller's menu choice and their words (a transcript, or a placeholder
    until the recording arrives), confirmed by SMS. A retried step returns the same card."""
    category = policy.config.ivr_topics.get(topic.strip())
    if category is None:
        return {"result": "invalid_topic", "topics": ",".join(sorted(policy.config.ivr_topics))}
    label = ports.directory.categories().label(category, call.locale)
    words = " ".join(description.split())[:DESCRIPTION_MAX]
    known = _known_name(call, ports)
    name = known or UNKNOWN_CALLER.get(call.locale, UNKNOWN_CALLER["en"])
    try:
        form = _ivr_form(call, category, label, words, name)
    except ValidationError as invalid:
        # Field names only: the values are the caller's (an odd number, their words).
        fields = ",".join(".".join(str(p) for p in e["loc"]) for e in invalid.errors())
        return {"result": "invalid", "problem": f"cannot make a card: {fields}"}
    return _created(call, form, ports, name_known=known is not None)


def _ivr_form(call: Call, category: str, label: str, words: str, name: str) -> CardCreate:
    return CardCreate.model_validate(
        {
            "subject": f"{label} ({BY_PHONE.get(call.locale, BY_PHONE['en'])})"[:200],
            "description": words
            if len(words) >= 3
            else VOICEMAIL.get(call.locale, VOICEMAIL["en"]),
            "category": category,
            "requester": {
                "full_name": name,
                "phone": call.phone,
                "preferred_channel": "sms",
                "locale": call.locale,
            },
        }
    )


def _created(call: Call, form: CardCreate, ports: PhonePorts, *, name_known: bool) -> Answer:
    key = f"{CONTACT_KEY_PREFIX}{call.contact_id}"
    receipt = ports.intake.submit(form, key=key, channel=Channel.PHONE, name_known=name_known)
    number = receipt.card.number
    return {
        "result": "created",
        "number": number,
        "number_digits": number.replace("-", ""),
        "number_spoken": spoken_number(number, call.locale),
    }


def attach_words(call: Call, transcript: str, recording: str, *, ports: PhonePorts) -> Answer:
    """Add what arrived after the call (Connect's transcript, or where the recording is kept)
    to the card the call made, found by its ContactId; a repeated delivery adds nothing."""
    record = ports.cards.find_idempotent(f"{CONTACT_KEY_PREFIX}{call.contact_id}")
    if record is None or record.card_number is None:  # none, or still being registered
        return {"result": "not_found"}
    card, history = ports.cards.get_with_history(record.card_number)
    now = ports.clock.now()
    words = " ".join(transcript.split())[:DESCRIPTION_MAX]
    if words and len(words) >= 3:
        said = {e.public_message.text for e in history if e.public_message}
        if words in said:
            return {"result": "attached", "number": card.number}
        try:
            change = lifecycle.requester_message(card, words, actor=REQUESTER, at=now)
        except TransitionForbidden:
            return {"result": "closed", "number": card.number}
    elif recording.strip():
        note = f"Call recording: {recording.strip()[:500]}"
        if any(e.internal_note and e.internal_note.text == note for e in history):
            return {"result": "attached", "number": card.number}
        change = lifecycle.comment(card, note, public=False, actor=SYSTEM, at=now)
    else:
        return {"result": "invalid", "problem": "transcript or recording is required"}
    try:
        ports.cards.save(change.card, change.entry)
    except ConflictError:
        logger.info("ivr attach raced a change; Connect's retry will add it")
        return {"result": "retry"}
    return {"result": "attached", "number": card.number}


def _known_name(call: Call, ports: PhonePorts) -> str | None:
    """The name this phone gave on its latest request: a caller the town knows is not
    "Phone caller" on the card."""
    prior = ports.cards.from_phone(call.phone, limit=1)
    if not prior:
        return None
    name = ports.cards.get(prior[0].number).requester.full_name
    return None if name in UNKNOWN_CALLER.values() else name


def _status_spoken(status: Status, locale: str) -> str:
    return STATUS_SPOKEN.get(locale, STATUS_SPOKEN["en"])[status]


@dataclass(frozen=True)
class Phone:
    """The IVR's steps wired to their ports (built once by the container)."""

    ports: PhonePorts
    policy: PhonePolicy

    def lookup_caller(self, call: Call) -> Answer:
        return lookup_caller(call, ports=self.ports)

    def status(self, call: Call, keyed: str, code: str) -> Answer:
        return status_by_number(call, keyed, code, ports=self.ports, policy=self.policy)

    def send_code(self, call: Call, keyed: str) -> Answer:
        return send_code(call, keyed, ports=self.ports, policy=self.policy)

    def create(self, call: Call, topic: str, description: str) -> Answer:
        return create_card(call, topic, description, ports=self.ports, policy=self.policy)

    def attach(self, call: Call, transcript: str, recording: str) -> Answer:
        return attach_words(call, transcript, recording, ports=self.ports)

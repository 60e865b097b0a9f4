"""Composing the mail the system writes itself: registration receipts (RFC 3834 headers) and
notices to staff."""

from __future__ import annotations

import uuid
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from chalicelib import templating
from chalicelib.domain.attention import AttentionNotice
from chalicelib.domain.card import Card
from chalicelib.domain.directory import StaffMember
from chalicelib.domain.inbound_mail import InboundMail
from chalicelib.domain.notifications import NotificationKind
from chalicelib.domain.outbox import (
    DeliveryChannel,
    Destination,
    EmailContent,
    OutboxMessage,
    message_id,
)
from chalicelib.domain.sla import TimerKind
from chalicelib.domain.sla_notices import Notice
from chalicelib.ports import Directory, OutgoingMail
from chalicelib.services.policies import MailPolicy


def new_message_id(policy: MailPolicy) -> str:
    return f"<{uuid.uuid4().hex}@{policy.mail_domain}>"


def staff_notice(
    card: Card, executor: StaffMember, *, reopened: bool, policy: MailPolicy, now: datetime
) -> OutgoingMail:
    """Tell the executor that the requester wrote; the text itself stays in the card."""
    subject, text, html = templating.render(
        "requester_replied",
        policy.default_locale,
        number=card.number,
        subject=card.subject,
        executor_name=executor.name,
        status=card.status.value,
        reopened=reopened,
        town_name=policy.town_name,
    )
    return compose(
        subject, text, html, executor.email, locale=policy.default_locale, policy=policy, now=now
    )


TIMER_LABELS = {
    "en": {
        TimerKind.REGISTRATION: "registration",
        TimerKind.FIRST_REPLY: "first reply",
        TimerKind.DECISION: "decision",
        TimerKind.CLOSURE: "closure",
    },
    "ru": {
        TimerKind.REGISTRATION: "регистрация",
        TimerKind.FIRST_REPLY: "первый ответ",
        TimerKind.DECISION: "решение",
        TimerKind.CLOSURE: "закрытие",
    },
}


def deadline_notice(
    card: Card,
    notice: Notice,
    recipient: StaffMember,
    *,
    directory: Directory,
    policy: MailPolicy,
    now: datetime,
) -> OutgoingMail:
    """A reminder or escalation to staff; card details only, no requester data."""
    locale = policy.default_locale if policy.default_locale in TIMER_LABELS else "en"
    department = directory.department(card.department)
    timer = notice.timer
    subject, text, html = templating.render(
        "deadline_notice",
        locale,
        recipient_name=recipient.name,
        number=card.number,
        subject=mail_subject(card),
        step=notice.step.value,
        timer_label=TIMER_LABELS[locale][timer.kind],
        due=_local(timer.due_at, policy) if timer.due_at else "—",
        percent_used=min(999, round(timer.share_used * 100)),
        category=directory.categories().label(card.category, locale),
        department=department.name.get(locale) if department else card.department,
        priority=card.priority.value,
        status=card.status.value,
        town_name=policy.town_name,
    )
    return compose(subject, text, html, recipient.email, locale=locale, policy=policy, now=now)


def attention_notice(
    card: Card,
    notice: AttentionNotice,
    recipient: StaffMember,
    *,
    directory: Directory,
    policy: MailPolicy,
    now: datetime,
) -> OutgoingMail:
    """A mention or a ping-pong alert to staff: where to look, never the note itself."""
    locale = policy.default_locale if policy.default_locale in TIMER_LABELS else "en"
    department = directory.department(card.department)
    subject, text, html = templating.render(
        "staff_attention",
        locale,
        kind=notice.kind.value,
        recipient_name=recipient.name,
        by=notice.by or "",
        number=card.number,
        subject=mail_subject(card),
        transfers=card.transfers,
        category=directory.categories().label(card.category, locale),
        department=department.name.get(locale) if department else card.department,
        status=card.status.value,
        town_name=policy.town_name,
    )
    return compose(subject, text, html, recipient.email, locale=locale, policy=policy, now=now)


def mail_subject(card: Card) -> str:
    """A card's subject as staff mail may carry it: a sensitive card's subject can itself say
    too much (a diagnosis), so mail names the number and category only."""
    return "—" if card.sensitive else card.subject


def registration_ack(
    card: Card,
    access_token: str,
    mail: InboundMail,
    recipient: str,
    *,
    policy: MailPolicy,
    now: datetime,
) -> OutboxMessage:
    """The answer to a mail that made a card, in the sender's thread; it leaves through the
    outbox like every message to a requester."""
    locale = _locale(mail, policy)
    status_url = f"{policy.status_base_url}/status.html?n={card.number}#t={access_token}"
    subject, text, html = templating.render(
        "registration_ack",
        locale,
        number=card.number,
        subject=card.subject,
        full_name=card.requester.full_name,
        town_name=policy.town_name,
        status_url=status_url,
        registered_on=_local(card.created_at, policy),
        first_response_due=_local(card.first_response_due, policy),
    )
    thread = (
        {
            "In-Reply-To": mail.message_id,
            "References": " ".join((*mail.references, mail.message_id)),
        }
        if mail.message_id
        else {}
    )
    return OutboxMessage(
        id=message_id(card.number, 1, NotificationKind.RECEIPT.value),
        card_number=card.number,
        kind=NotificationKind.RECEIPT.value,
        locale=locale,
        destinations=(Destination(channel=DeliveryChannel.EMAIL, address=recipient),),
        email=EmailContent(
            subject=subject,
            text=text,
            html=html,
            auto_submitted="auto-replied",
            thread_headers=thread,
        ),
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )


def compose(
    subject: str,
    text: str,
    html: str,
    recipient: str,
    *,
    locale: str,
    policy: MailPolicy,
    now: datetime,
    auto_submitted: str = "auto-generated",
    extra: dict[str, str] | None = None,
    message_id: str | None = None,
) -> OutgoingMail:
    message_id = message_id or new_message_id(policy)
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(policy.town_name, addr_spec=policy.from_address)
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = auto_submitted  # RFC 3834: never answer this automatically
    for name, value in (extra or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = locale  # after set_content, which resets Content-* headers
    return OutgoingMail(message_id=message_id, recipient=recipient, raw=message.as_bytes())


def _locale(mail: InboundMail, policy: MailPolicy) -> str:
    text = f"{mail.subject}{mail.text}".strip()
    return mail.language if text else policy.default_locale


def _local(moment: datetime, policy: MailPolicy) -> str:
    return moment.astimezone(policy.timezone).strftime("%d.%m.%Y %H:%M")

"""Composing the mail the system writes to staff (the requester replied, deadlines, mentions,
ping-pong), from templates administrators may edit, and the MIME every mail leaves in."""

from __future__ import annotations

import uuid
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

from chalicelib.domain.attention import AttentionNotice
from chalicelib.domain.card import Card
from chalicelib.domain.directory import StaffMember
from chalicelib.domain.notifications import StaffNoticeKind
from chalicelib.domain.sla import TimerKind
from chalicelib.domain.sla_notices import Notice
from chalicelib.ports import Directory, NotificationTemplates, OutgoingMail
from chalicelib.services.notifications import render_kind
from chalicelib.services.policies import MailPolicy


def new_message_id(policy: MailPolicy) -> str:
    return f"<{uuid.uuid4().hex}@{policy.mail_domain}>"


def staff_notice(
    card: Card,
    executor: StaffMember,
    *,
    reopened: bool,
    directory: Directory,
    templates: NotificationTemplates,
    policy: MailPolicy,
    now: datetime,
) -> OutgoingMail:
    """Tell the executor that the requester wrote; the text itself stays in the card."""
    return _staff_mail(
        StaffNoticeKind.REQUESTER_REPLIED,
        card,
        executor,
        templates=templates,
        policy=policy,
        now=now,
        number=card.number,
        subject=mail_subject(card),
        executor_name=executor.name,
        status=card.status.value,
        reopened=reopened,
        category=directory.categories().label(card.category, _staff_locale(policy)),
        department=_department(card, directory, _staff_locale(policy)),
        town_name=policy.town_name,
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
    templates: NotificationTemplates,
    policy: MailPolicy,
    now: datetime,
) -> OutgoingMail:
    """A reminder or escalation to staff; card details only, no requester data."""
    locale = _staff_locale(policy)
    timer = notice.timer
    return _staff_mail(
        StaffNoticeKind.DEADLINE_NOTICE,
        card,
        recipient,
        templates=templates,
        policy=policy,
        now=now,
        recipient_name=recipient.name,
        number=card.number,
        subject=mail_subject(card),
        step=notice.step.value,
        timer_label=TIMER_LABELS[locale][timer.kind],
        due=_local(timer.due_at, policy) if timer.due_at else "—",
        percent_used=min(999, round(timer.share_used * 100)),
        category=directory.categories().label(card.category, locale),
        department=_department(card, directory, locale),
        priority=card.priority.value,
        status=card.status.value,
        town_name=policy.town_name,
    )


def attention_notice(
    card: Card,
    notice: AttentionNotice,
    recipient: StaffMember,
    *,
    directory: Directory,
    templates: NotificationTemplates,
    policy: MailPolicy,
    now: datetime,
) -> OutgoingMail:
    """A mention or a ping-pong alert to staff: where to look, never the note itself."""
    locale = _staff_locale(policy)
    return _staff_mail(
        StaffNoticeKind.STAFF_ATTENTION,
        card,
        recipient,
        templates=templates,
        policy=policy,
        now=now,
        kind=notice.kind.value,
        recipient_name=recipient.name,
        by=notice.by or "",
        number=card.number,
        subject=mail_subject(card),
        transfers=card.transfers,
        category=directory.categories().label(card.category, locale),
        department=_department(card, directory, locale),
        status=card.status.value,
        town_name=policy.town_name,
    )


def mail_subject(card: Card) -> str:
    """A card's subject as staff mail may carry it: a sensitive card's subject can itself say
    too much (a diagnosis), so mail names the number and category only."""
    return "—" if card.sensitive else card.subject


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


def _staff_mail(
    notice_kind: StaffNoticeKind,
    card: Card,
    recipient: StaffMember,
    *,
    templates: NotificationTemplates,
    policy: MailPolicy,
    now: datetime,
    **variables: Any,
) -> OutgoingMail:
    """A notice to one colleague, from the card's department's template of ``kind``."""
    locale = _staff_locale(policy)
    rendered = render_kind(templates, notice_kind.value, locale, card.department, variables)
    return compose(
        rendered.subject,
        rendered.text,
        rendered.html,
        recipient.email,
        locale=locale,
        policy=policy,
        now=now,
    )


def _staff_locale(policy: MailPolicy) -> str:
    return policy.default_locale if policy.default_locale in TIMER_LABELS else "en"


def _department(card: Card, directory: Directory, locale: str) -> str:
    department = directory.department(card.department)
    return department.name.get(locale) if department else card.department


def _local(moment: datetime, policy: MailPolicy) -> str:
    return moment.astimezone(policy.timezone).strftime("%d.%m.%Y %H:%M")

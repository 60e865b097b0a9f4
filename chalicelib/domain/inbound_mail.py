"""An incoming email as the product sees it, and the rules that decide what may be done with it.

Pure: parsing raw MIME into :class:`InboundMail` lives in ``adapters/mime.py``; these rules only
read the result (RFC 3834 for automatic replies, plus what helpdesks learned about mail loops).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum

# "[#2026-000042]" in a subject: the card's number tag.
NUMBER_TAG = re.compile(r"\[#(?P<number>\d{4}-\d{6,})\]")
# Reply and forward prefixes in the languages the town's mail arrives in, repeated or counted.
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|ответ|отв|пересл)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+",
    re.IGNORECASE,
)
_ROBOT_LOCAL_PARTS = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply)([+\-_.].*)?$",
    re.IGNORECASE,
)
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class InboundMail:
    message_id: str | None
    sender: str | None
    sender_name: str | None
    subject: str
    text: str
    reply_to: tuple[str, ...] = ()
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    return_path: str | None = None
    auto_submitted: str | None = None
    precedence: str | None = None
    list_id: str | None = None
    # X-Autoreply / X-Autorespond (many out-of-office replies carry no Auto-Submitted).
    autoreply_header: bool = False
    failed_recipients: tuple[str, ...] = ()
    # A delivery report's returned messages, by Message-ID (ours, when a mail of ours bounced).
    returned_message_ids: tuple[str, ...] = ()
    is_delivery_report: bool = False
    attachments: tuple[MailAttachment, ...] = ()
    problems: tuple[str, ...] = field(default=())
    # Which step of the charset chain decoded each text read (declared, superset, utf-8,
    # detected, replaced): counted, so a town sees how its mail really arrives.
    decoding: tuple[str, ...] = ()

    @property
    def clean_subject(self) -> str:
        return clean_subject(self.subject)

    @property
    def number_tag(self) -> str | None:
        match = NUMBER_TAG.search(self.subject)
        return match.group("number") if match else None

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this mail answers, nearest first (In-Reply-To, then References newest)."""
        seen: list[str] = []
        for mid in (*self.in_reply_to, *reversed(self.references)):
            if mid not in seen:
                seen.append(mid)
        return tuple(seen)

    @property
    def language(self) -> str:
        return detect_language(f"{self.subject}\n{self.text}")


def clean_subject(subject: str) -> str:
    """Without Re:/Fwd:/AW:/Ответ: prefixes and our number tag; whitespace collapsed."""
    without_tag = NUMBER_TAG.sub(" ", subject)
    previous = None
    while previous != without_tag:
        previous = without_tag
        without_tag = _PREFIX.sub("", without_tag).strip()
    return re.sub(r"\s+", " ", without_tag).strip()


def detect_language(text: str) -> str:
    """'ru' when Cyrillic letters dominate, else 'en': enough to choose the reply template."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "en"
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    return "ru" if cyrillic / len(letters) >= 0.3 else "en"


class NoReplyReason(StrEnum):
    AUTO_SUBMITTED = "auto_submitted"
    BULK_PRECEDENCE = "bulk_precedence"
    MAILING_LIST = "mailing_list"
    EMPTY_RETURN_PATH = "empty_return_path"
    ROBOT_SENDER = "robot_sender"
    OWN_ADDRESS = "own_address"
    NO_SENDER = "no_sender"
    DELIVERY_REPORT = "delivery_report"


def is_bounce(mail: InboundMail) -> bool:
    """A delivery report or bounce: it marks a contact undeliverable and never makes a card."""
    return (
        mail.is_delivery_report
        or bool(mail.failed_recipients)
        or (
            mail.sender is not None
            and _is_robot(mail.sender)
            and mail.sender.lower().startswith(("mailer-daemon", "postmaster"))
        )
    )


def why_no_auto_reply(mail: InboundMail, own_addresses: frozenset[str]) -> NoReplyReason | None:
    """The reason not to answer this mail automatically, or None when a reply is allowed."""
    if is_bounce(mail):
        return NoReplyReason.DELIVERY_REPORT
    if mail.sender is None:
        return NoReplyReason.NO_SENDER
    if mail.auto_submitted and mail.auto_submitted.split(";")[0].strip().lower() != "no":
        return NoReplyReason.AUTO_SUBMITTED
    if mail.precedence and mail.precedence.strip().lower() in _BULK_PRECEDENCE:
        return NoReplyReason.BULK_PRECEDENCE
    if mail.list_id:
        return NoReplyReason.MAILING_LIST
    if mail.return_path is not None and mail.return_path.strip("<> ") == "":
        return NoReplyReason.EMPTY_RETURN_PATH
    if _is_robot(mail.sender):
        return NoReplyReason.ROBOT_SENDER
    if mail.sender.lower() in own_addresses:
        return NoReplyReason.OWN_ADDRESS
    return None


# Out-of-office and automatic-reply subjects of the mail programs towns meet, en and ru.
_AUTOREPLY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|out of (the )?office|"
    r"автоответ|автоматический ответ|вне офиса)\b",
    re.IGNORECASE,
)
# Why a mail is not a request: it was written by a program, not a person.
AUTOMATED = frozenset(
    {
        NoReplyReason.AUTO_SUBMITTED,
        NoReplyReason.BULK_PRECEDENCE,
        NoReplyReason.MAILING_LIST,
        NoReplyReason.EMPTY_RETURN_PATH,
        NoReplyReason.ROBOT_SENDER,
        NoReplyReason.OWN_ADDRESS,
    }
)


def why_automated(mail: InboundMail, own_addresses: frozenset[str]) -> str | None:
    """Why this mail was written by a program (auto-reply, out-of-office, list or bulk mail,
    a robot sender), or None for mail a person wrote. Delivery reports are bounces, not this."""
    reason = why_no_auto_reply(mail, own_addresses)
    if reason in AUTOMATED:
        return reason.value if reason else None
    if mail.autoreply_header:
        return "autoreply_header"
    if _AUTOREPLY_SUBJECT.match(mail.subject):
        return "autoreply_subject"
    return None


def reply_address(mail: InboundMail, own_addresses: frozenset[str]) -> str | None:
    """Where answers go: Reply-To unless it is one of our own addresses, else the sender."""
    for address in mail.reply_to:
        if address.lower() not in own_addresses:
            return address
    return mail.sender


def _is_robot(address: str) -> bool:
    return _ROBOT_LOCAL_PARTS.match(address.split("@", 1)[0]) is not None


_QUOTE_MARKERS = re.compile(
    r"^(-{2,}\s*(original message|исходное сообщение|forwarded message|пересылаемое сообщение)"
    r"|on .{3,200} wrote:\s*$|.{3,200} пишет:\s*$|от:\s|from:\s.+@)",
    re.IGNORECASE,
)


def strip_quoted_history(text: str) -> str:
    """The new part of a reply: without '>' quotes and the history under a reply header. A
    mail that starts with such a header (a message forwarded with nothing written above it)
    is all history: then the history is the message, and it is kept whole."""
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if _QUOTE_MARKERS.match(stripped):
            if not any(k.strip() for k in kept):
                return text.strip()
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


class MailClaim(StrEnum):
    """What claiming a received mail found."""

    OURS = "ours"  # handle it: a mail not seen before
    TAKEN_OVER = "taken_over"  # handle it: its earlier delivery died; look for what it did
    HANDLED = "handled"  # the same mail was handled already: a duplicate delivery
    AT_WORK = "at_work"  # the same mail is being handled by another delivery right now
    OTHER_MAIL = "other_mail"  # the Message-ID is taken by a different mail (or one of ours)


def standing_claim(outcome: str, recorded_digest: str | None, digest: str) -> MailClaim:
    """What the record in a claim's way means, for a mail with content ``digest``."""
    if outcome == "sent":
        return MailClaim.OTHER_MAIL  # a Message-ID of our own, reused by the sender
    if recorded_digest is None:  # recorded before digests were kept
        return MailClaim.OTHER_MAIL if outcome == "processing" else MailClaim.HANDLED
    if recorded_digest != digest:
        return MailClaim.OTHER_MAIL
    return MailClaim.AT_WORK if outcome == "processing" else MailClaim.HANDLED


def content_digest(mail: InboundMail) -> str:
    """What makes two deliveries the same mail: who wrote what, with which files. Not the
    transport headers, which differ between deliveries of one mail to two town addresses."""
    digest = hashlib.sha256()
    for part in (mail.sender or "", mail.subject, mail.text):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    for attachment in mail.attachments:
        digest.update(attachment.filename.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(hashlib.sha256(attachment.content).digest())
    return digest.hexdigest()

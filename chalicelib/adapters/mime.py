"""Raw MIME (as SES stores it) to :class:`InboundMail`, with the standard library's parser.

Real mail is messy: unknown, missing and lying charsets (decoded by ``mail_charsets``, never
silently replaced), raw 8-bit headers, broken header folding, HTML-only bodies behind an empty
plain part, nested forwards whose headers the standard library cannot write back, senders only
in ``Sender`` or ``Reply-To``. Parsing never raises on such input: every part is read on its
own, and what could not be read is listed in ``InboundMail.problems``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import errors, policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses
from html.parser import HTMLParser

from chalicelib.adapters import mail_charsets
from chalicelib.domain.inbound_mail import InboundMail, MailAttachment

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_HEADER_NAME = re.compile(rb"^[!-9;-~]+:")
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "table",
        "ul",
        "ol",
        "hr",
    }
)
# Where a person's address may be, in the order a reply would look.
_SENDER_HEADERS = ("from", "sender", "reply-to")


@dataclass
class _Reading:
    """What reading one mail found out: its problems, the steps that decoded its text, the
    charsets that worked for its body, and the charsets its raw headers are tried in."""

    message: Message
    problems: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    charsets: list[str] = field(default_factory=list)
    # Set once the body is read: a raw 8-bit header is most likely in its charset.
    for_headers: bool = False
    _hints: tuple[str, ...] | None = None

    def decoded(self, data: bytes, declared: str | None) -> str:
        hints = self._header_hints() if self.for_headers else ()
        found = mail_charsets.decode(data, declared, hints=hints)
        self.steps.append(found.step.value)
        if declared and found.step not in (
            mail_charsets.Step.DECLARED,
            mail_charsets.Step.SUPERSET,
        ):
            self.problems.append(f"charset {declared!r} did not fit: read as {found.charset}")
        if found.step != mail_charsets.Step.REPLACED:
            self.charsets.append(found.charset)
        return found.text

    def _header_hints(self) -> tuple[str, ...]:
        if self._hints is None:  # looked up once, for the first header that needs them
            self._hints = tuple(dict.fromkeys((*_declared_charsets(self.message), *self.charsets)))
        return self._hints


def parse_mail(raw: bytes) -> InboundMail:
    problems: list[str] = []
    message = _parsed(raw, problems)
    reading = _Reading(message, problems)
    body_part = _body_part(message, reading)
    text = "\n\n".join(t for t in _texts(message, body_part, reading) if t)
    reading.for_headers = True
    sender_name, sender = _sender(message, reading)
    return InboundMail(
        message_id=_first_id(_header(message, "message-id", reading)),
        sender=sender,
        sender_name=sender_name,
        subject=" ".join(_header(message, "subject", reading).split()),
        text=text,
        reply_to=_addresses(_header(message, "reply-to", reading)),
        in_reply_to=_ids(_header(message, "in-reply-to", reading)),
        references=_ids(_header(message, "references", reading)),
        return_path=(
            _header(message, "return-path", reading) if "return-path" in message else None
        ),
        auto_submitted=_header(message, "auto-submitted", reading) or None,
        precedence=_header(message, "precedence", reading) or None,
        list_id=_header(message, "list-id", reading) or None,
        autoreply_header=any(
            _header(message, name, reading) for name in ("x-autoreply", "x-autorespond")
        ),
        failed_recipients=_failed_recipients(message, reading),
        returned_message_ids=_returned_ids(message, reading),
        is_delivery_report=message.get_content_type() == "multipart/report",
        attachments=tuple(_attachments(message, body_part, reading)),
        problems=tuple(reading.problems),
        decoding=tuple(reading.steps),
    )


def _parsed(raw: bytes, problems: list[str]) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    if any(isinstance(d, errors.MissingHeaderBodySeparatorDefect) for d in message.defects):
        # A header folded without indentation ends the headers early for the parser, and
        # the rest of them (From among them) would be read as the body.
        repaired = _refolded(raw)
        if repaired != raw:
            problems.append("header folding repaired")
            message = BytesParser(policy=policy.default).parsebytes(repaired)
            assert isinstance(message, EmailMessage)
    return message


def _refolded(raw: bytes) -> bytes:
    """``raw`` with every header line that is neither a header nor a continuation turned into
    a continuation of the header above it."""
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=-1)
    if end < 0:
        return raw
    head, rest = raw[:end], raw[end:]
    lines = head.splitlines(keepends=True)
    fixed = [lines[0]] + [
        line if line[:1] in (b" ", b"\t") or _HEADER_NAME.match(line) else b" " + line
        for line in lines[1:]
    ]
    return b"".join(fixed) + rest


def _header(message: Message, name: str, reading: _Reading) -> str:
    """The header's text. A raw 8-bit value, encoded words whose charset lied (the parser
    then shows U+FFFD), and a value the parser found defects in (it rewrites a From of
    ``<anna@example.org.>`` as a bare name) are read from the raw value instead."""
    try:
        value = message.get(name)
        shown = None if value is None else str(value)
        defective = bool(getattr(value, "defects", ()))
    except Exception as error:  # a header the parser cannot read (Outlook's bracketed ids)
        reading.problems.append(f"header {name}: {type(error).__name__}")
        shown, defective = None, True
    # Raw 8-bit bytes show as U+FFFD too: the raw value is looked at only then.
    if defective or "\ufffd" in (shown or ""):
        raw = _raw_header(message, name)
        if raw is not None:
            return _decoded_header(raw, reading)
    return "" if shown is None else shown.strip()


def _raw_header(message: Message, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def _decoded_header(raw: str, reading: _Reading) -> str:
    try:
        chunks = decode_header(raw)
    except Exception:
        chunks = [(raw, None)]
    texts = []
    for chunk, charset in chunks:
        data = chunk.encode("utf-8", "surrogateescape") if isinstance(chunk, str) else chunk
        texts.append(reading.decoded(data, charset))
    return " ".join("".join(texts).split())


def _sender(message: Message, reading: _Reading) -> tuple[str | None, str | None]:
    """The first usable address of From, else Sender, else Reply-To, with its name."""
    for name in _SENDER_HEADERS:
        for display, address in getaddresses([_header(message, name, reading)]):
            usable = _usable(address)
            if usable:
                return (display.strip() or None), usable
    return None, None


def _usable(address: str) -> str | None:
    """``address`` as a mailbox, lower-cased, without the root dot some programs write after
    the domain; None when it is not one."""
    local, at, domain = address.strip().strip("<>").lower().rpartition("@")
    domain = domain.rstrip(".")
    return f"{local}@{domain}" if at and local and "." in domain else None


def _addresses(value: str) -> tuple[str, ...]:
    found = (_usable(a) for _, a in getaddresses([value])) if value else ()
    return tuple(a for a in found if a)


def _ids(value: str) -> tuple[str, ...]:
    return tuple(_MESSAGE_ID.findall(value))


def _first_id(value: str) -> str | None:
    found = _MESSAGE_ID.findall(value)
    return found[0] if found else (value or None)


def _declared_charsets(message: Message) -> list[str]:
    found = []
    for part in message.walk():
        charset = part.get_param("charset") if part.get_content_maintype() == "text" else None
        if isinstance(charset, str):
            found.append(charset)
    return found


RETURNED_TYPES = frozenset({"message/rfc822", "message/rfc822-headers", "text/rfc822-headers"})


def _returned_ids(message: EmailMessage, reading: _Reading) -> tuple[str, ...]:
    """Message-IDs of the messages a delivery report returns (its rfc822 parts): which of
    ours did not arrive."""
    if message.get_content_type() != "multipart/report":
        return ()
    found: list[str] = []
    for part in message.walk():
        if part.get_content_type() not in RETURNED_TYPES:
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            returned = [p for p in payload if isinstance(p, Message)]
        else:
            raw = part.get_payload(decode=True)
            text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else ""
            returned = [HeaderParser(policy=policy.default).parsestr(text)]
        for original in returned:
            found.extend(_ids(_header(original, "message-id", reading)))
    return tuple(dict.fromkeys(found))


def _failed_recipients(message: EmailMessage, reading: _Reading) -> tuple[str, ...]:
    """X-Failed-Recipients, plus Final-Recipient of each failed block of a delivery report."""
    found = list(_addresses(_header(message, "x-failed-recipients", reading)))
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload() if isinstance(part.get_payload(), list) else []:
            if not isinstance(block, Message):
                continue
            action = str(block.get("action", "")).strip().lower()
            _, _, address = str(block.get("final-recipient", "")).partition(";")
            if action == "failed" and "@" in address:
                found.append(address.strip().strip("<>").lower())
    return tuple(dict.fromkeys(found))


def _body_part(message: EmailMessage, reading: _Reading) -> EmailMessage | None:
    """The part a person reads: plain text, unless it is empty and an HTML one says more."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        if isinstance(part, EmailMessage) and part.get_content_subtype() == "plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and not payload.strip():
                richer = message.get_body(preferencelist=("html",))
                part = richer if isinstance(richer, EmailMessage) else part
    except Exception:
        return None
    return part if isinstance(part, EmailMessage) else None


def _texts(message: EmailMessage, body: EmailMessage | None, reading: _Reading) -> list[str]:
    """The body, then any other unnamed text parts, then the text of forwarded messages."""
    alternatives = _alternatives_of(message, body)
    texts = [_text_of(body, reading)] if body is not None else []
    for part in _parts(message):
        try:
            if part is body or part in alternatives or part.is_multipart():
                if part.get_content_type() == "message/rfc822":
                    texts.append(_forwarded_text(part, reading))
                continue
            if (
                part.get_content_maintype() == "text"
                and part.get_content_disposition() is None
                and _filename(part, reading) is None
            ):
                texts.append(_text_of(part, reading))
        except Exception as error:
            reading.problems.append(f"part {part.get_content_type()}: {type(error).__name__}")
    return texts


def _parts(part: Message) -> Iterator[Message]:
    """Like ``walk``, but a forwarded message is one part: its insides are not ours to split."""
    yield part
    if part.is_multipart() and part.get_content_type() != "message/rfc822":
        for child in part.get_payload():  # type: ignore[union-attr]
            if isinstance(child, Message):
                yield from _parts(child)


def _alternatives_of(message: EmailMessage, body: EmailMessage | None) -> list[Message]:
    """The other renderings of the chosen body (its multipart/alternative siblings)."""
    for part in message.walk():
        payload = part.get_payload() if part.get_content_type() == "multipart/alternative" else []
        if isinstance(payload, list) and any(p is body for p in payload):
            return [p for p in payload if isinstance(p, Message)]
    return []


def _forwarded_text(part: Message, reading: _Reading) -> str:
    inner = part.get_payload()
    forwarded = inner[0] if isinstance(inner, list) and inner else inner
    if not isinstance(forwarded, EmailMessage):
        return ""
    body = _body_part(forwarded, reading)
    if body is None:
        return ""
    _, sender = _sender(forwarded, reading)
    return f"--- Forwarded message{' from ' + sender if sender else ''} ---\n" + _text_of(
        body, reading
    )


def _text_of(part: Message, reading: _Reading) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    content = reading.decoded(payload, part.get_content_charset())
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return content.replace("\r\n", "\n").strip()


def _attachments(
    message: EmailMessage, body: EmailMessage | None, reading: _Reading
) -> list[MailAttachment]:
    found: list[MailAttachment] = []
    for part in _parts(message):
        if part is body or (part.is_multipart() and part.get_content_type() != "message/rfc822"):
            continue
        disposition = part.get_content_disposition()
        filename = _filename(part, reading)
        if part is message or (
            disposition is None and filename is None and part.get_content_maintype() == "text"
        ):
            continue  # alternative bodies and the top-level part are not files
        content = _content_bytes(part)
        if content is None:
            reading.problems.append(f"attachment {filename or part.get_content_type()}: unreadable")
            continue
        found.append(
            MailAttachment(
                filename=filename or _default_name(part),
                content_type=part.get_content_type(),
                content=content,
                inline=disposition == "inline",
                content_id=str(part.get("content-id") or "").strip("<> ") or None,
            )
        )
    return found


def _filename(part: Message, reading: _Reading) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        reading.problems.append("attachment filename unreadable")
        return None
    return " ".join(name.split()) if name else None


def _content_bytes(part: Message) -> bytes | None:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner_message = inner[0] if isinstance(inner, list) and inner else inner
        return _message_bytes(inner_message) if isinstance(inner_message, Message) else None
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else None


def _message_bytes(message: Message) -> bytes | None:
    """A forwarded message as bytes. The standard library refolds its headers on the way out
    and raises on some it cannot parse (Outlook's ``<[...=@example.com]>`` Message-IDs): then
    written as received, without refolding."""
    for writing in (policy.default, policy.compat32):
        try:
            return message.as_bytes(policy=writing)
        except Exception:  # noqa: S112 - the next way of writing it is the fallback
            continue
    return None


def _default_name(part: Message) -> str:
    if part.get_content_type() == "message/rfc822":
        return "forwarded-message.eml"
    extension = {
        "text/plain": "txt",
        "text/html": "html",
        "image/jpeg": "jpg",
        "image/png": "png",
        "image/gif": "gif",
        "application/pdf": "pdf",
    }.get(part.get_content_type(), "bin")
    return f"part.{extension}"


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")
        if tag == "li":
            self.chunks.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.chunks.append(data)


def html_to_text(markup: str) -> str:
    """Readable text from an HTML-only mail: blocks become lines, scripts and styles vanish."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    text = html.unescape("".join(extractor.chunks))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

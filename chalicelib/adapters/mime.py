"""Raw MIME (as SES stores it) to :class:`InboundMail`, with the standard library's parser.

Real mail is messy: unknown charsets, broken headers, HTML-only bodies, nested forwards. Parsing
never raises on such input; what could not be read is listed in ``InboundMail.problems``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from chalicelib.domain.inbound_mail import InboundMail, MailAttachment

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
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


def parse_mail(raw: bytes) -> InboundMail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    problems: list[str] = []
    sender_name, sender = _address(_header(message, "from", problems))
    body_part = _body_part(message)
    text = "\n\n".join(t for t in _texts(message, body_part, problems) if t)
    return InboundMail(
        message_id=_first_id(_header(message, "message-id", problems)),
        sender=sender,
        sender_name=sender_name,
        subject=" ".join(_header(message, "subject", problems).split()),
        text=text,
        reply_to=_addresses(_header(message, "reply-to", problems)),
        in_reply_to=_ids(_header(message, "in-reply-to", problems)),
        references=_ids(_header(message, "references", problems)),
        return_path=(
            _header(message, "return-path", problems) if "return-path" in message else None
        ),
        auto_submitted=_header(message, "auto-submitted", problems) or None,
        precedence=_header(message, "precedence", problems) or None,
        list_id=_header(message, "list-id", problems) or None,
        autoreply_header=any(
            _header(message, name, problems) for name in ("x-autoreply", "x-autorespond")
        ),
        failed_recipients=_failed_recipients(message, problems),
        returned_message_ids=_returned_ids(message, problems),
        is_delivery_report=message.get_content_type() == "multipart/report",
        attachments=tuple(_attachments(message, body_part, problems)),
        problems=tuple(problems),
    )


def _header(message: Message, name: str, problems: list[str]) -> str:
    try:
        value = message.get(name)
    except Exception as error:
        problems.append(f"header {name}: {type(error).__name__}")
        return ""
    return "" if value is None else str(value).strip()


def _address(value: str) -> tuple[str | None, str | None]:
    name, address = parseaddr(value)
    return (name or None), (address.lower() if "@" in address else None)


def _addresses(value: str) -> tuple[str, ...]:
    return tuple(a.lower() for _, a in getaddresses([value]) if "@" in a) if value else ()


def _ids(value: str) -> tuple[str, ...]:
    return tuple(_MESSAGE_ID.findall(value))


def _first_id(value: str) -> str | None:
    found = _MESSAGE_ID.findall(value)
    return found[0] if found else (value or None)


RETURNED_TYPES = frozenset({"message/rfc822", "message/rfc822-headers", "text/rfc822-headers"})


def _returned_ids(message: EmailMessage, problems: list[str]) -> tuple[str, ...]:
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
            found.extend(_ids(_header(original, "message-id", problems)))
    return tuple(dict.fromkeys(found))


def _failed_recipients(message: EmailMessage, problems: list[str]) -> tuple[str, ...]:
    """X-Failed-Recipients, plus Final-Recipient of each failed block of a delivery report."""
    found = list(_addresses(_header(message, "x-failed-recipients", problems)))
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


def _body_part(message: EmailMessage) -> EmailMessage | None:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:
        return None
    return part if isinstance(part, EmailMessage) else None


def _texts(message: EmailMessage, body: EmailMessage | None, problems: list[str]) -> list[str]:
    """The body, then any other unnamed text parts, then the text of forwarded messages."""
    alternatives = _alternatives_of(message, body)
    texts = [_text_of(body, problems)] if body is not None else []
    for part in _parts(message):
        if part is body or part in alternatives or part.is_multipart():
            if part.get_content_type() == "message/rfc822":
                texts.append(_forwarded_text(part, problems))
            continue
        if (
            part.get_content_maintype() == "text"
            and part.get_content_disposition() is None
            and _filename(part, problems) is None
        ):
            texts.append(_text_of(part, problems))
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


def _forwarded_text(part: Message, problems: list[str]) -> str:
    inner = part.get_payload()
    forwarded = inner[0] if isinstance(inner, list) and inner else inner
    if not isinstance(forwarded, EmailMessage):
        return ""
    body = _body_part(forwarded)
    if body is None:
        return ""
    sender = _header(forwarded, "from", problems)
    return f"--- Forwarded message{' from ' + sender if sender else ''} ---\n" + _text_of(
        body, problems
    )


def _text_of(part: Message, problems: list[str]) -> str:
    content = _decoded(part, problems)
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return content.replace("\r\n", "\n").strip()


def _decoded(part: Message, problems: list[str]) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError, AssertionError) as error:
        problems.append(f"body charset: {type(error).__name__}")
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    # Unknown or lying charset: UTF-8 when it decodes cleanly, else windows-1251, which maps
    # every byte and is the likeliest legacy charset of this town's mail.
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("windows-1251", errors="replace")


def _attachments(
    message: EmailMessage, body: EmailMessage | None, problems: list[str]
) -> list[MailAttachment]:
    found: list[MailAttachment] = []
    for part in _parts(message):
        if part is body or (part.is_multipart() and part.get_content_type() != "message/rfc822"):
            continue
        disposition = part.get_content_disposition()
        filename = _filename(part, problems)
        if part is message or (
            disposition is None and filename is None and part.get_content_maintype() == "text"
        ):
            continue  # alternative bodies and the top-level part are not files
        content = _content_bytes(part)
        if content is None:
            problems.append(f"attachment {filename or part.get_content_type()}: unreadable")
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


def _filename(part: Message, problems: list[str]) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        problems.append("attachment filename unreadable")
        return None
    return " ".join(name.split()) if name else None


def _content_bytes(part: Message) -> bytes | None:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner_message = inner[0] if isinstance(inner, list) and inner else inner
        return inner_message.as_bytes() if isinstance(inner_message, Message) else None
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else None


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

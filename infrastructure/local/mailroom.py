"""Mail on the local stack: an SMTP listener that plays SES, and an outbox you can open.

Mail sent to 127.0.0.1:2525 is stored in the emulated inbound bucket (inbound/<id>, as SES's S3
action does) and handed to the same Lambda handler with an SES-shaped event. Every mail
CivicDesk sends also lands in ``<data-dir>/outbox`` as an .eml file, and every text message as
an .sms.txt file.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalicelib.ports import Mailer, OutgoingMail, SmsSender


class OutboxMailer:
    """Sends through the wrapped mailer (moto's SES) and keeps a readable copy."""

    def __init__(self, inner: Mailer, folder: Path) -> None:
        self._inner = inner
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, mail: OutgoingMail) -> None:
        self._inner.send(mail)
        write_new(self.folder, _stem(mail.message_id.strip("<>").split("@")[0]), ".eml", mail.raw)


class OutboxSms:
    """Sends through the wrapped sender (moto's SNS) and keeps a readable copy beside the mail."""

    def __init__(self, inner: SmsSender, folder: Path) -> None:
        self._inner = inner
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, phone: str, text: str) -> str:
        message_id = self._inner.send(phone, text)
        write_new(self.folder, _stem(message_id), ".sms.txt", f"To: {phone}\n\n{text}\n".encode())
        return message_id


def _stem(message_id: str) -> str:
    """A file name for a message: when it was sent, then its id (letters, digits, . and -)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    safe = "".join(ch if ch.isalnum() or ch in ".-" else "-" for ch in message_id)[:80]
    return f"{stamp}-{safe}"


def write_new(folder: Path, stem: str, suffix: str, content: bytes) -> Path:
    """Write ``content`` to a file that did not exist: two messages never share one."""
    for attempt in range(1, 1000):
        path = folder / (f"{stem}{suffix}" if attempt == 1 else f"{stem}-{attempt}{suffix}")
        try:
            with path.open("xb") as out:
                out.write(content)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free name for {stem}{suffix} in {folder}")


@dataclass
class LambdaContext:
    """What Powertools reads from a Lambda context, naming the function the local stack plays."""

    name: str = "email-inbound"
    memory_limit_in_mb: int = 256
    aws_request_id: str = "local"

    @property
    def function_name(self) -> str:
        return f"civicdesk-{self.name}-local"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:local:000000000000:function:{self.name}"

    def get_remaining_time_in_millis(self) -> int:
        """Locally there is no deadline: as much as a function's longest (15 minutes)."""
        return 900_000


def ses_event(message_id: str, sender: str, recipients: list[str]) -> dict[str, Any]:
    """The parts of SES's receipt event the handler reads (verdicts PASS: no scanner locally)."""
    now = datetime.now(UTC).isoformat()
    passed = {"status": "PASS"}
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {
                    "mail": {
                        "messageId": message_id,
                        "source": sender,
                        "destination": recipients,
                        "timestamp": now,
                        "headers": [],
                        "headersTruncated": False,
                        "commonHeaders": {},
                    },
                    "receipt": {
                        "recipients": recipients,
                        "timestamp": now,
                        "processingTimeMillis": 1,
                        "spamVerdict": passed,
                        "virusVerdict": passed,
                        "spfVerdict": passed,
                        "dkimVerdict": passed,
                        "dmarcVerdict": passed,
                        "action": {
                            "type": "Lambda",
                            "invocationType": "Event",
                            "functionArn": LambdaContext().invoked_function_arn,
                        },
                    },
                },
            }
        ]
    }


class SesLikeHandler:
    """aiosmtpd handler: store the raw mail as SES would, then run the Lambda handler."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from functions import email_inbound

        message_id = uuid.uuid4().hex
        try:
            self._s3.put_object(
                Bucket=self._bucket, Key=f"inbound/{message_id}", Body=envelope.original_content
            )
            context: Any = LambdaContext()
            event = ses_event(message_id, envelope.mail_from, list(envelope.rcpt_tos))
            email_inbound.handler(event, context)
        except Exception:  # a real MTA answers 451 so that the sender retries
            return "451 Requested action aborted: local error in processing"
        return f"250 OK queued as {message_id}"


class SmtpListener:
    def __init__(self, s3: Any, bucket: str, host: str, port: int) -> None:
        from aiosmtpd.controller import Controller

        port = port or _free_port(host)
        self._controller = Controller(
            SesLikeHandler(s3, bucket), hostname=host, port=port, data_size_limit=40 * 1024 * 1024
        )
        self.host, self.port = host, port

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])

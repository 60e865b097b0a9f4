"""In-memory MailLog, Mailer and RawMailStore: twins that pass the same contract
suites as their AWS adapters."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.utils import parseaddr

from chalicelib.domain.errors import DeliveryFailed, NotFound, PayloadTooLarge
from chalicelib.domain.inbound_mail import MailClaim, standing_claim
from chalicelib.ports import MailRecord, OutgoingMail, ShelvedMail


class InMemoryMailLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.records: dict[str, MailRecord] = {}
        self.undeliverable: set[str] = set()
        # A received mail's content digest and the end of its claim's lease.
        self._claims: dict[str, tuple[str, datetime]] = {}

    def claim(self, message_id: str, digest: str, *, at: datetime, lease: timedelta) -> MailClaim:
        with self._lock:
            found = self.records.get(message_id)
            if found is not None:
                stored, until = self._claims.get(message_id) or (None, None)
                standing = standing_claim(found.outcome, stored, digest)
                lapsed = until is not None and until < at
                if not (standing == MailClaim.AT_WORK and lapsed):
                    return standing
            self.records[message_id] = MailRecord(message_id, None, "processing")
            self._claims[message_id] = (digest, at + lease)
            return MailClaim.OURS if found is None else MailClaim.TAKEN_OVER

    def settle(self, message_id: str, *, outcome: str, card_number: str | None) -> None:
        with self._lock:
            previous = self.records.get(message_id)
            number = card_number or (previous.card_number if previous else None)
            self.records[message_id] = MailRecord(message_id, number, outcome)

    def release(self, message_id: str) -> None:
        with self._lock:
            claimed = self._claims.get(message_id)
            found = self.records.get(message_id)
            if claimed is not None and found is not None and found.outcome == "processing":
                self._claims[message_id] = (claimed[0], datetime.min.replace(tzinfo=UTC))

    def remember_sent(self, message_id: str, card_number: str, *, at: datetime) -> None:
        with self._lock:
            self.records[message_id] = MailRecord(message_id, card_number, "sent")

    def find(self, message_ids: tuple[str, ...]) -> list[MailRecord]:
        unique = list(dict.fromkeys(message_ids))
        return [self.records[m] for m in unique if m in self.records]

    def mark_undeliverable(self, address: str, *, at: datetime) -> None:
        self.undeliverable.add(address.lower())

    def is_undeliverable(self, address: str) -> bool:
        return address.lower() in self.undeliverable

    def forget_address(self, address: str) -> None:
        self.undeliverable.discard(address.lower())


class RecordingMailer:
    """Records what it sends. With ``sender_domains`` it refuses, as SES does, mail from an
    address outside the domains the account may send as (for good: resending cannot help)."""

    def __init__(self, sender_domains: set[str] | None = None) -> None:
        self.sent: list[OutgoingMail] = []
        self._sender_domains = sender_domains

    def send(self, mail: OutgoingMail) -> None:
        if self._sender_domains is not None:
            sender = parseaddr(message_from_bytes(mail.raw).get("From", ""))[1]
            if sender.rpartition("@")[2] not in self._sender_domains:
                raise DeliveryFailed(
                    f"MessageRejected: not allowed to send as {sender}", permanent=True
                )
        self.sent.append(mail)


class InMemoryRawMailStore:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, dict[str, str] | None]] = {}
        self.records: set[str] = set()  # shelf entries of mail that was never stored

    def add(self, message_id: str, raw: bytes) -> None:
        """What SES's S3 action does on receipt."""
        self.objects[f"inbound/{message_id}"] = (raw, None)

    def read(self, message_id: str, *, max_bytes: int) -> bytes:
        return self._read(f"inbound/{message_id}", max_bytes)

    def read_shelved(self, message_id: str, shelf: str, *, max_bytes: int) -> bytes:
        if f"{shelf}/{message_id}" in self.records:
            raise NotFound(f"mail {message_id} was never stored")
        return self._read(f"{shelf}/{message_id}", max_bytes)

    def _read(self, key: str, max_bytes: int) -> bytes:
        raw = self._get(key)[0]
        if len(raw) > max_bytes:
            raise PayloadTooLarge(f"oversized: {len(raw)} bytes, limit {max_bytes}")
        return raw

    def shelve(self, message_id: str, shelf: str, *, reason: str, verdicts: dict[str, str]) -> None:
        key = f"{shelf}/{message_id}"
        stored = self.objects.pop(f"inbound/{message_id}", None)
        if stored is None:
            self.records.add(key)  # the mail was never there: its record is shelved
        self.objects[key] = (stored[0] if stored else b"", {"reason": reason, **verdicts})

    def shelved(self, shelf: str) -> list[ShelvedMail]:
        return [
            self._describe(key, shelf)
            for key in sorted(self.objects)
            if key.startswith(f"{shelf}/")
        ]

    def restore(self, message_id: str, shelf: str) -> ShelvedMail:
        key = f"{shelf}/{message_id}"
        described = self._describe(key, shelf)
        raw, _ = self.objects.pop(key)
        if key in self.records:
            self.records.discard(key)
        else:
            self.objects[f"inbound/{message_id}"] = (raw, None)
        return described

    def _describe(self, key: str, shelf: str) -> ShelvedMail:
        _, meta = self._get(key)
        meta = dict(meta or {})
        reason = meta.pop("reason", "")
        return ShelvedMail(
            message_id=key.split("/", 1)[1], shelf=shelf, reason=reason, verdicts=meta
        )

    def _get(self, key: str) -> tuple[bytes, dict[str, str] | None]:
        if key not in self.objects:
            raise NotFound(f"no stored mail {key}")
        return self.objects[key]

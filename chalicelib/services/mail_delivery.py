"""One SES delivery, end to end: read the raw mail, handle it, and shelve what is not a card.

Nothing is lost: oversized, unparseable or failing mail goes to the dead-letter shelf with its
reason and verdicts, and :func:`reprocess` runs it again. Quarantined (spam/virus) and rejected
mail is shelved for administrators too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import NotFound, PayloadTooLarge
from chalicelib.domain.inbound_mail import InboundMail
from chalicelib.observability import logger
from chalicelib.ports import RawMailStore, ShelvedMail
from chalicelib.services.mail_intake import (
    MailOutcome,
    MailPolicies,
    MailPorts,
    MailResult,
    MailVerdicts,
    card_from_mail,
    receive_mail,
)


@dataclass(frozen=True)
class SetAside:
    """A shelved mail with what a person needs to judge it."""

    shelved: ShelvedMail
    sender: str | None
    subject: str


class Shelf(StrEnum):
    DEAD_LETTER = "dead-letter"
    QUARANTINE = "quarantine"
    REJECTED = "rejected"
    AUTOMATED = "automated"  # auto-replies, out-of-office, list and bulk mail: not requests


SHELF_OF = {
    MailOutcome.QUARANTINED: Shelf.QUARANTINE,
    MailOutcome.REJECTED: Shelf.REJECTED,
    MailOutcome.AUTOMATED: Shelf.AUTOMATED,
}


def deliver(
    delivery_id: str,
    verdicts: MailVerdicts,
    *,
    raw_mail: RawMailStore,
    parse: Callable[[bytes], InboundMail],
    ports: MailPorts,
    policies: MailPolicies,
) -> MailResult:
    try:
        raw: bytes | None = raw_mail.read(delivery_id, max_bytes=policies.mail.max_raw_bytes)
    except PayloadTooLarge as oversized:
        raw, result = None, MailResult(MailOutcome.DEAD_LETTERED, reason=oversized.message)
    except NotFound:
        # SES's copy is missing (deleted, or not written yet): recorded on the shelf, and run
        # again once it is there.
        reason = f"the raw mail was not found in storage (inbound/{delivery_id})"
        raw, result = None, MailResult(MailOutcome.DEAD_LETTERED, reason=reason)
    if raw is not None:
        try:
            mail = parse(raw)
            ports.telemetry.mail_decoded(steps=mail.decoding)
            result = receive_mail(
                mail, verdicts, delivery_id=delivery_id, ports=ports, policies=policies
            )
        except Exception as error:
            logger.exception("mail dead-lettered")
            result = MailResult(
                MailOutcome.DEAD_LETTERED, reason=f"{type(error).__name__}: {error}"[:500]
            )
    shelf = (
        Shelf.DEAD_LETTER
        if result.outcome == MailOutcome.DEAD_LETTERED
        else None
        if result.card_number  # an automatic reply noted on its card is not set aside
        else SHELF_OF.get(result.outcome)
    )
    if shelf is not None:
        raw_mail.shelve(
            delivery_id,
            shelf.value,
            reason=result.reason or result.outcome.value,
            verdicts=asdict(verdicts),
        )
        logger.info(
            "mail shelved",
            extra={
                "shelf": shelf.value,
                "delivery_id": delivery_id,
                "outcome": result.outcome.value,
            },
        )
    ports.telemetry.mail_handled(outcome=result.outcome.value)
    return result


def reprocess(
    shelf: Shelf,
    *,
    raw_mail: RawMailStore,
    parse: Callable[[bytes], InboundMail],
    ports: MailPorts,
    policies: MailPolicies,
    progress: Callable[[int, int], None] | None = None,
) -> list[tuple[str, MailResult]]:
    """Run every mail on ``shelf`` again, with the verdicts SES gave it on receipt;
    ``progress(done, total)`` after each."""
    results = []
    waiting = raw_mail.shelved(shelf.value)
    for shelved in waiting:
        raw_mail.restore(shelved.message_id, shelf.value)
        verdicts = MailVerdicts(
            **{k: v for k, v in shelved.verdicts.items() if k in ("spam", "virus", "dmarc")}
        )
        results.append(
            (
                shelved.message_id,
                deliver(
                    shelved.message_id,
                    verdicts,
                    raw_mail=raw_mail,
                    parse=parse,
                    ports=ports,
                    policies=policies,
                ),
            )
        )
        if progress is not None:
            progress(len(results), len(waiting))
    return results


@dataclass(frozen=True)
class MailIntake:
    """The email channel wired to its ports (built once by the container)."""

    raw_mail: RawMailStore
    parse: Callable[[bytes], InboundMail]
    ports: MailPorts
    policies: MailPolicies

    def deliver(self, delivery_id: str, verdicts: MailVerdicts) -> MailResult:
        return deliver(
            delivery_id,
            verdicts,
            raw_mail=self.raw_mail,
            parse=self.parse,
            ports=self.ports,
            policies=self.policies,
        )

    def shelved(self, shelf: Shelf) -> list[ShelvedMail]:
        return list(self.raw_mail.shelved(shelf.value))

    def automated(self, principal: Principal, *, limit: int = 100) -> list[SetAside]:
        """The mail set aside as automated (up to ``limit``), each with who sent it and about
        what, so the front desk can tell a person's request that looked automated."""
        access.require_mail_triage(principal)
        found = []
        for shelved in self.raw_mail.shelved(Shelf.AUTOMATED.value)[:limit]:
            raw = self.raw_mail.read_shelved(
                shelved.message_id,
                Shelf.AUTOMATED.value,
                max_bytes=self.policies.mail.max_raw_bytes,
            )
            mail = self.parse(raw)
            found.append(SetAside(shelved, sender=mail.sender, subject=mail.subject))
        return found

    def card_for(self, principal: Principal, message_id: str) -> MailResult:
        access.require_mail_triage(principal)
        return self.make_card(message_id)

    def make_card(self, message_id: str) -> MailResult:
        """Make a card of a mail set aside as automated (a person wrote it after all)."""
        shelved = self.raw_mail.restore(message_id, Shelf.AUTOMATED.value)
        try:
            mail = self.parse(
                self.raw_mail.read(message_id, max_bytes=self.policies.mail.max_raw_bytes)
            )
            key = mail.message_id or f"<{message_id}@ses>"
            result = card_from_mail(mail, key, ports=self.ports, policies=self.policies)
        except Exception:
            self._set_aside_again(shelved, shelved.reason)
            raise
        if result.card_number is None:  # refused (no sender, a field no card takes): kept
            self._set_aside_again(shelved, result.reason or result.outcome.value)
            return result
        self.ports.mail_log.settle(
            key, outcome=result.outcome.value, card_number=result.card_number
        )
        logger.info("automated mail made a card", extra={"card": result.card_number})
        return result

    def _set_aside_again(self, shelved: ShelvedMail, reason: str) -> None:
        """Back on the automated shelf: a card that could not be made loses no mail."""
        self.raw_mail.shelve(
            shelved.message_id, Shelf.AUTOMATED.value, reason=reason, verdicts=shelved.verdicts
        )

    def reprocess(
        self, shelf: Shelf, progress: Callable[[int, int], None] | None = None
    ) -> list[tuple[str, MailResult]]:
        return reprocess(
            shelf,
            raw_mail=self.raw_mail,
            parse=self.parse,
            ports=self.ports,
            policies=self.policies,
            progress=progress,
        )

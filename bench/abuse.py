"""Abuse and loss, measured: what the limits cost per public write, what a flood from one
address gets through, how many numbers a 50-way retry race takes, and whether a thousand mails
delivered twice, some killed mid-way, make a thousand cards.

Everything runs the product's own container over DynamoDB and S3 under moto (in-process), with
a manual clock so leases and windows pass without waiting. Prints figures; asserts nothing but
what a broken run would make meaningless.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api_calls import CallCounter

# moto copies the table with its stream's records on every transaction, so its memory grows
# with the square of the writes: the runs under moto are kept to hundreds, the thousand mails
# run on the in-memory twins (the same contract suites).
FLOOD = 300
RACE = 50
MAILS = 1_000
KILLED_EVERY = 10  # one mail in ten is killed mid-way on its first delivery


class Killed(BaseException):
    """What a Lambda timeout does to a handler: no except clause of ours runs."""


def _form(n: int, consent_version: str) -> dict[str, Any]:
    return {
        "subject": f"Pothole number {n}",
        "description": "A deep pothole by the bus stop",
        "category": "roads.potholes",
        "requester": {"full_name": "Anna Ivanova", "email": f"resident{n}@example.org"},
        "consent": {"accepted": True, "text_version": consent_version},
    }


def main() -> None:
    warnings.filterwarnings("ignore", message="CognitoUserPoolAuthorizer")
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.adapters.clock import ManualClock
    from chalicelib.settings import Settings
    from infrastructure.local.resources import ensure_resources

    settings = Settings.from_env(
        {"CIVICDESK_AUTH_MODE": "dev", "CIVICDESK_DEV_TOKEN_SECRET": "bench" * 8}
    )
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    with mock_aws():
        dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
        ensure_resources(settings, dynamodb=dynamodb, s3=s3)
        counter = CallCounter()
        counter.attach(dynamodb)
        c = bootstrap.build(settings, dynamodb_client=dynamodb, s3_client=s3, clock=clock)
        bootstrap.use(c)
        from app import app

        headers = {"Content-Type": "application/json"}
        with Client(app) as client:

            def post(path: str, body: Any, **extra: str) -> Any:
                return client.http.post(path, body=json.dumps(body), headers={**headers, **extra})

            post("/requests", _form(0, settings.consent_version))  # stores directory, rules
            counter.take()
            rows: list[tuple[str, dict[str, int]]] = []
            plain = post("/requests", _form(1, settings.consent_version))
            rows.append(("web intake (2 client limits, receipt limit)", counter.take()[0]))
            post("/requests", _form(2, settings.consent_version), **{"Idempotency-Key": "k-1"})
            rows.append(("web intake with Idempotency-Key (+ claim)", counter.take()[0]))
            post("/requests", _form(2, settings.consent_version), **{"Idempotency-Key": "k-1"})
            rows.append(("retried intake (replay, fresh key)", counter.take()[0]))
            number = json.loads(plain.body)["number"]
            post(f"/requests/{number}/access-code", {})
            rows.append(("access code, known number", counter.take()[0]))
            post("/requests/2026-099999/access-code", {})
            rows.append(("access code, unknown number", counter.take()[0]))
            client.http.get(f"/requests/{number}", headers={"X-Access-Token": "wrong"})
            rows.append(("status view (reads are not limited)", counter.take()[0]))

            # A flood from one address within the hour.
            clock.advance(timedelta(hours=2))
            answers = [
                post("/requests", _form(100 + n, settings.consent_version)) for n in range(FLOOD)
            ]
            flood_calls = counter.take()[0]
            accepted = sum(a.status_code == 201 for a in answers)
            refused = [a for a in answers if a.status_code == 429]
            waits = sorted({int(a.headers["Retry-After"]) for a in refused})
            clock.advance(timedelta(days=1))  # the flood used the address's writes up
            codes = [post(f"/requests/2026-{500000 + n:06d}/access-code", {}) for n in range(100)]

        # Codes sprayed at one person across their cards, each number asked once.
        clock.advance(timedelta(hours=2))
        person = [
            c.intake.submit(
                _card(settings.consent_version, "sprayed@example.org", n), key=None
            ).card.number
            for n in range(50)
        ]
        for card_number in person:
            c.requester.send_code(card_number)
        codes_to_person = sum(m.kind == "access_code" for n in person for m in c.outbox.for_card(n))

        # Fifty parallel retries of one submission.
        before = c.cards.numbers_taken([2026])
        race = _race(c, settings.consent_version)
        numbers_in_race = c.cards.numbers_taken([2026]) - before

        # A few mails under moto for the calls one costs; the thousand on the in-memory twins.
        counter.take()
        _mail_run(c.mail_ports, c.mail_policies, clock, mails=20)
        mail_calls = counter.take()[0]
    mail = _mail_run(*_memory_mail(clock), clock, mails=MAILS)

    print("Abuse limits and lost-nothing guarantees (moto in-process; the 1,000 mails in memory)")
    print("AWS calls per public operation (DynamoDB)")
    for name, calls in rows:
        detail = ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))
        print(f"  {name:<46} {sum(calls.values())} calls   ({detail})")
    print(
        f"flood: {FLOOD} new requests from one address within the hour -> {accepted} registered, "
        f"{len(refused)} refused with 429 (Retry-After {waits[0] if waits else '-'}"
        f"..{waits[-1] if waits else '-'} s); DynamoDB calls for the whole flood "
        f"{sum(flood_calls.values())} ({sum(flood_calls.values()) / FLOOD:.2f} a request)"
    )
    print(
        f"codes: 100 numbers asked from one address -> {sum(a.status_code == 202 for a in codes)} "
        f"answered, {sum(a.status_code == 429 for a in codes)} refused; one person with 50 "
        f"requests, a code asked on each -> {codes_to_person} codes reached them"
    )
    print(
        f"race: {RACE} parallel retries of one keyed submission -> {race['created']} created, "
        f"{race['replayed']} replayed, {race['retry later']} told to retry; numbers taken "
        f"{numbers_in_race}"
    )
    print(
        f"mail under moto: {sum(mail_calls.values()) / 20 / 2:.1f} DynamoDB calls a delivery "
        f"(20 mails, each delivered twice, 2 killed: "
        + ", ".join(f"{op} {n}" for op, n in sorted(mail_calls.items()))
        + ")"
    )
    print(
        f"mail: {MAILS} mails delivered twice, every {KILLED_EVERY}th killed mid-way on its "
        f"first delivery -> {mail['cards']} cards, {mail['duplicates']} duplicates answered, "
        f"{mail['at work']} told another delivery was at work, {mail['taken over']} taken over "
        f"after the lease; files stored {mail['files']} for {MAILS} mails with one file; "
        f"{mail['seconds']:.1f} s"
    )


def _card(consent_version: str, email: str, n: int) -> Any:
    from chalicelib.services.commands import CardCreate

    form = _form(n, consent_version)
    form["requester"]["email"] = email
    return CardCreate.model_validate(form)


def _race(c: Any, consent_version: str) -> dict[str, int]:
    from chalicelib.domain.errors import ConflictError

    form = _card(consent_version, "racer@example.org", 7)
    answers: list[str] = []
    barrier = threading.Barrier(RACE)

    def retry() -> None:
        barrier.wait()
        try:
            answers.append("replayed" if c.intake.submit(form, key="race").replayed else "created")
        except ConflictError:
            answers.append("retry later")

    threads = [threading.Thread(target=retry) for _ in range(RACE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {kind: answers.count(kind) for kind in ("created", "replayed", "retry later")}


def _memory_mail(clock: Any) -> tuple[Any, Any]:
    """The mail use case over the in-memory twins, routed by the shipped rules."""
    from chalicelib.adapters.calendar_config import load_seed_calendar
    from chalicelib.adapters.memory_blobs import InMemoryBlobStore
    from chalicelib.adapters.memory_cards import InMemoryCardRepository
    from chalicelib.adapters.memory_mail import InMemoryMailLog, RecordingMailer
    from chalicelib.adapters.memory_rate_limits import InMemoryRateLimiter
    from chalicelib.adapters.memory_rules import InMemoryRoutingRules
    from chalicelib.adapters.memory_templates import InMemoryTemplates
    from chalicelib.adapters.pillow_thumbnails import PillowThumbnails
    from chalicelib.adapters.rules_config import load_seed_rules
    from chalicelib.adapters.static_directory import StaticDirectory
    from chalicelib.adapters.telemetry import RecordingTelemetry
    from chalicelib.services.mail_intake import MailPolicies, MailPorts
    from chalicelib.services.notifications import Notifier, NotifyPolicy
    from chalicelib.services.policies import AttachmentPolicy, IntakePolicy, MailPolicy
    from chalicelib.services.routing import RoutingPolicy, router

    directory, cards = StaticDirectory.from_file(), InMemoryCardRepository()
    route = router(
        rules=InMemoryRoutingRules(lambda: load_seed_rules(clock.now())),
        cards=cards,
        directory=directory,
        policy=RoutingPolicy(calendar=load_seed_calendar()),
    )
    notify = Notifier(
        directory=directory,
        templates=InMemoryTemplates(clock.now),
        policy=NotifyPolicy(link_secret=b"bench-link-secret-of-32-bytes-or-more"),
    )
    ports = MailPorts(
        cards,
        InMemoryMailLog(),
        InMemoryRateLimiter(),
        RecordingMailer(),
        InMemoryBlobStore(),
        directory,
        clock,
        RecordingTelemetry(),
        route,
        cards.outbox,
        notify,
        PillowThumbnails(),
    )
    return ports, MailPolicies(MailPolicy(), IntakePolicy(), AttachmentPolicy())


def _mail_run(mail_ports: Any, policies: Any, clock: Any, *, mails: int) -> dict[str, float]:
    from dataclasses import replace

    from chalicelib.adapters.mime import parse_mail
    from chalicelib.services.mail_intake import (
        MAIL_LEASE,
        MailAtWork,
        MailOutcome,
        MailVerdicts,
        receive_mail,
    )

    class Dying:
        """The attachment store, dying on the first store of every KILLED_EVERY-th mail."""

        def __init__(self, blobs: Any) -> None:
            self._blobs = blobs
            self.doomed: set[bytes] = set()
            self.stored = 0

        def put(self, key: str, content: bytes, *, content_type: str) -> Any:
            stored = self._blobs.put(key, content, content_type=content_type)
            self.stored += 1
            if content in self.doomed:
                self.doomed.discard(content)
                raise Killed()
            return stored

        def __getattr__(self, name: str) -> Any:
            return getattr(self._blobs, name)

    blobs = Dying(mail_ports.blobs)
    ports = replace(mail_ports, blobs=blobs)
    tally = {"cards": 0.0, "duplicates": 0.0, "at work": 0.0, "taken over": 0.0}
    killed: list[bytes] = []
    before = ports.cards.numbers_taken([2026])
    started = time.perf_counter()
    for n in range(mails):
        raw = _raw_mail(n)
        if n % KILLED_EVERY == 0:
            blobs.doomed.add(_photo(n))
        for _ in range(2):  # SES delivers at least once: here, twice
            try:
                result = receive_mail(
                    parse_mail(raw),
                    MailVerdicts(),
                    delivery_id=f"d{n}",
                    ports=ports,
                    policies=policies,
                )
            except Killed:
                killed.append(raw)
                continue
            except MailAtWork:
                tally["at work"] += 1
                continue
            if result.outcome == MailOutcome.DUPLICATE:
                tally["duplicates"] += 1
    clock.advance(MAIL_LEASE + timedelta(seconds=1))
    for raw in killed:  # Lambda's retry, after the lease
        result = receive_mail(
            parse_mail(raw),
            MailVerdicts(),
            delivery_id="retry",
            ports=ports,
            policies=policies,
        )
        tally["taken over"] += result.outcome == MailOutcome.CREATED
    tally["seconds"] = time.perf_counter() - started
    tally["files"] = blobs.stored
    tally["cards"] = ports.cards.numbers_taken([2026]) - before
    return tally


def _photo(n: int) -> bytes:
    return b"\xff\xd8\xff photo " + str(n).encode()


def _raw_mail(n: int) -> bytes:
    import base64

    photo = base64.b64encode(_photo(n)).decode()
    return (
        f"From: Resident {n} <mailer{n}@example.org>\r\nTo: requests@town.example\r\n"
        f"Subject: Broken streetlight {n}\r\nMessage-ID: <bench-{n}@example.org>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe light is out again.\r\n"
        "--B\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; "
        f"filename=light.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n{photo}\r\n--B--\r\n"
    ).encode()


if __name__ == "__main__":
    main()

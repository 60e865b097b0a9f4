"""Email intake: throughput over CPython's email corpus and the project's own
(``tests/data/mail``: charsets declared, undeclared and mislabelled, forwards, odd senders), the
share of texts each step of the charset chain decoded, and AWS calls per new-card email.

Throughput is a ratio to a bare ``BytesParser(policy=default)`` parse of the same corpus, measured
in the same run (so the machine's speed cancels out). Handling runs the whole use case against
in-memory ports; the AWS call count runs one mail through the handler under moto.
"""

from __future__ import annotations

import os
import statistics
import sys
import sysconfig
import time
from collections import Counter
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

from bench.api_calls import CallCounter

CORPUS = [
    p.read_bytes()
    for p in [
        *sorted(
            (Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data").glob(
                "msg_*.txt"
            )
        ),
        *sorted((Path(__file__).resolve().parent.parent / "tests" / "data" / "mail").glob("*.eml")),
    ]
]
ROUNDS = 15


def per_second(run) -> float:
    """Mails per second: the median of several rounds over the whole corpus."""
    timings = []
    for round_number in range(ROUNDS):
        started = time.perf_counter()
        run(round_number)
        timings.append(time.perf_counter() - started)
    return len(CORPUS) / statistics.median(timings)


def main() -> None:
    from datetime import UTC, datetime

    from chalicelib.adapters.clock import ManualClock
    from chalicelib.adapters.memory_blobs import InMemoryBlobStore
    from chalicelib.adapters.memory_cards import InMemoryCardRepository
    from chalicelib.adapters.memory_mail import (
        InMemoryMailLog,
        RecordingMailer,
    )
    from chalicelib.adapters.memory_rate_limits import InMemoryRateLimiter
    from chalicelib.adapters.memory_templates import InMemoryTemplates
    from chalicelib.adapters.mime import parse_mail
    from chalicelib.adapters.pillow_thumbnails import PillowThumbnails
    from chalicelib.adapters.static_directory import StaticDirectory
    from chalicelib.adapters.telemetry import RecordingTelemetry
    from chalicelib.services.mail_intake import MailPolicies, MailPorts, MailVerdicts, receive_mail
    from chalicelib.services.notifications import Notifier, NotifyPolicy
    from chalicelib.services.policies import AttachmentPolicy, IntakePolicy, MailPolicy

    parser = BytesParser(policy=policy.default)
    directory = StaticDirectory.from_file()
    policies = MailPolicies(MailPolicy(), IntakePolicy(), AttachmentPolicy())

    def bare(_: int) -> None:
        for raw in CORPUS:
            parser.parsebytes(raw)

    def parsed(_: int) -> None:
        for raw in CORPUS:
            parse_mail(raw)

    from chalicelib.adapters.calendar_config import load_seed_calendar
    from chalicelib.adapters.memory_rules import InMemoryRoutingRules
    from chalicelib.adapters.rules_config import load_seed_rules
    from chalicelib.services.routing import RoutingPolicy, router

    routing_policy = RoutingPolicy(calendar=load_seed_calendar())
    start = datetime(2026, 3, 2, tzinfo=UTC)

    def handled(round_number: int) -> None:
        cards = InMemoryCardRepository()
        route = router(
            rules=InMemoryRoutingRules(lambda: load_seed_rules(start)),
            cards=cards,
            directory=directory,
            policy=routing_policy,
        )
        ports = MailPorts(
            cards,
            InMemoryMailLog(),
            InMemoryRateLimiter(),
            RecordingMailer(),
            InMemoryBlobStore(),
            directory,
            ManualClock(start),
            RecordingTelemetry(),
            route,
            cards.outbox,
            Notifier(
                directory=directory,
                templates=InMemoryTemplates(lambda: start),
                policy=NotifyPolicy(link_secret=b"bench-link-secret-of-32-bytes-or-more"),
            ),
            PillowThumbnails(),
        )
        for index, raw in enumerate(CORPUS):
            receive_mail(
                parse_mail(raw),
                MailVerdicts(),
                delivery_id=f"{round_number}-{index}",
                ports=ports,
                policies=policies,
            )

    bare_rate, parse_rate, handle_rate = per_second(bare), per_second(parsed), per_second(handled)
    print(f"email intake over {len(CORPUS)} corpus mails, median of {ROUNDS} rounds")
    steps = Counter(step for raw in CORPUS for step in parse_mail(raw).decoding)
    total = sum(steps.values())
    print(
        f"  texts decoded {total}, by step: "
        + ", ".join(f"{step} {count} ({count / total:.0%})" for step, count in steps.most_common())
    )
    print(f"  bare BytesParser parse           {bare_rate:8.0f} mails/s   1.00x")
    print(
        f"  parse_mail (InboundMail)         {parse_rate:8.0f} mails/s   "
        f"{parse_rate / bare_rate:.2f}x"
    )
    print(
        f"  parse + receive_mail (in-memory) {handle_rate:8.0f} mails/s   "
        f"{handle_rate / bare_rate:.2f}x"
    )
    count_aws_calls()


def count_aws_calls() -> None:
    import boto3
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.settings import Settings
    from functions import email_inbound
    from infrastructure.local.mailroom import LambdaContext, ses_event
    from infrastructure.local.resources import ensure_resources

    settings = Settings.from_env({"CIVICDESK_LINK_SECRET": "bench-link-secret-" + "x" * 20})
    raw = (
        b"From: Anna <anna@example.org>\r\nTo: requests@town.example\r\nSubject: Pothole\r\n"
        b"Message-ID: <bench@example.org>\r\nContent-Type: text/plain\r\n\r\nDeep hole.\r\n"
    )
    with mock_aws():
        clients = {name: boto3.client(name) for name in ("dynamodb", "s3", "ses")}
        ensure_resources(
            settings, dynamodb=clients["dynamodb"], s3=clients["s3"], ses=clients["ses"]
        )
        clients["s3"].put_object(Bucket=settings.inbound_bucket, Key="inbound/bench-1", Body=raw)
        counter = CallCounter()
        for client in clients.values():
            counter.attach(client)
        bootstrap.use(
            bootstrap.build(
                settings,
                dynamodb_client=clients["dynamodb"],
                s3_client=clients["s3"],
                ses_client=clients["ses"],
            )
        )
        counter.take()
        context: Any = LambdaContext()
        email_inbound.handler(
            ses_event("bench-1", "anna@example.org", ["requests@town.example"]), context
        )
        calls, items = counter.take()
    detail = ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))
    print(
        f"  AWS calls for one new-card email   {sum(calls.values())} calls, {items} items "
        f"read   ({detail})"
    )


if __name__ == "__main__":
    main()

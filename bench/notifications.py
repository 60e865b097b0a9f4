"""Requester messages: how fast templates render and messages are composed, and what one
message costs on AWS (moto) from the outbox to SES or SNS.

    python bench/notifications.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench.moto_env  # noqa: F401  (first: the environment boto3 and Powertools read)
from bench.api_calls import CallCounter

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def main() -> None:
    print("Templates and composition (in memory)")
    _speed()
    print("AWS calls per message (moto)")
    _calls()


def _rate(work: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        work()
    return count / (time.perf_counter() - started)


def _speed() -> None:
    from chalicelib import templating
    from chalicelib.adapters.clock import ManualClock
    from chalicelib.adapters.shipped_templates import default_source
    from chalicelib.adapters.static_directory import StaticDirectory
    from chalicelib.domain.history import SYSTEM, Action, HistoryEntry
    from chalicelib.domain.notifications import PUBLIC_VARIABLES, NotificationKind, Occasion
    from tests.factories import new_card, notifier

    variables = {name: f"value of {name}" for name in PUBLIC_VARIABLES}
    for locale in ("en", "ru"):
        sources = [default_source(k.value, locale) for k in NotificationKind]

        def render_all(sources: list[str] = sources) -> None:
            for source in sources:
                templating.render_source(source, variables)

        render_all()  # compile once, as a warm Lambda has
        per_second = _rate(render_all, 1_000) * len(sources)
        print(
            f"  render, {locale}: {per_second:,.0f} messages/s "
            "(all four parts: subject, text, HTML, SMS)"
        )

    def compile_and_render() -> None:
        templating._compiled.cache_clear()
        templating.render_source(sources[0], variables)

    cold = _rate(compile_and_render, 200)
    print(f"  render with compiling every time: {cold:,.0f} messages/s")
    directory = StaticDirectory.from_file()
    card = new_card(ManualClock(START), directory)
    notify = notifier(directory)
    entry = HistoryEntry(seq=2, at=START, actor=SYSTEM, action=Action.STATUS_CHANGED)
    occasion = Occasion(NotificationKind.FINAL_REPLY, message="Patched", final=True)
    composed = _rate(lambda: notify.compose(card, entry, occasion), 5_000)
    print(f"  compose (context, signed link, render, outbox record): {composed:,.0f} messages/s")


def _calls() -> None:
    import boto3
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.adapters.clock import ManualClock
    from chalicelib.settings import Settings
    from infrastructure.local.resources import ensure_resources
    from tests.factories import submit

    settings = Settings.from_env(
        {"CIVICDESK_AUTH_MODE": "dev", "CIVICDESK_DEV_TOKEN_SECRET": "bench" * 8}
    )
    with mock_aws():
        dynamodb, ses, sns = (boto3.client(s) for s in ("dynamodb", "ses", "sns"))
        ensure_resources(settings, dynamodb=dynamodb, s3=boto3.client("s3"), ses=ses)
        clock = ManualClock(START)
        c = bootstrap.build(settings, dynamodb_client=dynamodb, ses_client=ses, clock=clock)
        c.__dict__["sms"] = _sms_on(sns, settings)
        directory = c.directory
        count = 40
        numbers = []
        for index in range(count):
            preferred = "sms" if index % 2 else "email"
            requester = {
                "full_name": "Anna Ivanova",
                "email": "anna@example.org",
                "phone": "+7 916 123-45-67",
                "preferred_channel": preferred,
            }
            numbers.append(
                submit(
                    c.cards, clock, directory, notify=c.notifier, requester=requester
                ).card.number
            )
        counter = CallCounter()
        for client in (dynamodb, ses, sns):
            counter.attach(client)
        half = count // 2
        ids = [m.id for n in numbers[:half] for m in c.outbox.for_card(n)]
        counter.take()
        c.outbox_dispatch.dispatch(ids)
        _print("from the stream (by id)", counter.take(), half)
        c.outbox_dispatch.dispatch_due(limit=half)
        _print("from the minute sweep (due index)", counter.take(), half)


def _sms_on(sns: Any, settings: Any) -> Any:
    from chalicelib.adapters.sns_sms import SnsSmsSender

    return SnsSmsSender(
        sns, country_code=settings.sms_country_code, trunk_prefix=settings.sms_trunk_prefix
    )


def _print(label: str, taken: tuple[dict[str, int], int], count: int) -> None:
    calls, items = taken
    print(
        f"  {label}: {sum(calls.values()) / count:.1f} AWS calls per message "
        f"({', '.join(f'{k} {v / count:.2f}' for k, v in sorted(calls.items()))}), "
        f"{items / count:.1f} items read"
    )


if __name__ == "__main__":
    main()

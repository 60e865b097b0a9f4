"""The waits for the requester ending at a town's scale, on the local stack's emulated AWS (moto's
server with the SQLite item store, as ``make run`` has it): a queue of 5,000 cards whose wait
has a step due (40% reminders, 40% reply-by dates passed, 20% objection windows over), worked
off by the ordinary deadline sweep. Prints the sweeps it takes, AWS calls and items read per
card, and the messages written to requesters.

Not plain ``mock_aws``: moto deep-copies the whole table before every TransactWriteItems, so
5,000 transactions over 20,000 items take hours and tens of GB there.

The cards are written straight into the table (card item and its history, as the lifecycle
writes them) so that setting up thousands takes seconds.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench.moto_env  # noqa: F401  (first: the environment boto3 and Powertools read)
from bench.api_calls import CallCounter
from bench.sla_sweep import deadline_watch, put_in_batches, registered_card

# The shares of the queue: reminders due, reply-by dates passed, objection windows over.
SHARES = {"reminders": 0.4, "unanswered": 0.4, "silent": 0.2}


def main() -> None:
    import argparse
    import logging
    import tempfile

    from infrastructure.local.aws import EmulatedAws

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=5_000, help="the queue (default 5,000)")
    queue = parser.parse_args().cards

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    # Monday 16 March 2026, 11:00 Moscow.
    now = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        aws = EmulatedAws(Path(folder))
        try:
            _run(aws.start(), queue, now)
        finally:
            aws.stop()


def _run(endpoint_url: str, queue: int, now: datetime) -> None:
    # Messages to requesters carry signed links: the watch needs the link secret.
    secret = {"CIVICDESK_LINK_SECRET": "bench-link-secret-of-at-least-32-characters"}
    container, settings, dynamodb, scheduler = deadline_watch(now, endpoint_url, **secret)
    started = time.perf_counter()
    numbers = _write_cards(container, dynamodb, settings.table_name, now, queue)
    print(f"{len(numbers):,} waiting cards written in {time.perf_counter() - started:.1f} s")
    container.directory.staff()  # loaded once per warm function: not counted
    container.notifier  # noqa: B018  (the link secret, once per cold start: not counted)
    counter = CallCounter()
    counter.attach(dynamodb)
    counter.attach(scheduler)
    sweeps, checked = 0, 0
    started = time.perf_counter()
    while True:
        report = container.sla.sweep()
        if report.failed:
            raise SystemExit(f"checks failed: {report.failed[:5]}")
        if not report.checked:
            break
        sweeps += 1
        checked += report.checked
    elapsed = time.perf_counter() - started
    calls, items = counter.take()
    ended = _outcomes(container, numbers)
    print(
        f"{checked:,} cards checked in {sweeps} sweeps (at most "
        f"{_max_cards()} a sweep, one every five minutes): {elapsed:.1f} s on the local stack, "
        f"{1000 * elapsed / max(checked, 1):.1f} ms a card"
    )
    print(
        f"  per card: AWS calls {sum(calls.values()) / max(checked, 1):.1f}, "
        f"items read {items / max(checked, 1):.1f}; calls {dict(sorted(calls.items()))}"
    )
    print(f"  outcome: {dict(sorted(ended.items()))}")
    messages = Counter(m.kind for n in numbers for m in container.outbox.for_card(n))
    print(f"  messages to requesters: {dict(sorted(messages.items()))}")
    counter.take()  # the look at the outcome above is not the sweep's
    again = container.sla.sweep()
    calls, items = counter.take()
    print(
        f"a sweep after it: checked {again.checked}, items read {items}, "
        f"AWS calls {sum(calls.values())}"
    )


def _max_cards() -> int:
    from chalicelib.services.sla import SWEEP_MAX_CARDS

    return SWEEP_MAX_CARDS


def _outcomes(container: Any, numbers: list[str]) -> Counter[str]:
    outcome: Counter[str] = Counter()
    for number in numbers:
        card = container.cards.get(number)
        mark = " (no answer)" if card.no_answer_at else ""
        outcome[card.status.value + mark] += 1
    return outcome


def _write_cards(container: Any, dynamodb: Any, table: str, now: datetime, queue: int) -> list[str]:
    """Cards as the lifecycle leaves them: asked a question (their reminder due, or their date
    passed), or resolved with the objection window over; every one due for a check."""
    from chalicelib.adapters.card_items import card_item, entry_item
    from chalicelib.domain import lifecycle
    from chalicelib.domain.card import Status
    from chalicelib.domain.history import Actor, ActorKind

    policy = container.sla_policy
    executor = Actor(kind=ActorKind.STAFF, id="ex-ivan")
    numbers: list[str] = []
    items: list[dict[str, Any]] = []
    reminders = int(queue * SHARES["reminders"])
    questions = reminders + int(queue * SHARES["unanswered"])
    for sequence in range(1, queue + 1):
        registered = now - timedelta(days=8 if sequence <= reminders else 15)
        card, created = registered_card(sequence, registered, executor_id="ex-ivan")
        number = card.number
        at = registered + timedelta(minutes=30)
        working = lifecycle.transition(
            card, Status.IN_PROGRESS, lifecycle.TransitionDetails(), actor=executor, at=at
        )
        at += timedelta(minutes=30)
        if sequence <= questions:
            details = lifecycle.TransitionDetails(
                question="Which entrance is it?", reply_by=policy.reply_by(card.category, at)
            )
            last = lifecycle.transition(
                working.card, Status.NEEDS_CLARIFICATION, details, actor=executor, at=at
            )
        else:
            details = lifecycle.TransitionDetails(
                resolution="Patched", objection_until=policy.objection_until(at)
            )
            last = lifecycle.transition(
                working.card, Status.RESOLVED, details, actor=executor, at=at
            )
        items += [
            card_item(last.card, last.entry),
            *(entry_item(number, entry) for entry in (created, working.entry, last.entry)),
        ]
        numbers.append(number)
    put_in_batches(dynamodb, table, items)
    return numbers


if __name__ == "__main__":
    main()

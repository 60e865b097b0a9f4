"""Business metrics: CloudWatch embedded metric format through Powertools, or a recorder.

Each metric is its own EMF line (``single_metric``) with only the dimensions it needs: a shared
``Metrics`` instance would carry one metric's dimensions into the next. Dimensions are kept to
a closed, small set (channel, outcome, step, kind), never a topic or a person: every distinct
combination is a custom metric CloudWatch bills by the month. The alarms and the dashboard in
``infrastructure/operations.py`` name these metrics and dimensions.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence

SERVICE_DIMENSION = {"service": "civicdesk"}


class PowertoolsTelemetry:
    """Emits EMF to stdout: no API call on the request path."""

    def __init__(self, namespace: str) -> None:
        self._namespace = namespace

    def _count(self, name: str, value: float = 1, **dimensions: str) -> None:
        # Powertools' own switch (the local stack and the command line set it): single_metric
        # does not read it, and an EMF line would land among a command's answers.
        if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() in ("1", "true", "yes", "on"):
            return
        from aws_lambda_powertools.metrics import MetricUnit, single_metric

        with single_metric(
            name=name,
            unit=MetricUnit.Count,
            value=value,
            namespace=self._namespace,
            default_dimensions=SERVICE_DIMENSION,
        ) as metric:
            for key, dimension in dimensions.items():
                metric.add_dimension(name=key, value=dimension)

    def card_created(self, *, channel: str, category: str) -> None:
        # By channel only: the topics' counts are the reports' (a dimension a topic would be
        # forty metrics a month).
        self._count("CardsCreated", channel=channel)

    def card_changed(self, *, closed: bool, deadlines_missed: int) -> None:
        if closed:
            self._count("CardsClosed")
        if deadlines_missed:
            self._count("DeadlinesMissed", deadlines_missed)

    def message_settled(self, *, channel: str, status: str) -> None:
        """One outbox message's attempt: ``sent`` or ``failed`` (for good) are counted."""
        if status in ("sent", "failed"):
            self._count("MessagesSent" if status == "sent" else "MessagesFailed", channel=channel)

    def export_finished(self, *, kind: str) -> None:
        self._count("ExportsFinished", kind=kind)

    def mail_handled(self, *, outcome: str) -> None:
        self._count("MailHandled", outcome=outcome)

    def mail_decoded(self, *, steps: Sequence[str]) -> None:
        # How a town's mail really arrives: a rising share of "detected" or "replaced" says
        # its senders' programs label charsets wrongly (or not at all).
        for step, count in Counter(steps).items():
            self._count("MailTextsDecoded", count, step=step)


class RecordingTelemetry:
    def __init__(self) -> None:
        self.cards_created: list[tuple[str, str]] = []
        self.cards_closed = 0
        self.deadlines_missed = 0
        self.messages: Counter[tuple[str, str]] = Counter()
        self.exports: list[str] = []
        self.mail_outcomes: list[str] = []
        self.decoding_steps: Counter[str] = Counter()

    def card_created(self, *, channel: str, category: str) -> None:
        self.cards_created.append((channel, category))

    def card_changed(self, *, closed: bool, deadlines_missed: int) -> None:
        self.cards_closed += closed
        self.deadlines_missed += deadlines_missed

    def message_settled(self, *, channel: str, status: str) -> None:
        self.messages[channel, status] += 1

    def export_finished(self, *, kind: str) -> None:
        self.exports.append(kind)

    def mail_handled(self, *, outcome: str) -> None:
        self.mail_outcomes.append(outcome)

    def mail_decoded(self, *, steps: Sequence[str]) -> None:
        self.decoding_steps.update(steps)

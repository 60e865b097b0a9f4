"""Business metrics: CloudWatch embedded metric format through Powertools, or a recorder."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any


class PowertoolsTelemetry:
    """Emits EMF to stdout: no API call on the request path."""

    def __init__(self, metrics: Any) -> None:
        self._metrics = metrics

    def card_created(self, *, channel: str, category: str) -> None:
        from aws_lambda_powertools.metrics import MetricUnit

        self._metrics.add_dimension(name="channel", value=channel)
        self._metrics.add_dimension(name="category", value=category.split(".")[0])
        self._metrics.add_metric(name="CardsCreated", unit=MetricUnit.Count, value=1)
        # Flushed now rather than at the end of the invocation: dimensions belong to a metric
        # set, so each card needs its own.
        self._metrics.flush_metrics()

    def mail_handled(self, *, outcome: str) -> None:
        from aws_lambda_powertools.metrics import MetricUnit

        self._metrics.add_dimension(name="outcome", value=outcome)
        self._metrics.add_metric(name="MailHandled", unit=MetricUnit.Count, value=1)
        self._metrics.flush_metrics()

    def mail_decoded(self, *, steps: Sequence[str]) -> None:
        from aws_lambda_powertools.metrics import MetricUnit

        # How a town's mail really arrives: a rising share of "detected" or "replaced" says
        # its senders' programs label charsets wrongly (or not at all).
        for step, count in Counter(steps).items():
            self._metrics.add_dimension(name="step", value=step)
            self._metrics.add_metric(name="MailTextsDecoded", unit=MetricUnit.Count, value=count)
            self._metrics.flush_metrics()


class RecordingTelemetry:
    def __init__(self) -> None:
        self.cards_created: list[tuple[str, str]] = []
        self.mail_outcomes: list[str] = []
        self.decoding_steps: Counter[str] = Counter()

    def card_created(self, *, channel: str, category: str) -> None:
        self.cards_created.append((channel, category))

    def mail_handled(self, *, outcome: str) -> None:
        self.mail_outcomes.append(outcome)

    def mail_decoded(self, *, steps: Sequence[str]) -> None:
        self.decoding_steps.update(steps)

"""Business metrics: CloudWatch embedded metric format through Powertools, or a recorder."""

from __future__ import annotations

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


class RecordingTelemetry:
    def __init__(self) -> None:
        self.cards_created: list[tuple[str, str]] = []
        self.mail_outcomes: list[str] = []

    def card_created(self, *, channel: str, category: str) -> None:
        self.cards_created.append((channel, category))

    def mail_handled(self, *, outcome: str) -> None:
        self.mail_outcomes.append(outcome)

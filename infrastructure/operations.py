"""Knowing when it breaks: an alarm topic, an alarm on everything that can fail quietly, each
naming its runbook, and a dashboard of the town's day.

Alarms go to one SNS topic (encrypted with the stack's key); its e-mail subscriber is the
stack parameter ``AlarmEmail`` (a team's shared address), and a chat channel subscribes to the
topic's ARN (output ``AlarmTopicArn``; docs/runbooks/README.md says how). Every alarm tells
of its recovery too (OK action), so the person woken knows when it is over.

What is watched, and why each threshold (the runbook of each says how to look and recover):

- every failure queue: a message waiting (something was not processed and waits for a re-run)
  and its oldest message older than three days (eleven days before SQS would drop it);
- every function: errors; throttles of any (the account's concurrency is shared: one alarm);
- the API: more than 5% of answers 5xx over ten minutes, p99 latency over 5 s;
- the outbox: any message failed for good on any channel;
- SES: the account's bounce rate over 5% and complaint rate over 0.1% (SES reviews an account
  at 5% and 0.1%, and may pause its sending at 10% and 0.5%);
- the search indexer falling behind the table's stream (iterator age over 10 minutes);
- the search cluster red (or yellow where it has replicas to place), its writes blocked, its
  free storage under a quarter of a node's volume;
- escalations (Step Functions) failed or timed out;
- the SLA sweep not having run for fifteen minutes (it runs every five), and the nightly
  export not having finished in the last day (missing data is breaching for both: silence is
  the failure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from chalicelib.adapters.telemetry import SERVICE_DIMENSION
from chalicelib.domain.card import Channel
from chalicelib.observability import NAMESPACE
from infrastructure.failures import OUTPUT as FAILURES_OUTPUT
from infrastructure.search import SearchDomain

RUNBOOKS = "docs/runbooks"
CHANNELS = ("email", "sms")  # the outbox's delivery channels (MessagesSent/Failed dimension)
INTAKE_CHANNELS = tuple(c.value for c in Channel)  # CardsCreated's channel dimension
FIVE_MINUTES = cdk.Duration.minutes(5)


@dataclass(frozen=True)
class FailureShelf:
    queue: sqs.IQueue
    rerun_by: lambda_.IFunction  # the function ``civicdesk failures rerun`` invokes


@dataclass(frozen=True)
class Watched:
    """What the stack has that can fail: each keyed by the name its runbook section uses."""

    failure_queues: Mapping[str, FailureShelf]
    functions: Mapping[str, lambda_.IFunction]
    api_name: str
    api_stage: str
    search: SearchDomain
    search_indexer: lambda_.IFunction
    escalations: sfn.IStateMachine
    sweep: lambda_.IFunction
    log_groups: Mapping[str, logs.ILogGroup]


class Operations(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.Key,
        watched: Watched,
        replicas: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = self._topic(key)
        self._watched = watched
        self.alarms: list[cloudwatch.Alarm] = []
        for name, shelf in watched.failure_queues.items():
            self._failure_queue(name, shelf.queue)
        # What `civicdesk failures` reads: each queue, and the function that runs it again.
        cdk.CfnOutput(
            self,
            "FailureQueues",
            key=FAILURES_OUTPUT,
            value=cdk.Stack.of(self).to_json_string(
                {
                    name: {"queue": shelf.queue.queue_url, "function": shelf.rerun_by.function_name}
                    for name, shelf in watched.failure_queues.items()
                }
            ),
        )
        for name, function in watched.functions.items():
            self._function(name, function)
        self._throttles()
        self._api(watched.api_name, watched.api_stage)
        self._outbox()
        self._ses()
        self._search(watched.search, watched.search_indexer, replicas=replicas)
        self._escalations(watched.escalations)
        self._heartbeats(watched.sweep)
        self.dashboard = self._dashboard()

    # ---- the topic

    def _topic(self, key: kms.Key) -> sns.Topic:
        topic = sns.Topic(
            self, "Alarms", display_name="CivicDesk alarms", master_key=key, enforce_ssl=True
        )
        # CloudWatch publishes to the encrypted topic with the stack's key.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": cdk.Aws.ACCOUNT_ID}},
            )
        )
        email = cdk.CfnParameter(
            self,
            "AlarmEmail",
            type="String",
            default="",
            allowed_pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$",
            description="Where alarms are mailed (a team's shared address); empty: none yet",
        )
        # The parameter's logical id is what `cdk deploy --parameters` names.
        email.override_logical_id("AlarmEmail")
        given = cdk.CfnCondition(
            self,
            "AlarmEmailGiven",
            expression=cdk.Fn.condition_not(cdk.Fn.condition_equals(email.value_as_string, "")),
        )
        subscription = sns.CfnSubscription(
            self,
            "AlarmEmailSubscription",
            topic_arn=topic.topic_arn,
            protocol="email",
            endpoint=email.value_as_string,
        )
        subscription.cfn_options.condition = given
        cdk.CfnOutput(self, "AlarmTopicArn", value=topic.topic_arn)
        return topic

    def _alarm(
        self,
        construct_id: str,
        *,
        metric: cloudwatch.IMetric,
        threshold: float,
        what: str,
        runbook: str,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
        periods: int = 1,
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            treat_missing_data=missing,
            alarm_description=f"{what} Runbook: {RUNBOOKS}/{runbook}",
        )
        action = cw_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        self.alarms.append(alarm)
        return alarm

    # ---- what is watched

    def _failure_queue(self, name: str, queue: sqs.IQueue) -> None:
        self._alarm(
            f"{_title(name)}FailuresWaiting",
            metric=queue.metric_approximate_number_of_messages_visible(
                period=FIVE_MINUTES, statistic="Maximum"
            ),
            threshold=1,
            what=f"Something the {name} function could not process waits in its failure queue.",
            runbook=f"failure-queues.md#{name}",
        )
        self._alarm(
            f"{_title(name)}FailuresOld",
            metric=queue.metric_approximate_age_of_oldest_message(
                period=cdk.Duration.hours(1), statistic="Maximum"
            ),
            threshold=cdk.Duration.days(3).to_seconds(),
            what=f"A message in the {name} failure queue is over three days old "
            "(SQS drops it at fourteen).",
            runbook=f"failure-queues.md#{name}",
        )

    def _function(self, name: str, function: lambda_.IFunction) -> None:
        self._alarm(
            f"{_title(name)}Errors",
            metric=function.metric_errors(period=FIVE_MINUTES, statistic="Sum"),
            threshold=1,
            what=f"The {name} function failed.",
            runbook=f"functions.md#{name}",
        )

    def _throttles(self) -> None:
        # Concurrency is the account's, shared by every function: one alarm on the region's
        # throttles says what each function's would (the dashboard shows which), for one
        # billed metric instead of eleven.
        self._alarm(
            "LambdaThrottles",
            metric=cloudwatch.Metric(
                namespace="AWS/Lambda",
                metric_name="Throttles",
                period=FIVE_MINUTES,
                statistic="Sum",
            ),
            threshold=1,
            what="A function was throttled (the account's concurrency was used up).",
            runbook="functions.md#throttles",
        )

    def _api(self, api_name: str, stage: str) -> None:
        def metric(name: str, statistic: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/ApiGateway",
                metric_name=name,
                dimensions_map={"ApiName": api_name, "Stage": stage},
                period=FIVE_MINUTES,
                statistic=statistic,
            )

        self._api_metric = metric
        self._alarm(
            "Api5xxRate",
            metric=metric("5XXError", "Average"),
            threshold=0.05,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            periods=2,
            what="More than 5% of the API's answers were server errors for ten minutes.",
            runbook="api.md#server-errors",
        )
        self._alarm(
            "ApiLatencyP99",
            metric=metric("Latency", "p99"),
            threshold=5000,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            periods=3,
            what="The API's slowest 1% of answers took over 5 s for fifteen minutes.",
            runbook="api.md#slow-answers",
        )

    def _outbox(self) -> None:
        failed = {
            f"failed_{channel}": _business("MessagesFailed", channel=channel)
            for channel in CHANNELS
        }
        self._alarm(
            "OutboxFailed",
            metric=cloudwatch.MathExpression(
                expression=" + ".join(f"FILL({name}, 0)" for name in failed),
                using_metrics=failed,
                label="messages failed",
                period=cdk.Duration.minutes(15),
            ),
            threshold=1,
            what="A message to a requester failed on every channel it could take.",
            runbook="outbox.md#messages-failed",
        )

    def _ses(self) -> None:
        for rate, threshold, words in (
            ("Reputation.BounceRate", 0.05, "bounce rate over 5%"),
            ("Reputation.ComplaintRate", 0.001, "complaint rate over 0.1%"),
        ):
            self._alarm(
                "Ses" + rate.split(".")[1],
                metric=cloudwatch.Metric(
                    namespace="AWS/SES",
                    metric_name=rate,
                    period=cdk.Duration.hours(1),
                    statistic="Maximum",
                ),
                threshold=threshold,
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                what=f"The account's mail {words}: SES reviews the account at this rate.",
                runbook="ses.md#bounces-and-complaints",
            )

    def _search(self, search: SearchDomain, indexer: lambda_.IFunction, *, replicas: bool) -> None:
        domain = search.domain
        self._alarm(
            "IndexerBehind",
            metric=indexer.metric("IteratorAge", period=FIVE_MINUTES, statistic="Maximum"),
            threshold=cdk.Duration.minutes(10).to_milliseconds(),
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            periods=2,
            what="Search is more than ten minutes behind the cards table.",
            runbook="search.md#indexer-behind",
        )
        self._alarm(
            "SearchRed",
            metric=domain.metric_cluster_status_red(period=cdk.Duration.minutes(1)),
            threshold=1,
            what="The search cluster is red: some of the history cannot be searched.",
            runbook="search.md#cluster-red-or-yellow",
        )
        if replicas:  # a single node has no replica to place: yellow would be its normal
            self._alarm(
                "SearchYellow",
                metric=domain.metric_cluster_status_yellow(period=cdk.Duration.minutes(1)),
                threshold=1,
                periods=15,
                what="The search cluster has been yellow (replicas unplaced) for 15 minutes.",
                runbook="search.md#cluster-red-or-yellow",
            )
        self._alarm(
            "SearchWritesBlocked",
            metric=domain.metric_cluster_index_writes_blocked(period=FIVE_MINUTES),
            threshold=1,
            what="The search cluster refuses writes: new cards are not searchable.",
            runbook="search.md#writes-blocked-or-storage-low",
        )
        quarter_mb = search.volume_gb * 1024 / 4
        self._alarm(
            "SearchStorageLow",
            metric=domain.metric_free_storage_space(period=FIVE_MINUTES, statistic="Minimum"),
            threshold=quarter_mb,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            what="A search node has less than a quarter of its storage free.",
            runbook="search.md#writes-blocked-or-storage-low",
        )

    def _escalations(self, machine: sfn.IStateMachine) -> None:
        for name, metric, words in (
            ("Failed", machine.metric_failed(period=FIVE_MINUTES), "failed"),
            ("TimedOut", machine.metric_timed_out(period=FIVE_MINUTES), "timed out"),
        ):
            self._alarm(
                f"Escalations{name}",
                metric=metric,
                threshold=1,
                what=f"An escalation of a missed deadline {words}.",
                runbook="escalations.md#escalation-failed",
            )

    def _heartbeats(self, sweep: lambda_.IFunction) -> None:
        self._alarm(
            "SweepNotRun",
            metric=sweep.metric_invocations(period=cdk.Duration.minutes(15), statistic="Sum"),
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            missing=cloudwatch.TreatMissingData.BREACHING,
            what="The SLA sweep (every five minutes) has not run for fifteen minutes: "
            "deadlines are not being watched.",
            runbook="schedules.md#sla-sweep-not-run",
        )
        self._alarm(
            "NightlyExportMissing",
            metric=_business("ExportsFinished", kind="nightly", period=cdk.Duration.days(1)),
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            missing=cloudwatch.TreatMissingData.BREACHING,
            what="No nightly export finished in the last day: managers' files and figures "
            "are stale.",
            runbook="schedules.md#nightly-export-missing",
        )

    # ---- the dashboard

    def _dashboard(self) -> cloudwatch.Dashboard:
        w = self._watched
        hour = cdk.Duration.hours(1)
        board = cloudwatch.Dashboard(
            self,
            "Dashboard",
            default_interval=cdk.Duration.days(7),
            period_override=cloudwatch.PeriodOverride.AUTO,
        )
        by_channel = [
            _business("CardsCreated", channel=c, period=hour, label=c) for c in INTAKE_CHANNELS
        ]
        board.add_widgets(
            cloudwatch.TextWidget(
                markdown="# CivicDesk\nAlarms and what to do: "
                f"`{RUNBOOKS}/README.md`. Times are UTC.",
                width=24,
                height=2,
            ),
            cloudwatch.GraphWidget(title="Requests in, by channel", left=by_channel, width=8),
            cloudwatch.GraphWidget(
                title="Cards closed, deadlines missed",
                left=[
                    _business("CardsClosed", period=hour, label="closed"),
                    _business("DeadlinesMissed", period=hour, label="deadlines missed"),
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Messages to requesters",
                left=[
                    _business(f"Messages{state}", channel=c, period=hour, label=f"{c} {state}")
                    for c in CHANNELS
                    for state in ("Sent", "Failed")
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="API latency (ms)",
                left=[
                    self._api_metric("Latency", "p50").with_(label="p50"),
                    self._api_metric("Latency", "p99").with_(label="p99"),
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="API errors",
                left=[
                    self._api_metric("4XXError", "Sum").with_(label="4xx"),
                    self._api_metric("5XXError", "Sum").with_(label="5xx"),
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Failure queues (messages waiting)",
                left=[
                    shelf.queue.metric_approximate_number_of_messages_visible(
                        statistic="Maximum", label=name
                    )
                    for name, shelf in w.failure_queues.items()
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Function duration p99 (ms)",
                right=[
                    f.metric_throttles(label=f"{name} throttled") for name, f in w.functions.items()
                ],
                left=[
                    f.metric_duration(statistic="p99", label=name)
                    for name, f in w.functions.items()
                ],
                width=12,
            ),
            # Cold starts from the functions' own REPORT lines: no custom metric to pay for.
            cloudwatch.LogQueryWidget(
                title="Cold starts and invocations per hour",
                log_group_names=[g.log_group_name for g in w.log_groups.values()],
                query_lines=[
                    'filter @type = "REPORT"',
                    "stats count(@initDuration) as cold_starts, count(*) as invocations,"
                    " avg(@initDuration) as init_ms by bin(1h)",
                ],
                view=cloudwatch.LogQueryVisualizationType.LINE,
                width=12,
            ),
        )
        return board


def _business(
    name: str,
    *,
    period: cdk.Duration = FIVE_MINUTES,
    label: str | None = None,
    **dimensions: str,
) -> cloudwatch.Metric:
    """A metric the code emits (``adapters/telemetry.py``), with exactly its dimensions."""
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=name,
        dimensions_map={**SERVICE_DIMENSION, **dimensions},
        period=period,
        statistic="Sum",
        label=label,
    )


def _title(name: str) -> str:
    return "".join(part.title() for part in name.split("-"))

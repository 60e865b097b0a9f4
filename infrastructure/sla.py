"""The SLA capability on AWS (deadline watching): per-card one-time timers, the five-minute
sweep, the escalation state machine and the weekly review.

- ``Timer`` (functions/sla_timer.py) runs one card's check; EventBridge Scheduler invokes it from
  the card's ``at()`` schedule in the ``Schedules`` group (the checks themselves create, move and
  delete those schedules, through the ``Scheduler`` role they pass).
- ``Sweep`` (functions/sla_sweep.py) runs every five minutes over the sparse ``due`` index.
- ``EscalationTasks`` (functions/sla_escalation.py) is the Task of the ``Escalation`` Standard
  state machine, whose ASL is infrastructure/sla_escalation.asl.json.
- ``WeeklyReview`` (functions/sla_weekly_review.py) mails controllers on Monday morning.
Failed asynchronous invocations and schedules that could not run land in ``Failures`` (SQS).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.eventbridge_scheduler import SCHEDULE_PREFIX
from infrastructure.lambda_package import (
    LambdaPackage,
    dead_letter_queue,
    depend_on_policy_only,
    python_function,
)
from infrastructure.lambda_roles import TABLE_READ_WRITE, delete_only, lambda_role, send_as
from infrastructure.sla_escalation import ASL_PATH, TASK_FUNCTION_VARIABLE

SWEEP_EVERY = cdk.Duration.minutes(5)
# Monday 06:00 UTC: 09:00 in the seed town (Europe/Moscow), the start of its working week.
WEEKLY_REVIEW_CRON = events.Schedule.cron(minute="0", hour="6", week_day="MON")


class Sla(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        package: LambdaPackage,
        table: dynamodb.Table,
        key: kms.Key,
        mail_from: str,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.failures = dead_letter_queue(self, "Failures")
        group = scheduler.CfnScheduleGroup(self, "Schedules", name=f"{stack.stack_name}-deadlines")
        timer_name = f"{stack.stack_name}-sla-timer"
        timer_arn = stack.format_arn(
            service="lambda",
            resource="function",
            resource_name=timer_name,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        scheduler_role = iam.Role(
            self,
            "SchedulerRole",
            description="EventBridge Scheduler: invoke the deadline timer, dead-letter failures",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
        )
        scheduler_role.add_to_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[timer_arn])
        )
        self.failures.grant_send_messages(scheduler_role)

        tasks_role = self._watch_role("EscalationTasksRole", table, key, mail_from)
        self.escalation_tasks = python_function(
            self,
            "EscalationTasks",
            package=package,
            handler="functions.sla_escalation.handler",
            role=tasks_role,
            dead_letters=self.failures,
            timeout=cdk.Duration.seconds(30),
            retry_attempts=0,  # invoked synchronously; the state machine retries
        )
        self.state_machine = sfn.StateMachine(
            self,
            "Escalation",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(ASL_PATH.read_text("utf-8")),
            definition_substitutions={TASK_FUNCTION_VARIABLE: self.escalation_tasks.function_arn},
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=logs.LogGroup(
                    self,
                    "EscalationLogs",
                    retention=logs.RetentionDays.ONE_YEAR,
                    removal_policy=cdk.RemovalPolicy.RETAIN,
                ),
                # Every state of an escalation (rare: only after a missed deadline), without
                # the execution's data: the inputs name cards, never more, but say less.
                level=sfn.LogLevel.ALL,
                include_execution_data=False,
            ),
        )
        self.escalation_tasks.grant_invoke(self.state_machine)
        depend_on_policy_only(self.state_machine, self.state_machine.role)

        watch_environment = {
            "CIVICDESK_SCHEDULE_GROUP": group.ref,
            "CIVICDESK_TIMER_FUNCTION_ARN": timer_arn,
            "CIVICDESK_SCHEDULER_ROLE_ARN": scheduler_role.role_arn,
            "CIVICDESK_TIMER_DLQ_ARN": self.failures.queue_arn,
            "CIVICDESK_ESCALATION_STATE_MACHINE": self.state_machine.state_machine_arn,
        }
        watch_role = self._watch_role("WatchRole", table, key, mail_from)
        # The per-card check also writes to requesters (a reminder, "no answer", closure by
        # silence): the stack lets this role read the link secret their links are signed with.
        self.watch_role = watch_role
        watch_role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "scheduler:GetSchedule",
                    "scheduler:CreateSchedule",
                    "scheduler:UpdateSchedule",
                    "scheduler:DeleteSchedule",
                ],
                resources=[
                    stack.format_arn(
                        service="scheduler",
                        resource="schedule",
                        resource_name=f"{group.ref}/{SCHEDULE_PREFIX}*",
                    )
                ],
            )
        )
        watch_role.add_to_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[scheduler_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
            )
        )
        self.state_machine.grant_start_execution(watch_role)
        self.timer = python_function(
            self,
            "Timer",
            package=package,
            handler="functions.sla_timer.handler",
            role=watch_role,
            dead_letters=self.failures,
            timeout=cdk.Duration.seconds(30),
            function_name=timer_name,
            environment=watch_environment,
        )
        self.sweep = python_function(
            self,
            "Sweep",
            package=package,
            handler="functions.sla_sweep.handler",
            role=watch_role,
            dead_letters=self.failures,
            # A sweep stops after SWEEP_MAX_CARDS cards; this leaves room for a slow one.
            timeout=cdk.Duration.minutes(4),
            environment=watch_environment,
            retry_attempts=0,  # the next sweep is five minutes away
        )
        events.Rule(
            self,
            "EveryFiveMinutes",
            description="CivicDesk deadline sweep over the sparse due index",
            schedule=events.Schedule.rate(SWEEP_EVERY),
            targets=[targets.LambdaFunction(self.sweep)],
        )
        review_role = self._watch_role("WeeklyReviewRole", table, key, mail_from, read_only=True)
        self.weekly_review = python_function(
            self,
            "WeeklyReview",
            package=package,
            handler="functions.sla_weekly_review.handler",
            role=review_role,
            dead_letters=self.failures,
            timeout=cdk.Duration.seconds(60),
        )
        events.Rule(
            self,
            "MondayMorning",
            description="CivicDesk weekly review of repeated missed deadlines",
            schedule=WEEKLY_REVIEW_CRON,
            targets=[targets.LambdaFunction(self.weekly_review)],
        )
        cdk.CfnOutput(self, "EscalationStateMachineArn", value=self.state_machine.state_machine_arn)
        cdk.CfnOutput(self, "DeadlineFailuresQueue", value=self.failures.queue_url)

    def _watch_role(
        self,
        construct_id: str,
        table: dynamodb.Table,
        key: kms.Key,
        mail_from: str,
        *,
        read_only: bool = False,
    ) -> iam.Role:
        """Read cards, history and the due index; write cards, notices and breaches; mail staff.
        ``read_only``: read the table and mail staff (the weekly review)."""
        cdk.Stack.of(self)
        role = lambda_role(
            self, construct_id, description=f"CivicDesk {construct_id}", data_key=key
        )
        if read_only:
            role.add_to_policy(
                # Query: the week's breaches and the directory; GetItem: the directory's head.
                iam.PolicyStatement(
                    actions=["dynamodb:Query", "dynamodb:GetItem"], resources=[table.table_arn]
                )
            )
            self._may_mail_staff(role, mail_from)
            return role
        role.add_to_policy(
            iam.PolicyStatement(
                actions=TABLE_READ_WRITE,
                resources=[table.table_arn, f"{table.table_arn}/index/{ts.DUE_INDEX}"],
            )
        )
        # Deleting is only ever a released notice claim.
        delete_only(role, table.table_arn, ts.NOTICE_PREFIX)
        self._may_mail_staff(role, mail_from)
        return role

    def _may_mail_staff(self, role: iam.Role, mail_from: str) -> None:
        send_as(role, mail_from)
        self.failures.grant_send_messages(role)

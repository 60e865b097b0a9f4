"""Personal data kept as long as the town's law says: the nightly retention sweep
(functions/retention_sweep.py) takes the requester's personal data off closed cards whose
period has passed (``seed/retention.json``), one share of the table a night.

Its role reads the table by scanning (the sweep's share), reads and rewrites a card with its
history (the conditional card write last), and deletes the requester's files; nothing else.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infrastructure.lambda_package import LambdaPackage, dead_letter_queue, python_function
from infrastructure.lambda_roles import TABLE_READ_WRITE, lambda_role, rewrite_history

# 02:30 UTC: night in the seed town, after the nightly export has read the day.
NIGHTLY = events.Schedule.cron(minute="30", hour="2")


class Privacy(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        package: LambdaPackage,
        table: dynamodb.Table,
        key: kms.Key,
        attachments: s3.Bucket,
        environment: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        role = lambda_role(self, "Role", description="CivicDesk retention sweep", data_key=key)
        role.add_to_policy(
            iam.PolicyStatement(
                # Scan: the night's share.
                actions=[*TABLE_READ_WRITE, "dynamodb:Scan"],
                resources=[table.table_arn],
            )
        )
        rewrite_history(role, table.table_arn)
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:DeleteObject"],
                resources=[attachments.arn_for_objects("attachments/*")],
            )
        )
        self.failures = dead_letter_queue(self, "Failures")
        self.function = python_function(
            self,
            "Sweep",
            package=package,
            handler="functions.retention_sweep.handler",
            role=role,
            dead_letters=self.failures,
            # The sweep stops reading a minute before this and is complete tomorrow's turn.
            timeout=cdk.Duration.minutes(15),
            environment=environment,
            retry_attempts=0,  # the next night's run takes its own share; this one waits 4 weeks
        )
        events.Rule(
            self,
            "Nightly",
            description="CivicDesk retention sweep: personal data off closed cards past the period",
            schedule=NIGHTLY,
            targets=[targets.LambdaFunction(self.function)],
        )
        cdk.CfnOutput(self, "RetentionFailuresQueue", value=self.failures.queue_url)

"""Requester messages on AWS: the outbox sender and its two triggers.

- ``Dispatcher`` (functions/outbox_dispatch.py) sends what the outbox holds: by SES (raw mail,
  only from the town's request address) and by SNS (text messages to phone numbers only).
- The table's stream, filtered to new ``OUTBOX#`` items, starts it within seconds of a card
  change; a rule every minute sends retries whose backoff ran out and messages whose sender
  died. A failed stream batch is not retried (the minute rule is the retry).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from constructs import Construct

from chalicelib.adapters import table_schema as ts
from infrastructure.lambda_package import LambdaPackage, dead_letter_queue, python_function
from infrastructure.lambda_roles import lambda_role, send_as

RETRY_EVERY = cdk.Duration.minutes(1)
# The partitions the sender touches: the outbox (and its index partitions), the mail log
# (so replies thread onto the card) and the bounce list.
SENDER_KEYS = ["OUTBOX*", "MAIL#*", "CONTACT#*"]


class Notifications(Construct):
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
        self.failures = dead_letter_queue(self, "Failures")
        role = lambda_role(
            self, "DispatcherRole", description="CivicDesk outbox sender", data_key=key
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:Query",
                    "dynamodb:BatchGetItem",
                ],
                resources=[table.table_arn, f"{table.table_arn}/index/{ts.DUE_INDEX}"],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": SENDER_KEYS}},
            )
        )
        send_as(role, mail_from)
        self._may_text(role)
        self.failures.grant_send_messages(role)
        self.dispatcher = python_function(
            self,
            "Dispatcher",
            package=package,
            handler="functions.outbox_dispatch.handler",
            role=role,
            dead_letters=self.failures,
            timeout=cdk.Duration.seconds(60),
            retry_attempts=0,  # the minute rule is the retry
        )
        self.dispatcher.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.LATEST,
                batch_size=50,
                max_batching_window=cdk.Duration.seconds(1),
                retry_attempts=0,
                filters=[
                    lambda_.FilterCriteria.filter(
                        {
                            "eventName": lambda_.FilterRule.is_equal("INSERT"),
                            "dynamodb": {
                                "Keys": {
                                    ts.PARTITION_KEY: {
                                        "S": lambda_.FilterRule.begins_with("OUTBOX#")
                                    }
                                }
                            },
                        }
                    )
                ],
            )
        )
        events.Rule(
            self,
            "EveryMinute",
            description="CivicDesk outbox: send retries that are due",
            schedule=events.Schedule.rate(RETRY_EVERY),
            targets=[targets.LambdaFunction(self.dispatcher)],
        )
        cdk.CfnOutput(self, "OutboxFailuresQueue", value=self.failures.queue_url)

    @staticmethod
    def _may_text(role: iam.Role) -> None:
        """SNS takes no resource ARN for a text to a phone number, so Publish is allowed on
        ``*`` and denied on every topic: the sender can text people, not publish elsewhere."""
        stack = cdk.Stack.of(role)
        role.add_to_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=["*"]))
        role.add_to_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                actions=["sns:Publish"],
                resources=[f"arn:{stack.partition}:sns:*:*:*"],
            )
        )

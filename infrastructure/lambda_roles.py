"""The part every CivicDesk Lambda role shares: its logs, X-Ray, and the data key."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from chalicelib.adapters import table_schema as ts


def lambda_role(
    scope: Construct, construct_id: str, *, description: str, data_key: kms.IKey
) -> iam.Role:
    stack = cdk.Stack.of(scope)
    role = iam.Role(
        scope,
        construct_id,
        description=description,
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            # Function names start with the stack's name (civicdesk-<stage>-...).
            resources=[
                f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:"
                "/aws/lambda/*civicdesk*"
            ],
        )
    )
    # X-Ray's actions take no resource ARNs.
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
        )
    )
    # SSE-KMS: writing needs a data key, reading decrypts. No wildcard KMS actions.
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            resources=[data_key.key_arn],
        )
    )
    return role


# Reading cards and writing them in transactions (no Scan, no Delete: see delete_only).
TABLE_READ_WRITE = [
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:ConditionCheckItem",
]


def delete_only(role: iam.Role, table_arn: str, *key_prefixes: str) -> None:
    """Deleting items whose partition key starts with one of ``key_prefixes`` (released
    claims), nothing else."""
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["dynamodb:DeleteItem"],
            resources=[table_arn],
            conditions={
                "ForAllValues:StringLike": {
                    "dynamodb:LeadingKeys": [f"{prefix}*" for prefix in key_prefixes]
                }
            },
        )
    )


def rewrite_history(role: iam.Role, table_arn: str) -> None:
    """Rewriting a card's history entries in batches (taking a requester's personal data off
    a card): BatchWriteItem on the cards' own partitions, nothing else."""
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["dynamodb:BatchWriteItem"],
            resources=[table_arn],
            conditions={
                "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{ts.CARD_PREFIX}*"]}
            },
        )
    )


def send_as(role: iam.Role, mail_from: str) -> None:
    """Sending raw mail through SES, only from the town's request address."""
    stack = cdk.Stack.of(role)
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["ses:SendRawEmail"],
            resources=[
                f"arn:{stack.partition}:ses:{stack.region}:{stack.account}:identity/"
                f"{mail_from.rsplit('@', 1)[-1]}"
            ],
            conditions={"StringEquals": {"ses:FromAddress": mail_from}},
        )
    )

"""The phone channel on AWS: the Lambda the town's Amazon Connect contact flow invokes at each
IVR step (functions/connect_ivr.py), and the permission for that Connect instance only.

The Connect instance and its phone number are the town's. Given the instance's ARN (context
``connect_instance_arn``), the stack associates the function with the instance and deploys the
contact flow ``infrastructure/connect/contact_flow.json`` into it (with this function's ARN):
the town then only points its number at the flow. Without one, any instance of the account
may invoke the function and nothing is deployed into Connect.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_connect as connect
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from chalicelib.adapters import table_schema as ts
from infrastructure.lambda_package import LambdaPackage, dead_letter_queue, python_function
from infrastructure.lambda_roles import TABLE_READ_WRITE, delete_only, lambda_role

CONTACT_FLOW = Path(__file__).resolve().parent / "connect" / "contact_flow.json"
# Connect waits at most 8 seconds for a Lambda; the function must answer well inside it.
CONNECT_TIMEOUT = cdk.Duration.seconds(7)


class PhoneChannel(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        package: LambdaPackage,
        table: dynamodb.Table,
        key: kms.Key,
        link_secret: secretsmanager.ISecret,
        connect_instance_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.failures = dead_letter_queue(self, "Failures")
        role = lambda_role(self, "Role", description="CivicDesk IVR steps", data_key=key)
        role.add_to_policy(
            iam.PolicyStatement(
                # BatchGetItem: routing reads the candidates' open-card counters at once.
                actions=[*TABLE_READ_WRITE, "dynamodb:BatchGetItem"],
                resources=[
                    table.table_arn,
                    # The caller index recognises a phone; the requester index finds repeats.
                    f"{table.table_arn}/index/{ts.CALLER_INDEX}",
                    f"{table.table_arn}/index/{ts.REQUESTER_INDEX}",
                    # Intake notes a call's likely duplicates.
                    f"{table.table_arn}/index/{ts.TWIN_INDEX}",
                ],
            )
        )
        # A call's card is made under its ContactId: a failed attempt releases that claim.
        delete_only(role, table.table_arn, ts.IDEMPOTENCY_PREFIX)
        link_secret.grant_read(role)
        self.failures.grant_send_messages(role)
        self.function = python_function(
            self,
            "Ivr",
            package=package,
            handler="functions.connect_ivr.handler",
            role=role,
            dead_letters=self.failures,
            timeout=CONNECT_TIMEOUT,
            # More memory is more CPU: the first step of a cold function must fit in 8 s.
            memory_size=1024,
            retry_attempts=0,  # Connect invokes synchronously and retries itself
        )
        self.function.add_permission(
            "ConnectInvokes",
            principal=iam.ServicePrincipal("connect.amazonaws.com"),
            action="lambda:InvokeFunction",
            source_account=stack.account,
            source_arn=connect_instance_arn,
        )
        cdk.CfnOutput(self, "IvrFunctionArn", value=self.function.function_arn)
        if scope.node.try_get_context("connect_instance_arn"):
            self._deploy_flow(connect_instance_arn)

    def _deploy_flow(self, instance: str) -> None:
        """The function on the instance's list of Lambdas, and the flow that calls it."""
        connect.CfnIntegrationAssociation(
            self,
            "IvrOnInstance",
            instance_id=instance,
            integration_type="LAMBDA_FUNCTION",
            integration_arn=self.function.function_arn,
        )
        stack = cdk.Stack.of(self)
        flow = connect.CfnContactFlow(
            self,
            "Flow",
            instance_arn=instance,
            name=f"CivicDesk IVR ({stack.stack_name})",
            type="CONTACT_FLOW",
            description="Status by phone or code, a new request, else an operator",
            content=cdk.Fn.sub(
                CONTACT_FLOW.read_text("utf-8"), {"IvrFunctionArn": self.function.function_arn}
            ),
        )
        cdk.CfnOutput(self, "ContactFlowArn", value=flow.attr_contact_flow_arn)


def instance_arn(scope: Construct) -> str:
    """The town's Connect instance: from context, else any instance of this account (narrow
    it by setting ``connect_instance_arn`` before going live)."""
    stack = cdk.Stack.of(scope)
    given = scope.node.try_get_context("connect_instance_arn")
    return (
        str(given)
        if given
        else stack.format_arn(service="connect", resource="instance", resource_name="*")
    )

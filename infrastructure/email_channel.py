"""The email channel's resources: SES receipt rule → inbound bucket → email Lambda.

The Lambda runs ``functions/email_inbound.py``. Its code is the Chalice app's own deployment
package (same dependencies, one build) plus a small layer holding ``functions/``, which Lambda
puts on ``sys.path`` under /opt/python.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as ses_actions
from aws_cdk import aws_sqs as sqs
from chalice.cdk import Chalice
from constructs import Construct

from chalicelib.adapters import table_schema as ts
from chalicelib.services.mail_delivery import Shelf
from infrastructure.lambda_roles import lambda_role

SHELF_RETENTION_DAYS = {
    "inbound/": 90,
    f"{Shelf.QUARANTINE}/": 30,
    f"{Shelf.REJECTED}/": 90,
    f"{Shelf.DEAD_LETTER}/": 365,
}


class EmailChannel(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: Chalice,
        table: dynamodb.Table,
        attachments: s3.Bucket,
        key: kms.Key,
        mail_from: str,
        environment: dict[str, str],
        build_dir: Path,
        project_dir: Path,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.bucket = self._inbound_bucket()
        self.dead_letters = sqs.Queue(
            self,
            "HandlerFailures",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        role = self._role(stack, table, attachments, key, mail_from)
        self.function = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_11,
            handler="functions.email_inbound.handler",
            code=_chalice_package(api),
            layers=[
                lambda_.LayerVersion(
                    self,
                    "Functions",
                    code=lambda_.Code.from_asset(str(_functions_layer(project_dir, build_dir))),
                    compatible_runtimes=[lambda_.Runtime.PYTHON_3_11],
                    description="CivicDesk functions/ entry points",
                )
            ],
            role=role,
            timeout=cdk.Duration.seconds(60),
            memory_size=512,
            tracing=lambda_.Tracing.ACTIVE,
            environment={
                **environment,
                "CIVICDESK_INBOUND_BUCKET": self.bucket.bucket_name,
                "POWERTOOLS_SERVICE_NAME": "civicdesk",
            },
            dead_letter_queue=self.dead_letters,
            retry_attempts=2,
        )
        self.dead_letters.grant_send_messages(role)
        _depend_on_policy_only(self.function, role)
        self._receipt_rules(mail_from)

    def _inbound_bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "Inbound",
            # SES writes here itself: S3-managed keys need no KMS grant for the SES service.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=cdk.RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(prefix=prefix, expiration=cdk.Duration.days(days))
                for prefix, days in SHELF_RETENTION_DAYS.items()
            ],
        )
        # SES's own write grant (inbound/* only, this account) comes with its S3 receipt action.
        return bucket

    def _role(
        self,
        stack: cdk.Stack,
        table: dynamodb.Table,
        attachments: s3.Bucket,
        key: kms.Key,
        mail_from: str,
    ) -> iam.Role:
        role = lambda_role(self, "Role", description="CivicDesk email Lambda", data_key=key)
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "dynamodb:GetItem",
                    "dynamodb:BatchGetItem",
                    "dynamodb:Query",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:ConditionCheckItem",
                ],
                resources=[table.table_arn],
            )
        )
        # Deleting is only ever a released mail claim.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["dynamodb:DeleteItem"],
                resources=[table.table_arn],
                conditions={
                    "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{ts.MAIL_PREFIX}*"]}
                },
            )
        )
        shelves = [self.bucket.arn_for_objects(f"{prefix}*") for prefix in SHELF_RETENTION_DAYS]
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources=shelves
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[self.bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": list(SHELF_RETENTION_DAYS)}},
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[attachments.arn_for_objects("attachments/*")]
            )
        )
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
        return role

    def _receipt_rules(self, mail_from: str) -> None:
        rule_set = ses.ReceiptRuleSet(self, "Rules")
        rule_set.add_rule(
            "Requests",
            recipients=[mail_from],
            scan_enabled=True,
            tls_policy=ses.TlsPolicy.REQUIRE,
            actions=[
                ses_actions.S3(bucket=self.bucket, object_key_prefix="inbound/"),
                ses_actions.Lambda(
                    function=self.function, invocation_type=ses_actions.LambdaInvocationType.EVENT
                ),
            ],
        )
        cdk.CfnOutput(
            self,
            "ReceiptRuleSetName",
            value=rule_set.receipt_rule_set_name,
            description="Activate it once: aws ses set-active-receipt-rule-set",
        )


def _depend_on_policy_only(function: lambda_.Function, role: iam.Role) -> None:
    """CDK makes the function depend on its role and the role's policy; the role is already
    ordered by the GetAtt in Role (cfn-lint W3005). The policy must exist before invocations."""
    policy = role.node.find_child("DefaultPolicy").node.default_child
    assert isinstance(policy, cdk.CfnElement)
    cfn_function = function.node.default_child
    assert isinstance(cfn_function, cdk.CfnResource)
    cfn_function.add_override("DependsOn", [cdk.Stack.of(function).get_logical_id(policy)])


def _chalice_package(api: Chalice) -> lambda_.Code:
    asset = api.node.find_child("ChaliceAppCode")
    assert isinstance(asset, s3_assets.Asset)
    return lambda_.Code.from_bucket(asset.bucket, asset.s3_object_key)


def _functions_layer(project_dir: Path, build_dir: Path) -> Path:
    """A layer folder: python/functions/*.py (Lambda adds /opt/python to sys.path)."""
    layer = build_dir / "functions-layer"
    shutil.rmtree(layer, ignore_errors=True)
    shutil.copytree(
        project_dir / "functions",
        layer / "python" / "functions",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return layer


def copy_templates(project_dir: Path) -> None:
    """Ship notification templates inside chalicelib/, the only folder Chalice packages."""
    target = project_dir / "chalicelib" / "templates" / "notifications"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(project_dir / "templates" / "notifications", target)

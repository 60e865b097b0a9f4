"""The email channel's resources: SES receipt rule → inbound bucket → email Lambda
(``functions/email_inbound.py``, packaged as every non-HTTP Lambda is: lambda_package.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as ses_actions
from aws_cdk import custom_resources as cr
from constructs import Construct

from chalicelib.adapters import table_schema as ts
from chalicelib.services.mail_delivery import Shelf
from infrastructure.lambda_package import LambdaPackage, dead_letter_queue, python_function
from infrastructure.lambda_roles import TABLE_READ_WRITE, delete_only, lambda_role, send_as

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
        package: LambdaPackage,
        table: dynamodb.Table,
        attachments: s3.Bucket,
        key: kms.Key,
        mail_from: str,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.bucket = self._inbound_bucket()
        self.dead_letters = dead_letter_queue(self, "HandlerFailures")
        self.role = role = self._role(stack, table, attachments, key, mail_from)
        self.function = python_function(
            self,
            "Handler",
            package=package,
            handler="functions.email_inbound.handler",
            role=role,
            dead_letters=self.dead_letters,
            timeout=cdk.Duration.seconds(60),
            environment={"CIVICDESK_INBOUND_BUCKET": self.bucket.bucket_name},
        )
        self.dead_letters.grant_send_messages(role)
        self._receipt_rules(mail_from)
        self._domain(mail_from)

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
                actions=[*TABLE_READ_WRITE, "dynamodb:BatchGetItem"],
                # The requester index: routing looks for a repeat of the same request; the
                # twins index: intake notes the likely duplicates of a mailed report.
                resources=[
                    table.table_arn,
                    f"{table.table_arn}/index/{ts.REQUESTER_INDEX}",
                    f"{table.table_arn}/index/{ts.TWIN_INDEX}",
                ],
            )
        )
        # Deleting is only ever a released claim of the key a mail's card is made under (a
        # mail's own claim is released by ending its lease, not deleted).
        delete_only(role, table.table_arn, ts.IDEMPOTENCY_PREFIX)
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
        send_as(role, mail_from)
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
        # An account or region has one active rule set: this stack makes its own the active
        # one (and leaves it active on delete: mail keeps flowing until someone decides).
        activate = cr.AwsSdkCall(
            service="SES",
            action="setActiveReceiptRuleSet",
            parameters={"RuleSetName": rule_set.receipt_rule_set_name},
            physical_resource_id=cr.PhysicalResourceId.of(rule_set.receipt_rule_set_name),
        )
        cr.AwsCustomResource(
            self,
            "ActivateRules",
            on_create=activate,
            on_update=activate,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                # SES authorizes this call on the account, not on a rule set's ARN.
                [iam.PolicyStatement(actions=["ses:SetActiveReceiptRuleSet"], resources=["*"])]
            ),
            install_latest_aws_sdk=False,
        )
        cdk.CfnOutput(self, "ReceiptRuleSetName", value=rule_set.receipt_rule_set_name)

    def _domain(self, mail_from: str) -> None:
        """The town's mail domain as an SES identity with Easy DKIM: the three CNAME records
        to add to its DNS are outputs; SES verifies the domain once they resolve."""
        domain = mail_from.split("@", 1)[1]
        identity = ses.EmailIdentity(
            self,
            "MailDomain",
            identity=ses.Identity.domain(domain),
            dkim_signing=True,
            mail_from_domain=f"bounce.{domain}",
        )
        records = [
            (identity.dkim_dns_token_name1, identity.dkim_dns_token_value1),
            (identity.dkim_dns_token_name2, identity.dkim_dns_token_value2),
            (identity.dkim_dns_token_name3, identity.dkim_dns_token_value3),
        ]
        cdk.CfnOutput(
            self,
            "SesDkimRecords",
            key="SesDkimRecords",
            value=cdk.Fn.join(
                " ; ", [cdk.Fn.join(" CNAME ", [name, value]) for name, value in records]
            ),
            description="Add these CNAME records to the mail domain's DNS (SES verifies it)",
        )
        cdk.CfnOutput(
            self,
            "SesMailFromRecords",
            key="SesMailFromRecords",
            value=(
                f"bounce.{domain} MX 10 feedback-smtp.{cdk.Aws.REGION}.amazonses.com ; "
                f'bounce.{domain} TXT "v=spf1 include:amazonses.com ~all"'
            ),
            description="Bounces come back to SES under this subdomain (SPF aligned)",
        )


def copy_templates(project_dir: Path) -> None:
    """Ship notification templates inside chalicelib/, the only folder Chalice packages."""
    target = project_dir / "chalicelib" / "templates" / "notifications"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(project_dir / "templates" / "notifications", target)

"""Exports on AWS: the bucket BI tools read, the export function, its nightly rule, and the
Glue/Athena table over the Parquet snapshots (partition projection: no crawler to run).

- ``ExportsBucket``: KMS-encrypted, private, TLS only; nightly snapshots under
  ``exports/cards/{csv,parquet}/snapshot=<date>/`` with ``exports/cards/quicksight-manifest.json``
  pointing QuickSight at the latest CSV; on-demand exports under ``exports/on-demand/<id>/``.
- ``ExportJobs``: ``functions/export_cards.py`` (pyarrow from AWS's managed "AWS SDK for pandas"
  layer), run at 01:00 UTC by a rule and asynchronously by the API; failed invocations land in
  its failure queue after Lambda's two retries.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from chalicelib.domain.export_rows import COLUMNS
from chalicelib.services.exports import NIGHTLY_PREFIX, ON_DEMAND_PREFIX, REPORTS_PREFIX
from infrastructure.lambda_package import LambdaPackage, dead_letter_queue, python_function
from infrastructure.lambda_roles import lambda_role

NIGHTLY_CRON = events.Schedule.cron(minute="0", hour="1")
# AWS's managed layer with pyarrow for Python 3.11 (account 336392948345 publishes it in every
# commercial region); pick the version with -c pandas_layer_version=N.
PANDAS_LAYER_ACCOUNT = "336392948345"
PANDAS_LAYER_VERSION = "22"
GLUE_TYPES = {
    t: t for t in ("string", "timestamp", "double", "boolean", "bigint")
}  # Parquet to Hive


class ExportsBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.Key) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Files",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=cdk.RemovalPolicy.RETAIN,
            # On-demand exports are fetched within days; snapshots are kept a year.
            lifecycle_rules=[
                s3.LifecycleRule(prefix=f"{ON_DEMAND_PREFIX}/", expiration=cdk.Duration.days(30)),
                s3.LifecycleRule(prefix=f"{NIGHTLY_PREFIX}/", expiration=cdk.Duration.days(400)),
            ],
        )
        stack = cdk.Stack.of(self)
        self.function_name = f"{stack.stack_name}-export-cards"
        self.function_arn = stack.format_arn(
            service="lambda",
            resource="function",
            resource_name=self.function_name,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )

    def grant_requests(self, role: iam.IGrantable) -> None:
        """The API: start an export, read and link its files (on-demand ones only)."""
        iam.Grant.add_to_principal(
            grantee=role,
            actions=["s3:GetObject", "s3:PutObject"],
            resource_arns=[self.bucket.arn_for_objects(f"{ON_DEMAND_PREFIX}/*")],
        )
        # The reports read the nightly figures, nothing else of the snapshots.
        iam.Grant.add_to_principal(
            grantee=role,
            actions=["s3:GetObject"],
            resource_arns=[self.bucket.arn_for_objects(f"{REPORTS_PREFIX}/*")],
        )
        iam.Grant.add_to_principal(
            grantee=role, actions=["lambda:InvokeFunction"], resource_arns=[self.function_arn]
        )


class ExportJobs(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        package: LambdaPackage,
        table: dynamodb.Table,
        key: kms.Key,
        exports: ExportsBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.failures = dead_letter_queue(self, "Failures")
        role = lambda_role(self, "ExportRole", description="CivicDesk exports", data_key=key)
        # Every card, page by page (one Scan over the table, once a night or per request).
        role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:Scan"], resources=[table.table_arn])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[exports.bucket.arn_for_objects("exports/*")],
            )
        )
        # Its own secret keys the requester pseudonyms (not the link secret: it signs nothing).
        self.pseudonym_secret = secretsmanager.Secret(
            self,
            "PseudonymSecret",
            description="CivicDesk: keys requester pseudonyms in exports",
            encryption_key=key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=48, exclude_punctuation=True
            ),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.pseudonym_secret.grant_read(role)
        self.failures.grant_send_messages(role)
        version = self.node.try_get_context("pandas_layer_version") or PANDAS_LAYER_VERSION
        pandas = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "Pyarrow",
            f"arn:{stack.partition}:lambda:{stack.region}:{PANDAS_LAYER_ACCOUNT}:layer:"
            f"AWSSDKPandas-Python311:{version}",
        )
        self.function = python_function(
            self,
            "Export",
            package=package,
            handler="functions.export_cards.handler",
            role=role,
            dead_letters=self.failures,
            timeout=cdk.Duration.minutes(15),
            memory_size=2048,
            function_name=exports.function_name,
            environment={"CIVICDESK_EXPORT_SECRET_ARN": self.pseudonym_secret.secret_arn},
        )
        self.function.add_layers(pandas)
        cfn = self.function.node.default_child
        if isinstance(cfn, lambda_.CfnFunction):
            cfn.ephemeral_storage = lambda_.CfnFunction.EphemeralStorageProperty(size=10240)
        events.Rule(
            self,
            "Nightly",
            description="CivicDesk: the nightly export snapshot for BI tools",
            schedule=NIGHTLY_CRON,
            targets=[targets.LambdaFunction(self.function)],
        )
        self._athena_table(exports.bucket)
        cdk.CfnOutput(self, "ExportsBucketName", value=exports.bucket.bucket_name)
        cdk.CfnOutput(
            self,
            "QuickSightManifest",
            value=f"s3://{exports.bucket.bucket_name}/{NIGHTLY_PREFIX}/quicksight-manifest.json",
        )
        cdk.CfnOutput(self, "ExportFailuresQueue", value=self.failures.queue_url)

    def _athena_table(self, bucket: s3.IBucket) -> None:
        stack = cdk.Stack.of(self)
        database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=stack.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=f"{stack.stack_name.replace('-', '_')}_exports",
                description="CivicDesk exports: one row per request",
            ),
        )
        parquet = f"s3://{bucket.bucket_name}/{NIGHTLY_PREFIX}/parquet/"
        glue.CfnTable(
            self,
            "Cards",
            catalog_id=stack.account,
            database_name=database.ref,
            table_input=glue.CfnTable.TableInputProperty(
                name="cards",
                description="Nightly snapshots of every request (Open311 bulk columns first)",
                table_type="EXTERNAL_TABLE",
                parameters={
                    "classification": "parquet",
                    # Partition projection: each night's snapshot is queryable at once.
                    "projection.enabled": "true",
                    "projection.snapshot.type": "date",
                    "projection.snapshot.format": "yyyy-MM-dd",
                    "projection.snapshot.range": "2026-01-01,NOW",
                    "projection.snapshot.interval": "1",
                    "projection.snapshot.interval.unit": "DAYS",
                    "storage.location.template": parquet + "snapshot=${snapshot}/",
                },
                partition_keys=[glue.CfnTable.ColumnProperty(name="snapshot", type="string")],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    location=parquet,
                    columns=[
                        glue.CfnTable.ColumnProperty(name=name, type=GLUE_TYPES[kind])
                        for name, kind in COLUMNS
                    ],
                    input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library=(
                            "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                        )
                    ),
                ),
            ),
        )

"""The seed data step of a deploy: a custom resource whose handler publishes the directory
files (when they changed) and the first routing rules, so that every function only reads."""

from __future__ import annotations

import hashlib
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import custom_resources as cr
from constructs import Construct

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.dynamodb_directory import DIRECTORY_PK
from chalicelib.adapters.rules_config import RULES_PATH
from chalicelib.adapters.static_directory import DISTRICTS_PATH, SEED_PATH, STREETS_PATH
from infrastructure.lambda_package import (
    LambdaPackage,
    dead_letter_queue,
    depend_on_policy_only,
    function_logs,
    python_function,
)
from infrastructure.lambda_roles import lambda_role

SEED_FILES = (SEED_PATH, DISTRICTS_PATH, STREETS_PATH, RULES_PATH)


def seed_digest(files: tuple[Path, ...] = SEED_FILES) -> str:
    """Changes when any seed file changes: CloudFormation then runs the step again."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


class SeedData(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        package: LambdaPackage,
        table: dynamodb.Table,
        key: kms.Key,
    ) -> None:
        super().__init__(scope, construct_id)
        role = lambda_role(
            self, "Role", description="CivicDesk seed data (deploy step)", data_key=key
        )
        # Only the directory's and the rules' own items, nothing of the cards.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "dynamodb:GetItem",
                    "dynamodb:Query",
                    "dynamodb:PutItem",
                    "dynamodb:BatchWriteItem",
                ],
                resources=[table.table_arn],
                conditions={
                    "ForAllValues:StringEquals": {
                        "dynamodb:LeadingKeys": [DIRECTORY_PK, ts.RULES_PK]
                    }
                },
            )
        )
        self.failures = dead_letter_queue(self, "Failures")
        self.function = python_function(
            self,
            "Function",
            package=package,
            handler="functions.seed_data.handler",
            role=role,
            dead_letters=self.failures,
            timeout=cdk.Duration.minutes(2),
            retry_attempts=0,
        )
        provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.function,
            log_group=function_logs(self, "ProviderLogs", package.log_retention),
        )
        framework = provider.node.find_child("framework-onEvent")
        assert isinstance(framework, lambda_.Function)
        depend_on_policy_only(framework, framework.role)  # type: ignore[arg-type]
        self.resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            properties={"SeedDigest": seed_digest()},
        )

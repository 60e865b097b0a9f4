"""How every non-HTTP CivicDesk Lambda is packaged and built.

Its code is the Chalice app's own deployment package (same dependencies, one build) plus a small
layer holding ``functions/``, which Lambda puts on ``sys.path`` under /opt/python.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sqs as sqs
from chalice.cdk import Chalice
from constructs import Construct


@dataclass(frozen=True)
class LambdaPackage:
    code: lambda_.Code
    layer: lambda_.ILayerVersion
    environment: dict[str, str]
    log_retention: logs.RetentionDays


def lambda_package(
    scope: Construct,
    *,
    api: Chalice,
    project_dir: Path,
    build_dir: Path,
    environment: dict[str, str],
    log_retention: logs.RetentionDays,
) -> LambdaPackage:
    layer = lambda_.LayerVersion(
        scope,
        "Functions",
        code=lambda_.Code.from_asset(str(_functions_layer(project_dir, build_dir))),
        compatible_runtimes=[lambda_.Runtime.PYTHON_3_11],
        description="CivicDesk functions/ entry points",
    )
    return LambdaPackage(
        code=_chalice_package(api),
        layer=layer,
        environment=environment,
        log_retention=log_retention,
    )


def retention(days: int) -> logs.RetentionDays:
    """CloudWatch Logs' retention period of that many days (the sizing profiles' choices)."""
    periods = {
        30: logs.RetentionDays.ONE_MONTH,
        90: logs.RetentionDays.THREE_MONTHS,
        180: logs.RetentionDays.SIX_MONTHS,
        365: logs.RetentionDays.ONE_YEAR,
        731: logs.RetentionDays.TWO_YEARS,
    }
    return periods[days]


def function_logs(
    scope: Construct, construct_id: str, retention: logs.RetentionDays
) -> logs.LogGroup:
    """A function's own log group, made before the function (which is pointed at it), so its
    retention is set from the first line and no invocation can create it without one."""
    return logs.LogGroup(
        scope, construct_id, retention=retention, removal_policy=cdk.RemovalPolicy.RETAIN
    )


def python_function(
    scope: Construct,
    construct_id: str,
    *,
    package: LambdaPackage,
    handler: str,
    role: iam.Role,
    dead_letters: sqs.IQueue,
    timeout: cdk.Duration,
    environment: dict[str, str] | None = None,
    memory_size: int = 512,
    function_name: str | None = None,
    retry_attempts: int = 2,
) -> lambda_.Function:
    function = lambda_.Function(
        scope,
        construct_id,
        function_name=function_name,
        runtime=lambda_.Runtime.PYTHON_3_11,
        handler=handler,
        code=package.code,
        layers=[package.layer],
        role=role,
        timeout=timeout,
        memory_size=memory_size,
        tracing=lambda_.Tracing.ACTIVE,
        environment={
            **package.environment,
            **(environment or {}),
            "POWERTOOLS_SERVICE_NAME": "civicdesk",
        },
        dead_letter_queue=dead_letters,
        retry_attempts=retry_attempts,
        log_group=function_logs(scope, f"{construct_id}Logs", package.log_retention),
    )
    depend_on_policy_only(function, role)
    return function


def dead_letter_queue(scope: Construct, construct_id: str) -> sqs.Queue:
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=cdk.Duration.days(14),
    )


def depend_on_policy_only(resource: Construct, role: iam.IRole) -> None:
    """CDK makes a function (or state machine) depend on its role and the role's policy; the
    role is already ordered by the GetAtt of its ARN (cfn-lint W3005). The policy must exist
    before the first invocation."""
    policy = role.node.find_child("DefaultPolicy").node.default_child
    assert isinstance(policy, cdk.CfnElement)
    cfn_resource = resource.node.default_child
    assert isinstance(cfn_resource, cdk.CfnResource)
    cfn_resource.add_override("DependsOn", [cdk.Stack.of(resource).get_logical_id(policy)])


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

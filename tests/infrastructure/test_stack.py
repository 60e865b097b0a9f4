"""The CDK stack synthesizes offline, lints clean, and matches the code's own definitions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters import table_schema as ts

pytestmark = pytest.mark.synth
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> dict[str, Any]:
    # Synthesized in a child process: jsii's node runtime and chalice.out stay out of the suite.
    workdir = tmp_path_factory.mktemp("synth")
    env = {**os.environ, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"}
    subprocess.run(
        [sys.executable, str(ROOT / "infrastructure" / "app.py")],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    path = workdir / "cdk.out" / "civicdesk-dev.template.json"
    return {"path": path, **json.loads(path.read_text())}


def _of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def test_cfn_lint_finds_nothing(template):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(template["path"])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_table_is_the_one_the_code_uses(template):
    (table,) = _of_type(template, "AWS::DynamoDB::Table")
    assert table["KeySchema"] == ts.KEY_SCHEMA
    assert sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
        ts.ATTRIBUTE_DEFINITIONS, key=lambda a: a["AttributeName"]
    )
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == ts.QUEUE_INDEX
    assert index["KeySchema"] == ts.GLOBAL_SECONDARY_INDEXES[0]["KeySchema"]
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["TimeToLiveSpecification"] == {"AttributeName": ts.TTL_ATTRIBUTE, "Enabled": True}


def test_the_bucket_is_private_and_encrypted(template):
    (bucket,) = _of_type(template, "AWS::S3::Bucket")
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    (policy,) = _of_type(template, "AWS::S3::BucketPolicy")
    denies = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denies)


def test_the_api_role_is_least_privilege(template):
    (policy,) = _of_type(template, "AWS::IAM::Policy")
    for statement in policy["PolicyDocument"]["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert all("*" not in action for action in actions), actions
        if statement["Resource"] == "*":
            assert {a.split(":")[0] for a in actions} == {"xray"}  # X-Ray has no resource ARNs
    actions = {
        a
        for s in policy["PolicyDocument"]["Statement"]
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    assert "dynamodb:Scan" not in actions
    assert "dynamodb:DeleteItem" not in actions
    (function,) = _of_type(template, "AWS::Serverless::Function")
    assert "Fn::GetAtt" in function["Role"]
    assert function["Tracing"] == "Active"


def test_staff_routes_use_the_stacks_user_pool(template):
    (api,) = _of_type(template, "AWS::Serverless::Api")
    authorizer = api["DefinitionBody"]["securityDefinitions"]["StaffUserPool"]
    (arn,) = authorizer["x-amazon-apigateway-authorizer"]["providerARNs"]
    pool_id = next(
        k for k, r in template["Resources"].items() if r["Type"] == "AWS::Cognito::UserPool"
    )
    assert arn == {"Fn::GetAtt": [pool_id, "Arn"]}
    groups = {g["GroupName"] for g in _of_type(template, "AWS::Cognito::UserPoolGroup")}
    assert groups == {"operator", "executor", "manager", "controller", "admin"}
    staff_paths = [p for p in api["DefinitionBody"]["paths"] if p.startswith("/staff")]
    for path in staff_paths:
        for operation in api["DefinitionBody"]["paths"][path].values():
            if isinstance(operation, dict) and "security" in operation:
                assert operation["security"] == [{"StaffUserPool": []}]
    assert staff_paths


def test_the_api_function_is_wired_to_the_stacks_resources(template):
    (function,) = _of_type(template, "AWS::Serverless::Function")
    env = function["Environment"]["Variables"]
    table_id = next(
        k for k, r in template["Resources"].items() if r["Type"] == "AWS::DynamoDB::Table"
    )
    bucket_id = next(k for k, r in template["Resources"].items() if r["Type"] == "AWS::S3::Bucket")
    assert env["CIVICDESK_TABLE"] == {"Ref": table_id}
    assert env["CIVICDESK_ATTACHMENTS_BUCKET"] == {"Ref": bucket_id}
    assert env["CIVICDESK_AUTH_MODE"] == "cognito"
    assert env["CIVICDESK_PUBLIC_BASE_URL"] == "https://requests.town.example"
    assert "CIVICDESK_DEV_TOKEN_SECRET" not in env

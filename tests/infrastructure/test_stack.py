"""The CDK stack synthesizes offline, lints clean, and matches the code's own definitions."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters import table_schema as ts
from infrastructure import portal_site

pytestmark = pytest.mark.synth
ROOT = Path(__file__).resolve().parents[2]
WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/CivicDeskEdge/0123abcd"
CONNECT = "arn:aws:connect:eu-central-1:123456789012:instance/11111111-2222-3333-4444-555555555555"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0000-1111"
# A town with its own name for the portal (a Route 53 zone), its Connect instance, and what a
# deploy reads from the edge stack's outputs (the web ACL, the certificate).
TOWN = {
    "web_acl_arn": WEB_ACL,
    "connect_instance_arn": CONNECT,
    "domain": "requests.rivertown.gov",
    "certificate_arn": CERTIFICATE,
    "hosted_zone_id": "Z0123456789ABC",
    "hosted_zone_name": "rivertown.gov",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> dict[str, Any]:
    # Synthesized in a child process: jsii's node runtime and chalice.out stay out of the suite.
    workdir = tmp_path_factory.mktemp("synth")
    env = {
        **os.environ,
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        # What the deploy reads from the edge stack's output (``deployed_web_acl``), and the
        # town's Connect instance (its flow is deployed into it).
        "CDK_CONTEXT_JSON": json.dumps(TOWN),
    }
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


@pytest.fixture(scope="module")
def edge(template) -> dict[str, Any]:
    path = template["path"].with_name("civicdesk-dev-edge.template.json")
    return {"path": path, **json.loads(path.read_text())}


def _of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def _of_type_ids(template: dict[str, Any], kind: str) -> list[str]:
    return [k for k, r in template["Resources"].items() if r["Type"] == kind]


def test_cfn_lint_finds_nothing(template, edge):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(template["path"]), str(edge["path"])],
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
    indexes = {
        i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in table["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in ts.GLOBAL_SECONDARY_INDEXES
    }
    assert indexes[ts.DUE_INDEX][1] == {"ProjectionType": "KEYS_ONLY"}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["TimeToLiveSpecification"] == {"AttributeName": ts.TTL_ATTRIBUTE, "Enabled": True}


@pytest.mark.parametrize(
    ("prefix", "algorithm"), [("Attachments", "aws:kms"), ("EmailInbound", "AES256")]
)
def test_the_buckets_are_private_encrypted_and_tls_only(template, prefix, algorithm):
    (bucket_id,) = [
        k
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::S3::Bucket" and k.startswith(prefix)
    ]
    bucket = template["Resources"][bucket_id]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == algorithm
    (policy,) = [
        p for p in _of_type(template, "AWS::S3::BucketPolicy") if p["Bucket"] == {"Ref": bucket_id}
    ]
    denies = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denies)


def _statements(template: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    (policy,) = [
        r["Properties"]
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::IAM::Policy" and k.startswith(role_prefix)
    ]
    return list(policy["PolicyDocument"]["Statement"])


STAR_ONLY_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    # A text to a phone number has no ARN; the one role that may is denied every topic (below).
    "sns:Publish",
    # Lambda's stream poller lists the table's streams; ListStreams takes no ARN.
    "dynamodb:ListStreams",
}


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


@pytest.mark.parametrize(
    "role",
    [
        "ApiRole",
        "EmailRole",
        "DeadlinesWatchRole",
        "DeadlinesEscalationTasksRole",
        "DeadlinesWeeklyReviewRole",
        "DeadlinesSchedulerRole",
        "DeadlinesEscalationRole",
        "SeedDataRole",
        "NotificationsDispatcherRole",
        "PhoneRole",
    ],
)
def test_every_role_names_its_actions_and_resources(template, role):
    for statement in _statements(template, role):
        actions = _actions(statement)
        assert all("*" not in action for action in actions), actions
        if statement["Resource"] == "*":
            # X-Ray, and Step Functions' log delivery to CloudWatch Logs, take no resource ARNs.
            assert set(actions) <= STAR_ONLY_ACTIONS, actions
    granted = {a for s in _statements(template, role) for a in _actions(s)}
    assert "dynamodb:Scan" not in granted


def test_the_api_role_is_least_privilege(template):
    statements = _statements(template, "ApiRole")
    granted = {a for s in statements for a in _actions(s)}
    # Deleting is an intake's released Idempotency-Key claim, or an erasure's messages and
    # address mark; batches write only cards' own partitions (an erasure's history).
    (delete,) = [s for s in statements if "dynamodb:DeleteItem" in _actions(s)]
    assert _actions(delete) == ["dynamodb:DeleteItem"]
    assert delete["Condition"] == {
        "ForAllValues:StringLike": {
            "dynamodb:LeadingKeys": [
                f"{ts.IDEMPOTENCY_PREFIX}*",
                f"{ts.OUTBOX_PREFIX}*",
                f"{ts.CONTACT_PREFIX}*",
            ]
        }
    }
    (batch,) = [s for s in statements if "dynamodb:BatchWriteItem" in _actions(s)]
    assert _actions(batch) == ["dynamodb:BatchWriteItem"]
    assert batch["Condition"] == {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{ts.CARD_PREFIX}*"]}
    }
    assert "dynamodb:Scan" not in granted
    assert "ses:SendRawEmail" not in granted
    (function,) = _of_type(template, "AWS::Serverless::Function")
    assert "Fn::GetAtt" in function["Role"]
    assert function["Tracing"] == "Active"


# Every index a route's use case queries (the API answers from these and no other).
API_INDEXES = (
    ts.QUEUE_INDEX,
    ts.REQUESTER_INDEX,
    ts.OVERDUE_INDEX,
    ts.APPROVAL_INDEX,
    ts.DUE_INDEX,
    ts.PLACE_INDEX,  # requests near a point: the form's map, the public page
    ts.DESK_INDEX,  # the queue table
    ts.TWIN_INDEX,  # likely duplicates
    ts.REQUESTED_INDEX,  # Open311's listing
)


def test_the_api_role_may_query_each_index_the_api_reads_and_no_other(template):
    queries = [s for s in _statements(template, "ApiRole") if "dynamodb:Query" in _actions(s)]
    granted = set(re.findall(r"/index/([a-z_]+)", json.dumps([s["Resource"] for s in queries])))
    assert granted == set(API_INDEXES)


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
    bucket_id = _resource_id(template, "AWS::S3::Bucket", "Attachments")
    assert env["CIVICDESK_TABLE"] == {"Ref": table_id}
    assert env["CIVICDESK_ATTACHMENTS_BUCKET"] == {"Ref": bucket_id}
    assert env["CIVICDESK_AUTH_MODE"] == "cognito"
    assert env["CIVICDESK_PUBLIC_BASE_URL"] == "https://requests.rivertown.gov"
    assert "CIVICDESK_DEV_TOKEN_SECRET" not in env
    (pool_id,) = _of_type_ids(template, "AWS::Cognito::UserPool")
    assert env["CIVICDESK_USER_POOL_ID"] == {"Ref": pool_id}


def test_the_api_asks_the_user_pool_about_second_factors_and_nothing_more(template):
    (pool_id,) = _of_type_ids(template, "AWS::Cognito::UserPool")
    asking = [
        s
        for s in _statements(template, "ApiRole")
        if any(a.startswith("cognito-idp:") for a in _actions(s))
    ]
    (statement,) = asking
    assert _actions(statement) == ["cognito-idp:AdminGetUser"]
    assert statement["Resource"] == {"Fn::GetAtt": [pool_id, "Arn"]}


def test_the_email_role_deletes_only_released_card_keys_and_sends_only_as_the_town(template):
    statements = _statements(template, "EmailRole")
    (delete,) = [s for s in statements if "dynamodb:DeleteItem" in _actions(s)]
    assert _actions(delete) == ["dynamodb:DeleteItem"]
    assert delete["Condition"] == {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{ts.IDEMPOTENCY_PREFIX}*"]}
    }
    (send,) = [s for s in statements if "ses:SendRawEmail" in _actions(s)]
    assert send["Condition"] == {"StringEquals": {"ses:FromAddress": "requests@town.example"}}


def test_ses_stores_then_invokes_the_email_function(template):
    (rule,) = _of_type(template, "AWS::SES::ReceiptRule")
    spec = rule["Rule"]
    assert spec["ScanEnabled"] is True
    assert spec["Recipients"] == ["requests@town.example"]
    s3_action, lambda_action = (a for a in spec["Actions"])
    assert s3_action["S3Action"]["ObjectKeyPrefix"] == "inbound/"
    assert lambda_action["LambdaAction"]["InvocationType"] == "Event"
    functions = {
        k: r["Properties"]
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function" and k.startswith("EmailHandler")
    }
    (function,) = functions.values()
    assert function["Handler"] == "functions.email_inbound.handler"
    assert "TargetArn" in function["DeadLetterConfig"]
    assert function["TracingConfig"] == {"Mode": "Active"}
    permissions = [
        p
        for p in _of_type(template, "AWS::Lambda::Permission")
        if p["Principal"] == "ses.amazonaws.com"
    ]
    assert len(permissions) == 1


def test_the_packages_carry_templates_and_entry_points(template):
    out = template["path"].parent
    zips = [zipfile.ZipFile(p) for p in out.glob("asset.*.zip")]
    names = {n for z in zips for n in z.namelist()}
    assert "chalicelib/templates/notifications/ru/requester/mail_receipt.j2" in names
    assert "app.py" in names
    layers = [p for p in out.glob("asset.*") if p.is_dir()]
    for entry_point in ("email_inbound", "sla_timer", "sla_sweep", "sla_escalation"):
        assert any((p / "python" / "functions" / f"{entry_point}.py").is_file() for p in layers)
    assert "chalicelib/templates/notifications/ru/staff/deadline_notice.j2" in names
    for entry_point in ("outbox_dispatch", "sla_weekly_review", "seed_data"):
        assert any((p / "python" / "functions" / f"{entry_point}.py").is_file() for p in layers)


def _resource_id(template: dict[str, Any], kind: str, prefix: str) -> str:
    (found,) = [
        k for k, r in template["Resources"].items() if r["Type"] == kind and k.startswith(prefix)
    ]
    return found


def test_the_escalation_state_machine_runs_the_asl_the_tests_execute(template):
    from infrastructure.sla_escalation import ASL_PATH, TASK_FUNCTION_VARIABLE

    (machine,) = _of_type(template, "AWS::StepFunctions::StateMachine")
    assert machine["StateMachineType"] == "STANDARD"
    assert json.loads(machine["DefinitionString"]) == json.loads(ASL_PATH.read_text())
    tasks = _resource_id(template, "AWS::Lambda::Function", "DeadlinesEscalationTasks")
    assert machine["DefinitionSubstitutions"] == {
        TASK_FUNCTION_VARIABLE: {"Fn::GetAtt": [tasks, "Arn"]}
    }
    invoke = [
        s
        for s in _statements(template, "DeadlinesEscalationRole")
        if "lambda:InvokeFunction" in _actions(s)
    ]
    assert invoke, "the state machine may invoke its task function"


def test_the_sweep_runs_every_five_minutes_and_the_review_on_monday(template):
    rules = _of_type(template, "AWS::Events::Rule")
    by_schedule = {r["ScheduleExpression"]: r["Targets"][0]["Arn"] for r in rules}
    sweep = _resource_id(template, "AWS::Lambda::Function", "DeadlinesSweep")
    review = _resource_id(template, "AWS::Lambda::Function", "DeadlinesWeeklyReview")
    assert by_schedule["rate(5 minutes)"] == {"Fn::GetAtt": [sweep, "Arn"]}
    assert by_schedule["cron(0 6 ? * MON *)"] == {"Fn::GetAtt": [review, "Arn"]}


def test_timers_are_schedules_the_watch_may_manage_and_scheduler_may_run(template):
    (group,) = _of_type(template, "AWS::Scheduler::ScheduleGroup")
    assert group["Name"] == "civicdesk-dev-deadlines"
    role_id = _resource_id(template, "AWS::IAM::Role", "DeadlinesSchedulerRole")
    trust = template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert "aws:SourceAccount" in statement["Condition"]["StringEquals"]
    (manage,) = [
        s
        for s in _statements(template, "DeadlinesWatchRole")
        if "scheduler:CreateSchedule" in _actions(s)
    ]
    assert "schedule/" in json.dumps(manage["Resource"])
    assert "card-*" in json.dumps(manage["Resource"])
    (pass_role,) = [
        s for s in _statements(template, "DeadlinesWatchRole") if "iam:PassRole" in _actions(s)
    ]
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}
    }
    review = {a for s in _statements(template, "DeadlinesWeeklyReviewRole") for a in _actions(s)}
    assert not review & {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    timer = _resource_id(template, "AWS::Lambda::Function", "DeadlinesTimer")
    env = template["Resources"][timer]["Properties"]["Environment"]["Variables"]
    assert set(env) >= {
        "CIVICDESK_SCHEDULE_GROUP",
        "CIVICDESK_TIMER_FUNCTION_ARN",
        "CIVICDESK_SCHEDULER_ROLE_ARN",
        "CIVICDESK_TIMER_DLQ_ARN",
        "CIVICDESK_ESCALATION_STATE_MACHINE",
    }


def test_routing_reads_what_it_needs_and_only_the_deploy_step_writes_the_directory(template):
    for role in ("ApiRole", "EmailRole"):
        statements = _statements(template, role)
        reads = [s for s in statements if "dynamodb:BatchGetItem" in _actions(s)]
        assert reads, role  # the candidates' open-card counters
        assert any("index/requester" in json.dumps(s["Resource"]) for s in statements), role
    (seed_writes,) = [
        s for s in _statements(template, "SeedDataRole") if "dynamodb:PutItem" in _actions(s)
    ]
    assert seed_writes["Condition"] == {
        "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["DIRECTORY", "RULES"]}
    }
    for role in ("ApiRole", "EmailRole", "DeadlinesWatchRole"):
        # Batches write nothing but cards' own partitions (an erasure's history), never the
        # directory or the rules.
        batches = [
            s for s in _statements(template, role) if "dynamodb:BatchWriteItem" in _actions(s)
        ]
        assert all(
            s.get("Condition")
            == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{ts.CARD_PREFIX}*"]}}
            for s in batches
        ), role
    (seed,) = _of_type(template, "AWS::CloudFormation::CustomResource")
    assert len(seed["SeedDigest"]) == 64
    function = _resource_id(template, "AWS::Lambda::Function", "SeedDataFunction")
    assert template["Resources"][function]["Properties"]["Handler"] == "functions.seed_data.handler"


def test_the_outbox_sender_runs_on_new_outbox_items_and_every_minute(template):
    dispatcher = _resource_id(template, "AWS::Lambda::Function", "NotificationsDispatcher")
    (mapping,) = [
        m
        for m in _of_type(template, "AWS::Lambda::EventSourceMapping")
        if m["FunctionName"] == {"Ref": dispatcher}
    ]
    assert mapping["MaximumRetryAttempts"] == 0
    (pattern,) = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert pattern == {
        "eventName": ["INSERT"],
        "dynamodb": {"Keys": {"pk": {"S": [{"prefix": "OUTBOX#"}]}}},
    }
    (table,) = _of_type(template, "AWS::DynamoDB::Table")
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    rules = {
        r["ScheduleExpression"]: r["Targets"][0]["Arn"]
        for r in _of_type(template, "AWS::Events::Rule")
    }
    assert rules["rate(1 minute)"] == {"Fn::GetAtt": [dispatcher, "Arn"]}


def test_the_sender_texts_people_but_publishes_to_no_topic_and_touches_only_its_items(template):
    statements = _statements(template, "NotificationsDispatcherRole")
    publish = [s for s in statements if "sns:Publish" in _actions(s)]
    assert {s["Effect"] for s in publish} == {"Allow", "Deny"}
    (deny,) = [s for s in publish if s["Effect"] == "Deny"]
    assert "sns:" in json.dumps(deny["Resource"])
    (table_access,) = [s for s in statements if "dynamodb:PutItem" in _actions(s)]
    leading = table_access["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    assert sorted(leading) == ["CONTACT#*", "MAIL#*", "OUTBOX*"]
    for role in ("ApiRole", "EmailRole", "DeadlinesWatchRole"):
        granted = {a for s in _statements(template, role) for a in _actions(s)}
        assert "sns:Publish" not in granted, role


def test_only_the_functions_that_write_to_requesters_read_the_link_secret(template):
    for secret in _of_type(template, "AWS::SecretsManager::Secret"):
        assert "KmsKeyId" in secret
    secret_id = _resource_id(template, "AWS::SecretsManager::Secret", "LinkSecret")
    readers = sorted(
        k
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::IAM::Policy"
        and any(
            "secretsmanager:GetSecretValue" in _actions(s) and secret_id in json.dumps(s)
            for s in r["Properties"]["PolicyDocument"]["Statement"]
        )
    )
    # The deadline watch writes to requesters too: reminders, "no answer", closure by silence.
    assert [r[:8] for r in readers] == ["ApiRoleD", "Deadline", "EmailRol", "PhoneRol"]
    assert "WatchRole" in readers[1]
    assert "Escalation" not in readers[1]
    for function in _of_type(template, "AWS::Lambda::Function"):
        variables = function.get("Environment", {}).get("Variables", {})
        if "CIVICDESK_TABLE" in variables:
            assert variables["CIVICDESK_LINK_SECRET_ARN"] == {"Ref": secret_id}


def test_connect_may_invoke_the_ivr_which_answers_inside_connects_limit(template):
    ivr_id = _resource_id(template, "AWS::Lambda::Function", "PhoneIvr")
    ivr = template["Resources"][ivr_id]["Properties"]
    assert ivr["Timeout"] < 8  # Connect waits 8 seconds at most
    (permission,) = [
        p
        for p in _of_type(template, "AWS::Lambda::Permission")
        if p.get("Principal") == "connect.amazonaws.com"
    ]
    assert permission["FunctionName"] == {"Fn::GetAtt": [ivr_id, "Arn"]}
    assert "SourceArn" in permission
    assert "SourceAccount" in permission
    (table,) = _of_type(template, "AWS::DynamoDB::Table")
    assert "caller" in {i["IndexName"] for i in table["GlobalSecondaryIndexes"]}


def test_the_example_contact_flow_calls_only_operations_the_handler_knows():
    from pathlib import Path

    from functions import connect_ivr

    flow = json.loads(
        (Path(__file__).parents[2] / "infrastructure" / "connect" / "contact_flow.json").read_text()
    )
    ids = {a["Identifier"] for a in flow["Actions"]}
    assert flow["StartAction"] in ids
    targets = []
    for action in flow["Actions"]:
        transitions = action.get("Transitions", {})
        targets += [transitions.get("NextAction")] if "NextAction" in transitions else []
        targets += [t["NextAction"] for t in transitions.get("Errors", [])]
        targets += [t["NextAction"] for t in transitions.get("Conditions", [])]
    assert set(targets) <= ids
    operations = {
        a["Parameters"]["LambdaInvocationAttributes"]["operation"]
        for a in flow["Actions"]
        if a["Type"] == "InvokeLambdaFunction"
    }
    assert operations <= set(connect_ivr.OPERATIONS)


def test_the_portal_is_private_pages_and_the_api_on_one_https_origin(template):
    from infrastructure.portal import API_PATHS

    (distribution,) = _of_type(template, "AWS::CloudFront::Distribution")
    config = distribution["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert set(behaviors) == set(API_PATHS)
    caching_disabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # AWS's managed policy id
    assert {b["CachePolicyId"] for b in behaviors.values()} == {caching_disabled}
    api_origin = next(o for o in config["Origins"] if "CustomOriginConfig" in o)
    assert api_origin["OriginPath"] == "/api"
    assert "OriginAccessControlId" in next(o for o in config["Origins"] if "S3OriginConfig" in o)
    assert len(_of_type(template, "AWS::CloudFront::OriginAccessControl")) == 1
    pages = template["Resources"][_resource_id(template, "AWS::S3::Bucket", "PortalPages")]
    assert pages["Properties"]["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True


def test_the_console_signs_in_through_the_hosted_ui_with_code_and_pkce(template):
    (props,) = _of_type(template, "AWS::Cognito::UserPoolClient")
    assert props["AllowedOAuthFlows"] == ["code"]  # never the implicit flow
    assert props["AllowedOAuthFlowsUserPoolClient"] is True
    assert props.get("GenerateSecret", False) is False  # a browser cannot keep a secret
    assert props["CallbackURLs"] == ["https://requests.rivertown.gov/console.html"]
    assert props["LogoutURLs"] == props["CallbackURLs"]
    # aws.cognito.signin.user.admin: the console sets up the person's own authenticator app.
    assert set(props["AllowedOAuthScopes"]) == {
        "openid",
        "email",
        "profile",
        "aws.cognito.signin.user.admin",
    }
    assert len(_of_type(template, "AWS::Cognito::UserPoolDomain")) == 1
    # The deployed console reads its settings from a file the deployment writes, not the
    # local stack's ("auth": "dev"), which the page upload leaves out.
    (upload,) = _of_type(template, "Custom::CDKBucketDeployment")
    # The pages, the console's settings, and the files made from the town's (portal_site).
    assert len(upload["SourceObjectKeys"]) == 2 + len(portal_site.generated())
    markers = json.dumps(upload.get("SourceMarkers", []))
    assert "SignIn" in markers
    assert "Console" in markers
    # Short-lived tokens the console renews from a refresh token that outlasts a shift.
    validity = (
        props["IdTokenValidity"],
        props["RefreshTokenValidity"],
        props["TokenValidityUnits"],
    )
    assert validity[:2] == (60, 720)
    assert validity[2]["IdToken"] == "minutes"
    assert validity[2]["RefreshToken"] == "minutes"


def test_the_indexer_reads_card_items_from_the_stream_and_keeps_what_fails(template):
    from functions.search_indexer import STREAM_FILTER

    (indexer,) = [
        k
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"].get("Handler") == "functions.search_indexer.handler"
    ]
    (mapping,) = [
        m
        for m in _of_type(template, "AWS::Lambda::EventSourceMapping")
        if m["FunctionName"] == {"Ref": indexer}
    ]
    (pattern,) = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert pattern == STREAM_FILTER  # the local stack filters with the same pattern
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == 5
    assert "Arn" in json.dumps(mapping["DestinationConfig"]["OnFailure"])
    (domain,) = _of_type(template, "AWS::OpenSearchService::Domain")
    assert domain["EncryptionAtRestOptions"]["Enabled"] is True
    assert domain["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    assert domain["DomainEndpointOptions"]["EnforceHTTPS"] is True
    assert "AccessPolicies" not in domain  # IAM-signed requests of the granted roles only
    # The API may only search the cards index; the indexer writes it and its template.
    (api,) = [s for s in _statements(template, "ApiRole") if "es:ESHttpPost" in _actions(s)]
    assert sorted(_actions(api)) == ["es:ESHttpGet", "es:ESHttpPost"]
    assert "/civicdesk-cards/_search" in json.dumps(api["Resource"])
    writes = [
        s
        for s in _statements(template, "SearchIndexerIndexerRole")
        if "es:ESHttpPut" in _actions(s)
    ]
    assert writes
    assert "es:*" not in json.dumps(writes)


def test_exports_run_nightly_into_a_private_bucket_athena_reads_without_a_crawler(template):
    from chalicelib.domain.export_rows import COLUMNS

    (export,) = [
        k
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"].get("Handler") == "functions.export_cards.handler"
    ]
    function = template["Resources"][export]["Properties"]
    assert function["Timeout"] == 900
    assert function["EphemeralStorage"] == {"Size": 10240}
    assert any("AWSSDKPandas-Python311" in json.dumps(layer) for layer in function["Layers"])
    rules = {
        r["ScheduleExpression"]: r["Targets"][0]["Arn"]
        for r in _of_type(template, "AWS::Events::Rule")
    }
    assert rules["cron(0 1 * * ? *)"] == {"Fn::GetAtt": [export, "Arn"]}
    (table,) = _of_type(template, "AWS::Glue::Table")
    described = table["TableInput"]
    assert [(c["Name"], c["Type"]) for c in described["StorageDescriptor"]["Columns"]] == list(
        COLUMNS
    )
    assert described["PartitionKeys"] == [{"Name": "snapshot", "Type": "string"}]
    assert described["Parameters"]["projection.enabled"] == "true"
    # The export role scans the table and writes exports; the API starts that function only.
    statements = _statements(template, "ExportJobsExportRole")
    granted = {a for s in statements for a in _actions(s)}
    assert "dynamodb:Scan" in granted
    assert not {"dynamodb:PutItem", "dynamodb:DeleteItem", "s3:DeleteObject"} & granted
    assert all("*" not in a for a in granted)
    (invoke,) = [
        s for s in _statements(template, "ApiRole") if "lambda:InvokeFunction" in _actions(s)
    ]
    assert "export-cards" in json.dumps(invoke["Resource"])


def test_the_portal_map_key_fetches_tiles_only_from_the_portal_and_only_the_api_geocodes(
    template,
):
    (key,) = _of_type(template, "AWS::Location::APIKey")
    rules = key["Restrictions"]
    assert rules["AllowActions"] == ["geo-maps:GetTile"]
    assert rules["AllowReferers"] == ["https://requests.rivertown.gov/*"]
    (resource,) = rules["AllowResources"]
    assert "geo-maps:" in json.dumps(resource)
    assert "provider/default" in json.dumps(resource)
    geocoding = [
        s
        for s in _statements(template, "ApiRole")
        if any(a.startswith("geo-places:") for a in _actions(s))
    ]
    (statement,) = geocoding
    assert sorted(_actions(statement)) == ["geo-places:Geocode", "geo-places:ReverseGeocode"]
    assert "geo-places:" in json.dumps(statement["Resource"])
    (function,) = _of_type(template, "AWS::Serverless::Function")
    assert function["Environment"]["Variables"]["CIVICDESK_GEOCODING"] == "amazon"


def test_cards_are_found_by_place_from_an_index_without_personal_data(template):
    (table,) = _of_type(template, "AWS::DynamoDB::Table")
    (place,) = [i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == ts.PLACE_INDEX]
    assert place["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": [ts.PLACE_VIEW],
    }


def test_a_request_s_public_page_path_is_rewritten_at_the_edge(template):
    (function,) = _of_type(template, "AWS::CloudFront::Function")
    assert "request.html" in function["FunctionCode"]
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    (distribution,) = _of_type(template, "AWS::CloudFront::Distribution")
    default = distribution["DistributionConfig"]["DefaultCacheBehavior"]
    (association,) = default["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    behaviours = distribution["DistributionConfig"]["CacheBehaviors"]
    assert "/places/*" in [b["PathPattern"] for b in behaviours]


# ---- operations: alarms, runbooks, logs, the dashboard, the sizes

FAILURE_QUEUES = (
    "email",
    "phone",
    "deadlines",
    "outbox",
    "search-indexer",
    "exports",
    "seed-data",
    "retention",
)


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        k: r["Properties"]
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")


def test_every_alarm_reaches_the_topic_both_ways_and_names_a_runbook_section_that_exists(
    template,
):
    (topic_id,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::SNS::Topic"]
    alarms = _alarms(template)
    assert len(alarms) >= 2 * len(FAILURE_QUEUES)
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}], name
        assert alarm["OKActions"] == [{"Ref": topic_id}], name
        runbook = re.search(
            r"Runbook: (docs/runbooks/[\w-]+\.md)#([\w-]+)$", alarm["AlarmDescription"]
        )
        assert runbook, (name, alarm["AlarmDescription"])
        page = ROOT / runbook.group(1)
        assert page.exists(), (name, runbook.group(1))
        anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", page.read_text(), re.MULTILINE)}
        assert runbook.group(2) in anchors, (name, runbook.group(0))


def test_every_failure_queue_has_an_alarm_for_a_message_waiting_and_for_one_growing_old(template):
    queues = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::SQS::Queue"]
    assert len(queues) == len(FAILURE_QUEUES)
    for queue in queues:
        watching = [
            a
            for a in _alarms(template).values()
            if {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}
            in a.get("Dimensions", [])
        ]
        metrics = {(a["MetricName"], a["Threshold"], a["TreatMissingData"]) for a in watching}
        assert metrics == {
            ("ApproximateNumberOfMessagesVisible", 1, "notBreaching"),
            ("ApproximateAgeOfOldestMessage", 3 * 24 * 3600, "notBreaching"),
        }, queue
    # What `civicdesk failures` reads: each queue by its runbook name, and who runs it again.
    output = template["Outputs"]["FailureQueues"]["Value"]
    assert set(FAILURE_QUEUES) <= set(json.dumps(output).replace('\\"', '"').split('"'))


def test_every_function_logs_to_its_own_group_with_a_retention(template):
    resources = template["Resources"]
    functions = {
        k: r["Properties"]
        for k, r in resources.items()
        if r["Type"] in ("AWS::Lambda::Function", "AWS::Serverless::Function")
    }
    assert len(functions) >= 12
    groups = set()
    for name, function in functions.items():
        group = function.get("LoggingConfig", {}).get("LogGroup")
        assert group == {"Ref": group["Ref"]}, name
        assert resources[group["Ref"]]["Type"] == "AWS::Logs::LogGroup", name
        assert resources[group["Ref"]]["Properties"]["RetentionInDays"] == 90, name
        groups.add(group["Ref"])
    assert len(groups) == len(functions)
    retained = [p for p in _of_type(template, "AWS::Logs::LogGroup") if "RetentionInDays" in p]
    assert len(retained) == len(_of_type(template, "AWS::Logs::LogGroup"))


def test_each_function_has_error_and_throttle_alarms_and_the_silent_ones_a_heartbeat(template):
    alarms = list(_alarms(template).values())

    def watching(metric: str) -> int:
        return sum(
            1 for a in alarms if a.get("MetricName") == metric and a["Namespace"] == "AWS/Lambda"
        )

    assert watching("Errors") == 12
    # Throttles are the account's concurrency: one alarm on the region's, no function named.
    (throttles,) = [a for a in alarms if a.get("MetricName") == "Throttles"]
    assert "Dimensions" not in throttles
    sweep = [a for a in alarms if a.get("MetricName") == "Invocations"]
    assert [(a["ComparisonOperator"], a["TreatMissingData"]) for a in sweep] == [
        ("LessThanThreshold", "breaching")
    ]
    (nightly,) = [a for a in alarms if a.get("MetricName") == "ExportsFinished"]
    assert nightly["Period"] == 86400
    assert {"Name": "kind", "Value": "nightly"} in nightly["Dimensions"]
    assert nightly["TreatMissingData"] == "breaching"
    named = {a.get("MetricName") for a in alarms}
    assert {
        "5XXError",
        "Latency",
        "Reputation.BounceRate",
        "Reputation.ComplaintRate",
        "IteratorAge",
        "ClusterStatus.red",
        "ClusterIndexWritesBlocked",
        "FreeStorageSpace",
        "ExecutionsFailed",
        "ExecutionsTimedOut",
    } <= named
    # The outbox's: a failed message on any channel (the metric the code emits).
    (outbox,) = [a for a in alarms if "Metrics" in a]
    used = {m["MetricStat"]["Metric"]["MetricName"] for m in outbox["Metrics"] if "MetricStat" in m}
    assert used == {"MessagesFailed"}


def test_alarm_mail_is_a_parameter_and_its_subscription_waits_for_an_address(template):
    parameter = template["Parameters"]["AlarmEmail"]
    assert (parameter["Type"], parameter["Default"]) == ("String", "")
    assert re.fullmatch(parameter["AllowedPattern"], "oncall@town.example")
    assert not re.fullmatch(parameter["AllowedPattern"], "not an address")
    (subscription,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::SNS::Subscription"
    ]
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert subscription["Condition"] in template["Conditions"]
    (topic,) = _of_type(template, "AWS::SNS::Topic")
    assert "KmsMasterKeyId" in topic


def test_the_dashboard_shows_the_towns_day(template):
    (dashboard,) = _of_type(template, "AWS::CloudWatch::Dashboard")
    body = json.dumps(dashboard["DashboardBody"])
    for shown in (
        "CardsCreated",
        "CardsClosed",
        "DeadlinesMissed",
        "MessagesSent",
        "MessagesFailed",
        "Latency",
        "5XXError",
        "ApproximateNumberOfMessagesVisible",
        "Duration",
        "@initDuration",  # cold starts, from the functions' REPORT lines
    ):
        assert shown in body, shown


def test_the_api_stage_is_throttled_and_logs_each_request_without_an_address(template):
    api = template["Resources"]["RestAPI"]["Properties"]
    (settings,) = api["MethodSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (50, 100)
    access = api["AccessLogSetting"]
    assert access["DestinationArn"]["Fn::GetAtt"][1] == "Arn"
    assert "sourceIp" not in access["Format"]
    assert "$context.resourcePath" in access["Format"]
    assert api["Name"] == "civicdesk-dev"
    assert len(_of_type(template, "AWS::ApiGateway::Account")) == 1


def test_the_sizing_profiles_give_a_small_town_one_node_and_a_city_three_zones_and_masters():
    script = (
        "import json, aws_cdk as cdk\n"
        "from aws_cdk import aws_kms as kms, aws_logs as logs\n"
        "from infrastructure.search import SearchDomain\n"
        "from infrastructure.sizing import PROFILES\n"
        "app = cdk.App()\n"
        "for name, size in PROFILES.items():\n"
        "    stack = cdk.Stack(app, name)\n"
        "    SearchDomain(stack, 'Search', key=kms.Key(stack, 'Key'), size=size,\n"
        "                 log_retention=logs.RetentionDays.ONE_MONTH)\n"
        "cloud = app.synth()\n"
        "out = {}\n"
        "for name in PROFILES:\n"
        "    t = cloud.get_stack_by_name(name).template\n"
        "    (d,) = [r['Properties'] for r in t['Resources'].values()\n"
        "           if r['Type'] == 'AWS::OpenSearchService::Domain']\n"
        "    out[name] = d\n"
        "print(json.dumps(out))\n"
    )
    env = {**os.environ, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    domains = json.loads(done.stdout.strip().splitlines()[-1])
    small = domains["small"]["ClusterConfig"]
    assert (small["InstanceCount"], small["InstanceType"]) == (1, "t3.small.search")
    assert small["ZoneAwarenessEnabled"] is False
    assert "DedicatedMasterEnabled" not in small or small["DedicatedMasterEnabled"] is False
    city = domains["city"]["ClusterConfig"]
    assert (city["InstanceCount"], city["DedicatedMasterCount"]) == (3, 3)
    assert city["ZoneAwarenessConfig"] == {"AvailabilityZoneCount": 3}
    for domain in domains.values():
        assert domain["EncryptionAtRestOptions"]["Enabled"] is True
        assert domain["NodeToNodeEncryptionOptions"]["Enabled"] is True


def test_every_answer_carries_the_portals_security_headers_with_a_csp_without_inline_script(
    template,
):
    (distribution,) = _of_type(template, "AWS::CloudFront::Distribution")
    config = distribution["DistributionConfig"]
    (policy_id,) = [
        k
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::CloudFront::ResponseHeadersPolicy"
    ]
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert {json.dumps(b["ResponseHeadersPolicyId"]) for b in behaviors} == {
        json.dumps({"Ref": policy_id})
    }
    security = template["Resources"][policy_id]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    csp = json.dumps(security["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    directives = dict(
        d.strip().split(" ", 1)
        for d in re.sub(r'[{}"\[\]]|Fn::Join|Fn::GetAtt', "", csp).split(";")
    )
    assert directives["script-src"].strip() == "'self'"
    assert "unsafe" not in csp
    assert directives["frame-ancestors"].strip() == "'none'"
    assert "RegionalDomainName" in directives["connect-src"]  # the attachments bucket
    assert "amazoncognito.com" in directives["connect-src"]  # the console's sign-in
    assert "https://cognito-idp." in directives["connect-src"]  # its authenticator set-up
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] == 730 * 24 * 3600
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    # Uploads from the browser are allowed from the portal's origin only.
    attachments = template["Resources"][_resource_id(template, "AWS::S3::Bucket", "Attachments")]
    (rule,) = attachments["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == ["https://requests.rivertown.gov"]


def test_the_edge_firewall_has_the_managed_rules_and_per_address_limits_on_writes(template, edge):
    (acl,) = _of_type(edge, "AWS::WAFv2::WebACL")
    assert acl["Scope"] == "CLOUDFRONT"
    assert acl["DefaultAction"] == {"Allow": {}}
    rules = {r["Name"]: r for r in acl["Rules"]}
    for group in (
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    ):
        assert rules[group]["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS"
    every = rules["RequestsPerAddress"]["Statement"]["RateBasedStatement"]
    assert (every["AggregateKeyType"], every["Limit"]) == ("IP", 1000)
    writes = rules["WritesPerAddress"]["Statement"]["RateBasedStatement"]
    assert writes["Limit"] == 100
    method, paths = writes["ScopeDownStatement"]["AndStatement"]["Statements"]
    assert method["ByteMatchStatement"]["SearchString"] == "POST"
    assert {
        s["ByteMatchStatement"]["SearchString"] for s in paths["OrStatement"]["Statements"]
    } == {"/requests", "/open311/"}
    assert all(r["Action"] == {"Block": {}} for n, r in rules.items() if "PerAddress" in n)
    assert sorted(r["Priority"] for r in acl["Rules"]) == list(range(len(acl["Rules"])))
    # The distribution (pages and API alike) sits behind it, Open311 included.
    (distribution,) = _of_type(template, "AWS::CloudFront::Distribution")
    assert distribution["DistributionConfig"]["WebACLId"] == WEB_ACL
    paths_to_api = {b["PathPattern"] for b in distribution["DistributionConfig"]["CacheBehaviors"]}
    assert "/open311/*" in paths_to_api


def test_the_best_practice_pack_runs_on_every_synth_and_each_exception_says_why(template):
    """The fixture's synth ran AWS's rule pack (a finding would have failed it). Each decision
    to differ has a one-line reason; without one of them the synth fails on that rule."""
    from infrastructure import best_practice

    decided = [*best_practice.MAIN, *best_practice.SMALL_SEARCH, *best_practice.CDK_HELPERS]
    for item in decided:
        assert 20 <= len(item.reason) <= 100, item
        assert item.rule.startswith("AwsSolutions-"), item
    assert all(20 <= len(reason) <= 100 for _, reason in best_practice.WILDCARDS)
    script = (
        "import json, sys\n"
        "from infrastructure import best_practice\n"
        "best_practice.MAIN = tuple(d for d in best_practice.MAIN if d.path != 'LinkSecret')\n"
        "from infrastructure.app import build_app\n"
        "try:\n"
        "    build_app(sys.argv[1]).synth()\n"
        "except Exception:\n"
        "    print(open(sys.argv[1] + '/validation-report.json').read())\n"
    )
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    out = template["path"].parent.parent / "without-an-exception"
    done = subprocess.run(
        [sys.executable, "-c", script, str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    report = json.loads(done.stdout[done.stdout.index("{") :])
    (pack,) = report["pluginReports"]
    assert [v["ruleName"] for v in pack["violations"]] == ["AwsSolutions-SMG4"]


def test_the_contact_flow_is_deployed_into_the_towns_instance_calling_this_function(template):
    ivr_id = _resource_id(template, "AWS::Lambda::Function", "PhoneIvr")
    (association,) = _of_type(template, "AWS::Connect::IntegrationAssociation")
    assert association["InstanceId"] == CONNECT
    assert association["IntegrationArn"] == {"Fn::GetAtt": [ivr_id, "Arn"]}
    (flow,) = _of_type(template, "AWS::Connect::ContactFlow")
    assert (flow["InstanceArn"], flow["Type"]) == (CONNECT, "CONTACT_FLOW")
    content, names = flow["Content"]["Fn::Sub"]
    assert names == {"IvrFunctionArn": {"Fn::GetAtt": [ivr_id, "Arn"]}}
    assert json.loads(content)["StartAction"] == "lookup"  # the shipped flow, whole
    (permission,) = [
        p
        for p in _of_type(template, "AWS::Lambda::Permission")
        if p.get("Principal") == "connect.amazonaws.com"
    ]
    assert permission["SourceArn"] == CONNECT  # only the town's instance may invoke it


def test_the_towns_own_name_serves_the_portal_with_its_certificate_and_tls_1_2(template, edge):
    (certificate,) = _of_type(edge, "AWS::CertificateManager::Certificate")
    assert certificate["DomainName"] == "requests.rivertown.gov"
    assert certificate["DomainValidationOptions"][0]["HostedZoneId"] == "Z0123456789ABC"
    (distribution,) = _of_type(template, "AWS::CloudFront::Distribution")
    config = distribution["DistributionConfig"]
    assert config["Aliases"] == ["requests.rivertown.gov"]
    assert config["ViewerCertificate"]["AcmCertificateArn"] == CERTIFICATE
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    records = {r["Type"]: r for r in _of_type(template, "AWS::Route53::RecordSet")}
    assert set(records) == {"A", "AAAA"}
    assert all(r["Name"] == "requests.rivertown.gov." for r in records.values())
    # Status links in messages, the console's sign-in and the browser's origin use the name.
    (function,) = _of_type(template, "AWS::Serverless::Function")
    assert function["Environment"]["Variables"]["CIVICDESK_PUBLIC_BASE_URL"] == (
        "https://requests.rivertown.gov"
    )


def test_the_functions_package_carries_every_compiled_dependency_for_the_runtime(template):
    """x86_64, not Graviton: Pillow 13 has aarch64 wheels only for glibc 2.28, and Lambda's
    Python 3.11 runs on Amazon Linux 2 (glibc 2.26), so Chalice's aarch64 package came out
    without PIL (thumbnails would fail). Every compiled dependency must be in the package."""
    resources = template["Resources"]
    ours = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Serverless::Function"
        or (r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Runtime") == "python3.11")
    ]
    assert len(ours) == 12
    assert all(p.get("Architectures", ["x86_64"]) == ["x86_64"] for p in ours)
    packages = list(template["path"].parent.glob("asset.*.zip"))
    names = {name for package in packages for name in zipfile.ZipFile(package).namelist()}
    for compiled in ("PIL/", "pydantic_core/", "markupsafe/", "charset_normalizer/", "wrapt/"):
        built = [n for n in names if n.startswith(compiled) and n.endswith(".so")]
        assert built, f"{compiled} has no compiled module in the package"
        assert all("x86_64" in n or "abi3" in n for n in built), built


def test_the_retention_sweep_scans_rewrites_cards_and_deletes_only_files(template):
    statements = _statements(template, "PrivacyRole")
    granted = {a for s in statements for a in _actions(s)}
    assert "dynamodb:Scan" in granted  # the night's share
    assert "dynamodb:DeleteItem" not in granted
    (batch,) = [s for s in statements if "dynamodb:BatchWriteItem" in _actions(s)]
    assert batch["Condition"] == {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{ts.CARD_PREFIX}*"]}
    }
    (files,) = [s for s in statements if any(a.startswith("s3:") for a in _actions(s))]
    assert _actions(files) == ["s3:DeleteObject"]
    assert "attachments/*" in json.dumps(files["Resource"])
    (rule,) = [
        r
        for r in _of_type(template, "AWS::Events::Rule")
        if "retention" in r.get("Description", "")
    ]
    assert rule["ScheduleExpression"] == "cron(30 2 * * ? *)"

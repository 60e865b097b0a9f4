"""The deploy step that stores the shipped directory and routing rules (a custom resource)."""

from __future__ import annotations

import pytest

from chalicelib import bootstrap
from functions import seed_data
from infrastructure.local.mailroom import LambdaContext


@pytest.fixture
def deployed(aws, settings, clock):
    bootstrap.use(bootstrap.build(settings, dynamodb_client=aws["dynamodb"], clock=clock))
    yield bootstrap.container()
    bootstrap.use(None)


def event(request: str) -> dict:
    """A CloudFormation custom resource request as the CDK provider passes it on."""
    return {
        "RequestType": request,
        "ServiceToken": "arn:aws:lambda:eu-central-1:123456789012:function:provider",
        "ResponseURL": "https://cloudformation-custom-resource-response.example/",
        "StackId": "arn:aws:cloudformation:eu-central-1:123456789012:stack/civicdesk-dev/1",
        "RequestId": f"{request}-1",
        "LogicalResourceId": "SeedDataResource",
        "ResourceType": "AWS::CloudFormation::CustomResource",
        "ResourceProperties": {"SeedDigest": "abc"},
        **({"PhysicalResourceId": seed_data.PHYSICAL_ID} if request != "Create" else {}),
    }


def test_a_deploy_stores_the_directory_once_and_the_first_rules(deployed):
    created = seed_data.handler(event("Create"), LambdaContext("seed-data"))
    assert created == {
        "PhysicalResourceId": "civicdesk-seed-data",
        "Data": {"DirectoryVersion": "1", "RulesVersion": "1"},
    }
    assert deployed.directory.staff_member("ex-ivan").name == "Ivan Sokolov"
    # An administrator's rules survive the next deploy; the unchanged directory is not re-published.
    current = deployed.routing_rules.current()
    deployed.routing_rules.save(current.model_copy(update={"version": 2, "saved_by": "adm-dmitry"}))
    updated = seed_data.handler(event("Update"), LambdaContext("seed-data"))
    assert updated["Data"] == {"DirectoryVersion": "1", "RulesVersion": "2"}
    deleted = seed_data.handler(event("Delete"), LambdaContext("seed-data"))
    assert deleted == {"PhysicalResourceId": "civicdesk-seed-data"}
    assert deployed.routing_rules.current().saved_by == "adm-dmitry"


def test_an_unknown_request_fails_loudly(deployed):
    with pytest.raises(ValueError, match="unknown custom resource request"):
        seed_data.handler(event("Refresh"), LambdaContext("seed-data"))

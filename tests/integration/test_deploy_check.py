"""`make deploy`'s checks over moto's STS, SSM and SES: every prerequisite is said with what to
do, and a deploy with one missing is stopped before anything happens."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import NoCredentialsError
from moto import mock_aws

from infrastructure.deploy_check import BOOTSTRAP_PARAMETER, Settings, check

TOWN = Settings(
    stage="prod",
    profile="small",
    portal_url="https://requests.rivertown.gov",
    mail_from="requests@rivertown.gov",
    alarm_email="oncall@rivertown.gov",
)


@pytest.fixture
def account(monkeypatch) -> Any:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        yield boto3.session.Session(region_name="eu-central-1")


def _bootstrapped(session: Any, version: str = "30") -> None:
    session.client("ssm").put_parameter(Name=BOOTSTRAP_PARAMETER, Value=version, Type="String")


def test_a_ready_account_passes_and_names_where_it_deploys(account):
    _bootstrapped(account)
    account.client("ses").verify_domain_identity(Domain="rivertown.gov")
    report = check(TOWN, client=account.client, region="eu-central-1", node_version="v22.11.0")
    assert not report.blocked, report.lines
    said = "\n".join(report.lines)
    assert "deploying to account 123456789012 in eu-central-1" in said
    assert "CDK bootstrap version 30" in said
    assert "alarms to oncall@rivertown.gov" in said


def test_each_missing_prerequisite_stops_the_deploy_with_what_to_do(account):
    example = Settings("prod", "town", "http://requests.town.example", "requests@town.example", "")
    report = check(example, client=account.client, region="eu-central-1", node_version="v16.2.0")
    said = "\n".join(report.lines)
    assert report.blocked
    for stop, todo in (
        ("unknown profile 'town'", "PROFILE=city or PROFILE=small"),
        ("is not an https:// address", "PORTAL_URL=https://requests.<your town's domain>"),
        ("the mail sender is the example's", "MAIL_FROM=requests@<your town's domain>"),
        ("Node.js v16.2.0 is too old", "install Node.js 18 or newer"),
        (
            "CDK is not bootstrapped in 123456789012/eu-central-1",
            "npx aws-cdk bootstrap aws://123456789012/eu-central-1",
        ),
    ):
        assert stop in said, stop
        assert todo in said, todo
    assert "warn  no one is told of alarms" in said
    assert "SES has not verified town.example yet" in said


def test_the_example_settings_are_fine_for_a_dev_stack(account):
    _bootstrapped(account)
    dev = Settings("dev", "small", "https://requests.town.example", "requests@town.example", "")
    report = check(dev, client=account.client, region="eu-central-1", node_version="v20.1.0")
    assert not report.blocked, report.lines


def test_no_region_or_no_credentials_stop_before_any_call(account):
    assert check(TOWN, client=account.client, region=None, node_version="v22.0.0").blocked

    def no_credentials(service: str) -> Any:
        class Sts:
            def get_caller_identity(self) -> dict:
                raise NoCredentialsError

        return Sts()

    report = check(TOWN, client=no_credentials, region="eu-central-1", node_version="v22.0.0")
    assert report.blocked
    assert "no AWS credentials that work (NoCredentialsError)" in "\n".join(report.lines)


def test_an_old_bootstrap_is_refused(account):
    _bootstrapped(account, version="6")
    report = check(TOWN, client=account.client, region="eu-central-1", node_version="v22.0.0")
    assert report.blocked
    assert "CDK bootstrap version 6 is older than 21" in "\n".join(report.lines)

"""What ``make deploy`` and ``make diff`` check before anything happens, each said with what
to do when it is missing: the AWS account and region in the shell, the CDK bootstrap of that
account and region, the Node.js the CDK command line runs on, and the settings only the town
can give (its portal's address, its mail sender, where alarms go, the size).

    python -m infrastructure.deploy_check --stage prod --profile small \\
        --portal-url https://requests.town.gov --mail-from requests@town.gov \\
        --alarm-email oncall@town.gov

Exits 1 when something blocks the deploy; warnings (SES not yet verified, no alarm address)
let it go on. Reads only: it never changes the account.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

# The CDK bootstrap stack's version this app's assets need (the modern template's SSM mark).
BOOTSTRAP_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
BOOTSTRAP_MIN_VERSION = 21
NODE_MIN_MAJOR = 18
EXAMPLE_DOMAIN = "town.example"
MAIL = re.compile(r"^[^@\s]+@([^@\s]+\.[^@\s]+)$")


@dataclass(frozen=True)
class Settings:
    stage: str
    profile: str
    portal_url: str
    mail_from: str
    alarm_email: str


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    blocked: bool = False

    def ok(self, text: str) -> None:
        self.lines.append(f"  ok    {text}")

    def warn(self, text: str, todo: str) -> None:
        self.lines.append(f"  warn  {text}\n        → {todo}")

    def stop(self, text: str, todo: str) -> None:
        self.blocked = True
        self.lines.append(f"  STOP  {text}\n        → {todo}")


def check(
    settings: Settings,
    *,
    client: Callable[[str], Any],
    region: str | None,
    node_version: str | None,
) -> Report:
    report = Report()
    _settings(settings, report)
    _node(node_version, report)
    if not region:
        report.stop(
            "no AWS region is set",
            "export AWS_REGION=eu-central-1 (or set region in your AWS profile)",
        )
        return report
    account = _account(client, report)
    if account is None:
        return report
    report.ok(f"deploying to account {account} in {region}")
    _bootstrap(client, account, region, report)
    _mail_domain(client, settings.mail_from, report)
    return report


def _settings(settings: Settings, report: Report) -> None:
    from infrastructure.sizing import PROFILES

    if settings.profile not in PROFILES:
        report.stop(
            f"unknown profile {settings.profile!r}",
            f"PROFILE={' or PROFILE='.join(sorted(PROFILES))} (README: fixed monthly cost)",
        )
    else:
        report.ok(f"profile {settings.profile}")
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,20}", settings.stage):
        report.stop(f"stage {settings.stage!r}", "STAGE=prod (lower-case letters, digits, -)")
    production = settings.stage not in ("dev", "test")
    portal = urlparse(settings.portal_url)
    if portal.scheme != "https" or not portal.hostname:
        report.stop(
            f"portal address {settings.portal_url!r} is not an https:// address",
            "PORTAL_URL=https://requests.<your town's domain> (the links in every message)",
        )
    elif production and portal.hostname.endswith(EXAMPLE_DOMAIN):
        report.stop(
            f"the portal address is the example's ({settings.portal_url})",
            "PORTAL_URL=https://requests.<your town's domain>",
        )
    else:
        report.ok(f"portal at {settings.portal_url}")
    sender = MAIL.match(settings.mail_from)
    if sender is None:
        report.stop(
            f"mail sender {settings.mail_from!r} is not an address",
            "MAIL_FROM=requests@<your town's domain>",
        )
    elif production and sender.group(1).endswith(EXAMPLE_DOMAIN):
        report.stop(
            f"the mail sender is the example's ({settings.mail_from})",
            "MAIL_FROM=requests@<your town's domain> (a domain you can verify in SES)",
        )
    else:
        report.ok(f"mail from {settings.mail_from}")
    if not settings.alarm_email:
        report.warn(
            "no one is told of alarms",
            "ALARM_EMAIL=oncall@<your town's domain> (docs/runbooks/README.md: chat too)",
        )
    elif not MAIL.match(settings.alarm_email):
        report.stop(f"alarm address {settings.alarm_email!r}", "ALARM_EMAIL=oncall@<domain>")
    else:
        report.ok(f"alarms to {settings.alarm_email} (confirm the mail SNS sends first)")


def _node(version: str | None, report: Report) -> None:
    found = re.match(r"v?(\d+)", version or "")
    if found is None:
        report.stop(
            "Node.js is not installed (the CDK command line runs on it)",
            "install Node.js 22 (Debian: apt-get install nodejs; or nodejs.org)",
        )
    elif int(found.group(1)) < NODE_MIN_MAJOR:
        report.stop(f"Node.js {version} is too old", f"install Node.js {NODE_MIN_MAJOR} or newer")
    else:
        report.ok(f"Node.js {version}")


def _account(client: Callable[[str], Any], report: Report) -> str | None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return str(client("sts").get_caller_identity()["Account"])
    except (BotoCoreError, ClientError) as error:
        report.stop(
            f"no AWS credentials that work ({type(error).__name__})",
            "aws configure sso (or export AWS_PROFILE=...), then aws sts get-caller-identity",
        )
        return None


def _bootstrap(client: Callable[[str], Any], account: str, region: str, report: Report) -> None:
    from botocore.exceptions import ClientError

    bootstrap = f"npx aws-cdk bootstrap aws://{account}/{region}"
    try:
        value = client("ssm").get_parameter(Name=BOOTSTRAP_PARAMETER)["Parameter"]["Value"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ParameterNotFound":
            raise
        report.stop(f"CDK is not bootstrapped in {account}/{region}", bootstrap + " (once)")
        return
    if int(value) < BOOTSTRAP_MIN_VERSION:
        report.stop(
            f"CDK bootstrap version {value} is older than {BOOTSTRAP_MIN_VERSION}", bootstrap
        )
    else:
        report.ok(f"CDK bootstrap version {value}")


def _mail_domain(client: Callable[[str], Any], mail_from: str, report: Report) -> None:
    sender = MAIL.match(mail_from)
    if sender is None:
        return
    domain = sender.group(1)
    found = client("ses").get_identity_verification_attributes(Identities=[domain])
    status = found["VerificationAttributes"].get(domain, {}).get("VerificationStatus")
    if status == "Success":
        report.ok(f"SES has verified {domain}")
    else:
        report.warn(
            f"SES has not verified {domain} yet: mail cannot go out until it has",
            "deploy, then add the DKIM records the stack prints (SesDkimRecords) to your DNS",
        )


def _node_version() -> str | None:
    node = shutil.which("node")
    if node is None:
        return None
    # The node on PATH, asked only its version.
    done = subprocess.run(  # noqa: S603
        [node, "--version"], capture_output=True, text=True, check=False
    )
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    import os

    import boto3

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--profile", default="small")
    parser.add_argument("--portal-url", default=f"https://requests.{EXAMPLE_DOMAIN}")
    parser.add_argument("--mail-from", default=f"requests@{EXAMPLE_DOMAIN}")
    parser.add_argument("--alarm-email", default="")
    args = parser.parse_args(argv)
    settings = Settings(args.stage, args.profile, args.portal_url, args.mail_from, args.alarm_email)
    session = boto3.session.Session()
    region = os.environ.get("AWS_REGION") or session.region_name
    report = check(settings, client=session.client, region=region, node_version=_node_version())
    print(f"Before deploying civicdesk-{settings.stage}:")
    print("\n".join(report.lines))
    if report.blocked:
        print("Nothing was deployed: fix the STOP lines above and run it again.")
    return 1 if report.blocked else 0


if __name__ == "__main__":
    sys.exit(main())

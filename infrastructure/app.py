"""CDK entry point: ``make synth`` (offline) or ``cdk deploy`` from this folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aws_cdk as cdk

from infrastructure import best_practice
from infrastructure.edge import EDGE_REGION, EdgeStack, Zone
from infrastructure.sizing import sizing
from infrastructure.stack import CivicDeskStack


def build_app(outdir: str = "cdk.out") -> cdk.App:
    # `chalice package` builds a boto3 session (no calls): it only needs some region to exist.
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    app = cdk.App(outdir=outdir)
    stage = app.node.try_get_context("stage") or os.environ.get("CIVICDESK_STAGE", "dev")
    # The town's own name for the portal and API (requests.town.gov), when it has one.
    domain = app.node.try_get_context("domain") or None
    portal_url = (
        app.node.try_get_context("portal_url")
        or (f"https://{domain}" if domain else None)
        or "https://requests.town.example"
    )
    size = sizing(app.node.try_get_context("profile"))
    edge_name = f"civicdesk-{stage}-edge"
    zone = Zone.of(app)
    EdgeStack(
        app,
        edge_name,
        size=size,
        domain=domain,
        zone=zone,
        env=cdk.Environment(region=EDGE_REGION),
        description="CivicDesk: the portal's firewall and certificate (CloudFront's: us-east-1)",
    )
    deployed = deployed_edge(edge_name)
    CivicDeskStack(
        app,
        f"civicdesk-{stage}",
        web_acl_arn=app.node.try_get_context("web_acl_arn") or deployed.get("WebAclArn"),
        domain=domain,
        certificate_arn=app.node.try_get_context("certificate_arn")
        or deployed.get("CertificateArn"),
        zone=zone,
        # Browsers may call the API and upload files from the portal's own origin only.
        portal_origin=app.node.try_get_context("portal_origin") or origin_of(portal_url),
        portal_url=portal_url,
        mail_from=app.node.try_get_context("mail_from") or "requests@town.example",
    )
    # AWS's best-practice pack on every synth (a finding stops it); -c nag=false skips it.
    if str(app.node.try_get_context("nag")).lower() != "false":
        best_practice.check(app)
    return app


def deployed_edge(edge_stack: str) -> dict[str, str]:
    """The edge stack's outputs (its web ACL, the domain's certificate), read when the CDK
    command line deploys or diffs (it sets CDK_DEFAULT_ACCOUNT); none offline (``make synth``,
    the tests) and before the edge stack's first deploy (``make deploy`` deploys it first; the
    app is synthesized whole for that deploy too, so a missing edge stack cannot be an
    error)."""
    if not os.environ.get("CDK_DEFAULT_ACCOUNT"):
        return {}
    import boto3

    cloudformation = boto3.client("cloudformation", region_name=EDGE_REGION)
    try:
        outputs = cloudformation.describe_stacks(StackName=edge_stack)["Stacks"][0]["Outputs"]
    except cloudformation.exceptions.ClientError:
        print(
            f"note: {edge_stack} is not deployed in {EDGE_REGION} yet; until it is, the portal "
            "has no firewall and no certificate of its own (`make deploy` deploys it first)",
            file=sys.stderr,
        )
        return {}
    return {str(o["OutputKey"]): str(o["OutputValue"]) for o in outputs}


def origin_of(url: str) -> str:
    """``https://requests.town.gov/any/path`` → ``https://requests.town.gov``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


if __name__ == "__main__":
    build_app().synth()

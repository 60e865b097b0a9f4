"""CDK entry point: ``make synth`` (offline) or ``cdk deploy`` from this folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aws_cdk as cdk

from infrastructure.stack import CivicDeskStack


def build_app(outdir: str = "cdk.out") -> cdk.App:
    # `chalice package` builds a boto3 session (no calls): it only needs some region to exist.
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    app = cdk.App(outdir=outdir)
    stage = app.node.try_get_context("stage") or os.environ.get("CIVICDESK_STAGE", "dev")
    portal_url = app.node.try_get_context("portal_url") or "https://requests.town.example"
    CivicDeskStack(
        app,
        f"civicdesk-{stage}",
        # Browsers may call the API and upload files from the portal's own origin only.
        portal_origin=app.node.try_get_context("portal_origin") or origin_of(portal_url),
        portal_url=portal_url,
        mail_from=app.node.try_get_context("mail_from") or "requests@town.example",
    )
    return app


def origin_of(url: str) -> str:
    """``https://requests.town.gov/any/path`` → ``https://requests.town.gov``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


if __name__ == "__main__":
    build_app().synth()

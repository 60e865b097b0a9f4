"""Deploy step (a CloudFormation custom resource): store the directory files shipped in the
package as the directory's next version when they changed, and the shipped routing rules as
version 1 when none are stored yet (rules administrators saved are never overwritten).

Runs on every deploy whose seed files changed, before any function reads the directory, so
the functions themselves only ever read it.
"""

from __future__ import annotations

from typing import Any

from chalicelib import bootstrap
from chalicelib.observability import entrypoint, logger

PHYSICAL_ID = "civicdesk-seed-data"


@entrypoint
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event.get("RequestType")
    if request == "Delete":
        return {"PhysicalResourceId": event.get("PhysicalResourceId", PHYSICAL_ID)}
    if request not in ("Create", "Update"):
        raise ValueError(f"unknown custom resource request {request!r}")
    seeded = bootstrap.container().seeding.seed()
    logger.info(
        "seed data in place",
        extra={
            "directory_published": seeded.directory_published,
            "rules_version": seeded.rules_version,
        },
    )
    return {
        "PhysicalResourceId": PHYSICAL_ID,
        "Data": {
            "DirectoryVersion": str(seeded.directory_version),
            "RulesVersion": str(seeded.rules_version),
        },
    }

"""Deploy step (a CloudFormation custom resource): store the directory files shipped in the
package as the directory's next version when they changed, and the shipped routing rules as
version 1 when none are stored yet (rules administrators saved are never overwritten).

Runs on every deploy whose seed files changed, before any function reads the directory, so
the functions themselves only ever read it.
"""

from __future__ import annotations

from typing import Any

from chalicelib import bootstrap
from chalicelib.adapters.dynamodb_directory import DynamoDirectory
from chalicelib.adapters.static_directory import read_source
from chalicelib.observability import logger

PHYSICAL_ID = "civicdesk-seed-data"


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event.get("RequestType")
    if request == "Delete":
        return {"PhysicalResourceId": event.get("PhysicalResourceId", PHYSICAL_ID)}
    if request not in ("Create", "Update"):
        raise ValueError(f"unknown custom resource request {request!r}")
    c = bootstrap.container()
    directory = c.directory
    if not isinstance(directory, DynamoDirectory):
        raise TypeError("the deployed directory lives in DynamoDB")
    published = directory.publish_if_changed(read_source())
    rules = c.routing_rules.current()  # stores the shipped rules as version 1 if none are
    logger.info(
        "seed data in place",
        extra={"directory_published": published, "rules_version": rules.version},
    )
    return {
        "PhysicalResourceId": PHYSICAL_ID,
        "Data": {
            "DirectoryVersion": str(published or directory.stored_version()),
            "RulesVersion": str(rules.version),
        },
    }

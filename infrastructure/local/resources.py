"""The local stack's AWS resources, created from the same definitions the CDK stack uses."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import table_schema
from chalicelib.settings import Settings


def ensure_resources(
    settings: Settings, *, dynamodb: Any, s3: Any, ses: Any = None, scheduler: Any = None
) -> list[str]:
    """Create the table, buckets, mail identity and deadline schedule group if missing
    (idempotent: runs on every start). Returns the indexes added to a table kept from an
    earlier version: its cards need their keys (``refresh_derived_keys``)."""
    added: list[str] = []
    try:
        dynamodb.create_table(**table_schema.create_table_request(settings.table_name))
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
        added = _add_missing_indexes(dynamodb, settings.table_name)
    else:
        dynamodb.update_time_to_live(
            TableName=settings.table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table_schema.TTL_ATTRIBUTE},
        )
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    region = s3.meta.region_name
    extra = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    for bucket in (settings.attachments_bucket, settings.inbound_bucket, settings.exports_bucket):
        if bucket not in existing:
            s3.create_bucket(Bucket=bucket, **extra)
    if ses is not None:
        # SES sends only from verified identities: the town's mail domain.
        ses.verify_domain_identity(Domain=settings.mail_from.rsplit("@", 1)[-1])
    if scheduler is not None and settings.schedule_group:
        try:
            scheduler.create_schedule_group(Name=settings.schedule_group)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConflictException":
                raise
    return added


def _add_missing_indexes(dynamodb: Any, table: str) -> list[str]:
    """A table kept from an earlier version of the product (the local stack's data directory)
    gets the indexes added since, as a CloudFormation update would add them when deployed."""
    described = dynamodb.describe_table(TableName=table)["Table"]
    present = {i["IndexName"] for i in described.get("GlobalSecondaryIndexes", [])}
    added = []
    for index in table_schema.GLOBAL_SECONDARY_INDEXES:
        if index["IndexName"] in present:
            continue
        added.append(index["IndexName"])
        keys = {k["AttributeName"] for k in index["KeySchema"]}
        dynamodb.update_table(
            TableName=table,
            AttributeDefinitions=[
                a for a in table_schema.ATTRIBUTE_DEFINITIONS if a["AttributeName"] in keys
            ],
            GlobalSecondaryIndexUpdates=[{"Create": index}],
        )
    return added

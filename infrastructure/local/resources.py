"""The local stack's AWS resources, created from the same definitions the CDK stack uses."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import table_schema
from chalicelib.settings import Settings


def ensure_resources(settings: Settings, *, dynamodb: Any, s3: Any) -> None:
    """Create the table and bucket if missing (idempotent: runs on every start)."""
    try:
        dynamodb.create_table(**table_schema.create_table_request(settings.table_name))
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
    else:
        dynamodb.update_time_to_live(
            TableName=settings.table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table_schema.TTL_ATTRIBUTE},
        )
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if settings.attachments_bucket not in existing:
        region = s3.meta.region_name
        extra = (
            {}
            if region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        s3.create_bucket(Bucket=settings.attachments_bucket, **extra)

"""What the boto3 adapters share: reading an error's code, a put that only creates, and a Query
read to its end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import table_schema as ts
from chalicelib.domain.errors import DeliveryFailed


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def delivery_failure(service: str, error: Exception, permanent: frozenset[str]) -> DeliveryFailed:
    """A send the provider refused (``permanent`` when its code says retrying cannot help) or
    could not be reached (always worth another try)."""
    if isinstance(error, ClientError):
        code = error_code(error)
        return DeliveryFailed(f"{service} {code}", permanent=code in permanent)
    return DeliveryFailed(f"{service} unreachable: {type(error).__name__}", permanent=False)


def put_if_absent(client: Any, table: str, item: dict[str, Any]) -> bool:
    """Write ``item`` unless its key exists; False if it did (someone else was first)."""
    try:
        client.put_item(
            TableName=table,
            Item=item,
            ConditionExpression="attribute_not_exists(#pk)",
            ExpressionAttributeNames={"#pk": ts.PARTITION_KEY},
        )
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def query_all(client: Any, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item of a Query, page after page."""
    request = dict(request)
    while True:
        response = client.query(**request)
        yield from response.get("Items", [])
        if "LastEvaluatedKey" not in response:
            return
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

"""TemplateStore on the cards table: ``TEMPLATE#<kind>#<locale>#<scope>`` holds ``#CURRENT``
and every version ``V#…``; a save writes both in one transaction, conditioned on the version
it replaces."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.boto_calls import error_code, query_all
from chalicelib.adapters.template_resolution import ResolvingSources
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.message_templates import TemplateVersion


class DynamoTemplates:
    def __init__(self, client: Any, table_name: str, *, now: Callable[[], datetime]) -> None:
        self._db = client
        self._table = table_name
        self._sources = ResolvingSources(self.current, now)

    def source(self, kind: str, locale: str, department: str) -> str:
        return self._sources.source(kind, locale, department)

    def shipped(self, kind: str, locale: str) -> str:
        return self._sources.shipped(kind, locale)

    def current(self, kind: str, locale: str, scope: str) -> TemplateVersion | None:
        response = self._db.get_item(
            TableName=self._table,
            Key={
                ts.PARTITION_KEY: {"S": ts.template_pk(kind, locale, scope)},
                ts.SORT_KEY: {"S": ts.TEMPLATE_CURRENT_SK},
            },
        )
        item = response.get("Item")
        return TemplateVersion.model_validate_json(item["template"]["S"]) if item else None

    def versions(self, kind: str, locale: str, scope: str) -> list[TemplateVersion]:
        request = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :v)",
            "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY, "#sk": ts.SORT_KEY},
            "ExpressionAttributeValues": {
                ":pk": {"S": ts.template_pk(kind, locale, scope)},
                ":v": {"S": "V#"},
            },
        }
        return [
            TemplateVersion.model_validate_json(i["template"]["S"])
            for i in query_all(self._db, request)
        ]

    def save(self, template: TemplateVersion) -> None:
        pk = ts.template_pk(template.kind, template.locale, template.scope)
        body = {"S": template.model_dump_json()}
        expected: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(#pk)"}
            if template.version == 1
            else {
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeValues": {":expected": {"N": str(template.version - 1)}},
            }
        )
        names = {"#pk": ts.PARTITION_KEY} if template.version == 1 else {"#version": "version"}
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": {
                                ts.PARTITION_KEY: {"S": pk},
                                ts.SORT_KEY: {"S": ts.TEMPLATE_CURRENT_SK},
                                "entity": {"S": "template"},
                                "version": {"N": str(template.version)},
                                "template": body,
                            },
                            "ExpressionAttributeNames": names,
                            **expected,
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": {
                                ts.PARTITION_KEY: {"S": pk},
                                ts.SORT_KEY: {"S": ts.template_version_sk(template.version)},
                                "entity": {"S": "template_version"},
                                "template": body,
                            },
                        }
                    },
                ]
            )
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise
            stored = self.current(template.kind, template.locale, template.scope)
            now = stored.version if stored else 0
            raise ConflictError(
                f"the template was saved meanwhile (now version {now})", current_version=now
            ) from error
        self._sources.forget()

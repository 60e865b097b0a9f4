"""SurveyResults on the cards table: ``SURVEYS#<year>`` / ``<number>``, written only if absent,
so a card is rated once however often the form is sent."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.boto_calls import put_if_absent, query_all
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.satisfaction import SurveyAnswer


class DynamoSurveyResults:
    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def record(self, answer: SurveyAnswer) -> None:
        if not put_if_absent(self._db, self._table, survey_item(answer)):
            raise ConflictError(f"request {answer.number} has been rated already")

    def of_year(self, year: int) -> list[SurveyAnswer]:
        request = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY},
            "ExpressionAttributeValues": {":pk": {"S": ts.surveys_pk(year)}},
        }
        return [
            SurveyAnswer.model_validate_json(i["answer"]["S"]) for i in query_all(self._db, request)
        ]


def survey_item(answer: SurveyAnswer) -> dict[str, Any]:
    """The stored form of a rating: one item per card, under its year."""
    return {
        ts.PARTITION_KEY: {"S": ts.surveys_pk(_year(answer.number))},
        ts.SORT_KEY: {"S": answer.number},
        "entity": {"S": "survey"},
        "answer": {"S": answer.model_dump_json()},
    }


def _year(number: str) -> int:
    return int(number.split("-", 1)[0])

"""One contract, every SurveyResults: the in-memory twin and DynamoDB under moto."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamodb_surveys import DynamoSurveyResults
from chalicelib.adapters.memory_surveys import InMemorySurveyResults
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.satisfaction import SurveyAnswer
from tests.conftest import AWS_FIXTURES, START


@pytest.fixture(params=["memory", "dynamodb", "local-stack"])
def surveys(request, settings):
    if request.param == "memory":
        return InMemorySurveyResults()
    aws = request.getfixturevalue(AWS_FIXTURES[request.param])
    return DynamoSurveyResults(aws["dynamodb"], settings.table_name)


def _answer(number: str, rating: int) -> SurveyAnswer:
    return SurveyAnswer(
        number=number,
        rating=rating,
        comment="Quick and polite" if rating > 3 else None,
        department="roads",
        category="roads.potholes",
        answered_at=START,
    )


def test_one_rating_per_card_kept_by_year(surveys):
    surveys.record(_answer("2026-000002", 5))
    surveys.record(_answer("2026-000001", 2))
    surveys.record(_answer("2025-000001", 4))
    with pytest.raises(ConflictError):
        surveys.record(_answer("2026-000001", 5))
    assert [(a.number, a.rating) for a in surveys.of_year(2026)] == [
        ("2026-000001", 2),
        ("2026-000002", 5),
    ]
    assert surveys.of_year(2025) == [_answer("2025-000001", 4)]
    assert surveys.of_year(2024) == []

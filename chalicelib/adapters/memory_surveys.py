"""In-memory SurveyResults: the twin of the DynamoDB one; passes the same contract suite."""

from __future__ import annotations

import threading

from chalicelib.domain.errors import ConflictError
from chalicelib.domain.satisfaction import SurveyAnswer


class InMemorySurveyResults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[str, SurveyAnswer] = {}

    def record(self, answer: SurveyAnswer) -> None:
        with self._lock:
            if answer.number in self._answers:
                raise ConflictError(f"request {answer.number} has been rated already")
            self._answers[answer.number] = answer

    def of_year(self, year: int) -> list[SurveyAnswer]:
        with self._lock:
            return sorted(
                (a for a in self._answers.values() if a.number.startswith(f"{year}-")),
                key=lambda a: a.number,
            )

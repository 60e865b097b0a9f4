"""The requester's rating of how their request was handled: one per card, after it is final.

The answer keeps the card's department and category at the time, so reports can group the
ratings without reading the cards again."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.card import Card
from chalicelib.domain.errors import TransitionForbidden


class SurveyAnswer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    number: str
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)
    department: str
    category: str
    answered_at: datetime


def answer(card: Card, rating: int, comment: str | None, *, at: datetime) -> SurveyAnswer:
    """The requester's rating of ``card``; refused until the card is resolved or closed."""
    if not card.status.is_final or card.is_subtask:
        raise TransitionForbidden(
            "you can rate the service once your request is resolved or closed", field="rating"
        )
    return SurveyAnswer(
        number=card.number,
        rating=rating,
        comment=(comment or "").strip() or None,
        department=card.department,
        category=card.category,
        answered_at=at,
    )

"""The query strings of the API, validated like bodies (see ``http.query``): each bad
parameter is named with its problem."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib.api.http import QueryParams
from chalicelib.domain.card import Channel, Status
from chalicelib.domain.desk import MAX_DESK_PAGE, DeskFilter, DeskSort
from chalicelib.domain.search import MAX_PAGE, SearchFilters, SearchQuery
from chalicelib.services.casework import MAX_QUEUE_PAGE
from chalicelib.services.commands import Category, DepartmentId
from chalicelib.services.desk import DeskView

DEFAULT_PAGE = 25
Locale = Literal["en", "ru"]
OpenStatus = Literal[
    Status.RECEIVED,
    Status.IN_PROGRESS,
    Status.NEEDS_CLARIFICATION,
    Status.AWAITING_REQUESTER,
    Status.RESOLVED,
]


def _true_or_false(value: str) -> bool | None:
    text = value.strip().lower()
    if text not in ("", "true", "false"):
        raise ValueError("true or false")
    return {"true": True, "false": False}.get(text)


# A yes/no filter: "true", "false", or empty (or absent) for either.
TrueOrFalse = Annotated[bool | None, BeforeValidator(_true_or_false)]


def _our_cursor(value: str | None) -> str | None:
    if value:
        offset_of(value)
    return value


# A page's cursor as this API made it (an offset into a sorted list), else refused.
OffsetCursor = Annotated[str | None, AfterValidator(_our_cursor)]


class DepartmentQuery(QueryParams):
    department: DepartmentId = Field(description="The department's id (roads, lighting...).")


class CardListQuery(DepartmentQuery):
    limit: int = Field(default=DEFAULT_PAGE, ge=1, le=MAX_QUEUE_PAGE)
    cursor: str | None = None


class QueueQuery(CardListQuery):
    status: Status = Status.RECEIVED


class BreachReviewQuery(QueryParams):
    week: str | None = Field(
        default=None, pattern=r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$", description="e.g. 2026-W47"
    )
    locale: str = "en"  # the labels' language; the review falls back to English


class CallScriptQuery(QueryParams):
    category: Category
    locale: Locale | None = None

    @field_validator("locale", mode="before")
    @classmethod
    def _blank_is_default(cls, value: str) -> str | None:
        return value or None


class ScopeQuery(QueryParams):
    """A template's scope: one department's, or the town's when none is named."""

    department: DepartmentId | None = None


class PeriodQuery(QueryParams):
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    department: DepartmentId | None = None

    @field_validator("department", mode="before")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class SearchParams(QueryParams):
    """``/staff/search``: words, filters (lists: repeated or a,b), a page size and a cursor."""

    q: str = Field(default="", max_length=200)
    status: list[Status] = []
    category: list[str] = []
    department: list[str] = []
    district: list[str] = []
    channel: list[Channel] = []
    created_from: date | None = Field(default=None, alias="from")
    created_to: date | None = Field(default=None, alias="to")
    overdue: TrueOrFalse = None
    size: int = Field(default=20, ge=1, le=MAX_PAGE)
    cursor: OffsetCursor = None

    @field_validator("q", mode="before")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @field_validator("created_to", mode="after")
    @classmethod
    def _after_from(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("created_from")
        if value and start and start > value:
            raise ValueError("is before from")
        return value

    def as_query(self) -> SearchQuery:
        return SearchQuery(
            text=self.q,
            filters=SearchFilters(
                status=tuple(self.status),
                category=tuple(self.category),
                department=tuple(self.department),
                district=tuple(self.district),
                channel=tuple(self.channel),
                created_from=self.created_from,
                created_to=self.created_to,
                overdue=self.overdue,
            ),
            size=self.size,
            offset=offset_of(self.cursor) if self.cursor else 0,
        )


class DeskQuery(DepartmentQuery):
    """``/staff/desk``: the department's open cards, filtered (lists: repeated or a,b), sorted
    by a column and paged. Kept in the console's URL as they are given here."""

    status: list[OpenStatus] = Field(
        default=[], description="Closed cards are not on the desk: search finds them."
    )
    category: list[str] = Field(default=[], description="Topics: a leaf or a top-level one.")
    district: list[str] = []
    owner: list[str] = Field(default=[], description="Staff ids; 'none' for nobody's cards.")
    overdue: TrueOrFalse = None
    approval: TrueOrFalse = Field(default=None, description="A reply waits for approval.")
    sort: DeskSort = DeskSort.DEADLINE
    order: Literal["asc", "desc"] = "asc"
    limit: int = Field(default=50, ge=1, le=MAX_DESK_PAGE)
    cursor: OffsetCursor = None
    locale: Locale = "en"

    def as_view(self) -> DeskView:
        return DeskView(
            department=self.department,
            wanted=DeskFilter(
                statuses=frozenset(self.status),
                categories=frozenset(self.category),
                districts=frozenset(self.district),
                owners=frozenset(self.owner),
                overdue=self.overdue,
                awaiting_approval=self.approval,
            ),
            sort=self.sort,
            descending=self.order == "desc",
            offset=offset_of(self.cursor) if self.cursor else 0,
            limit=self.limit,
            locale=self.locale,
        )


def cursor_at(offset: int) -> str:
    """The opaque cursor of the search page starting at ``offset``."""
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode()


def offset_of(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith("o") and text[1:].isdigit():
            return int(text[1:])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ValueError("not a cursor this API returned")


class PlaceSearchQuery(QueryParams):
    q: str = Field(min_length=2, max_length=200, description="An address or landmark.")
    locale: Locale = "en"


class ReverseQuery(QueryParams):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    locale: Locale = "en"


class NearbyQuery(ReverseQuery):
    radius: int = Field(default=300, ge=10, le=600, description="Metres around the point.")


class LocaleQuery(QueryParams):
    locale: Locale = "en"


class SimilarQuery(QueryParams):
    """``/places/similar``: what the form's topic and place may already have."""

    category: Category
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, max_length=300)
    text: str = Field(default="", max_length=1000, description="The form's words so far.")
    locale: Locale = "en"

    @model_validator(mode="after")
    def _coordinates_in_pairs(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise PydanticCustomError("coordinates_in_pairs", "latitude and longitude go together")
        return self


class FileQuery(QueryParams):
    variant: Literal["original", "thumbnail"] = Field(
        default="original", description="thumbnail: a photo's small JPEG preview."
    )

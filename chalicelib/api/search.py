"""Staff search over every card, current and old: words, filters, facet counts, snippets."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api.auth import current_principal
from chalicelib.api.http import json_response, route
from chalicelib.api.schemas import SearchHitView, SearchView
from chalicelib.domain.card import Channel, Status
from chalicelib.domain.errors import FieldProblem, ValidationFailed
from chalicelib.domain.search import SearchFilters, SearchQuery
from chalicelib.services import search as search_service

search = Blueprint(__name__)
FILTERS = ("status", "category", "department", "district", "channel", "from", "to", "overdue")


@route(
    search,
    "/staff/search",
    "GET",
    summary="Find cards by words (English and Russian forms), filters and facets",
    tag="Search",
    staff=True,
    response=SearchView,
    query=("q", *FILTERS, "size", "cursor"),
    errors=(400, 401, 403),
)
def find() -> Response:
    c = bootstrap.container()
    params: Any = search.current_request.query_params or {}
    query = parse_query(params)
    result = search_service.search_cards(
        current_principal(search.current_request), query, index=c.search_index
    )
    tree = c.directory.categories()
    following = query.offset + len(result.hits)
    return json_response(
        SearchView(
            total=result.total,
            hits=[
                SearchHitView(**vars(hit), category_label=tree.label(hit.category))
                for hit in result.hits
            ],
            facets=result.facets,
            cursor=_cursor(following) if following < result.total and result.hits else None,
        ),
        headers={"Cache-Control": "no-store"},
    )


def parse_query(params: Any) -> SearchQuery:
    """Query parameters to a SearchQuery; every bad one named. Lists: repeated or a,b."""
    problems: list[FieldProblem] = []

    def values(name: str) -> list[str]:
        if name not in params:
            return []
        raw = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
        return [v.strip() for item in raw for v in item.split(",") if v.strip()]

    def enums(name: str, kind: type[Status] | type[Channel]) -> tuple[Any, ...]:
        found = []
        for value in values(name):
            try:
                found.append(kind(value))
            except ValueError:
                allowed = ", ".join(k.value for k in kind)
                problems.append(FieldProblem(name, f"{value!r} is not one of: {allowed}"))
        return tuple(found)

    def day(name: str) -> date | None:
        value = (params.get(name) or "").strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            problems.append(FieldProblem(name, "a date like 2026-03-31"))
            return None

    overdue_text = (params.get("overdue") or "").strip().lower()
    if overdue_text not in ("", "true", "false"):
        problems.append(FieldProblem("overdue", "true or false"))
    size_text = (params.get("size") or "20").strip()
    if not size_text.isdigit():
        problems.append(FieldProblem("size", "a whole number"))
    filters = SearchFilters(
        status=enums("status", Status),
        category=tuple(values("category")),
        department=tuple(values("department")),
        district=tuple(values("district")),
        channel=enums("channel", Channel),
        created_from=day("from"),
        created_to=day("to"),
        overdue={"true": True, "false": False}.get(overdue_text),
    )
    if filters.created_from and filters.created_to and filters.created_from > filters.created_to:
        problems.append(FieldProblem("to", "is before from"))
    offset = _offset(params.get("cursor"), problems)
    if problems:
        raise ValidationFailed(problems)
    return SearchQuery(
        text=(params.get("q") or "").strip(),
        filters=filters,
        size=int(size_text),
        offset=offset,
    )


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode()


def _offset(cursor: str | None, problems: list[FieldProblem]) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith("o") and text[1:].isdigit():
            return int(text[1:])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    problems.append(FieldProblem("cursor", "not a cursor this API returned"))
    return 0

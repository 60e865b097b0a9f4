"""Staff search over every card, current and old: words, filters, facet counts, snippets."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import json_response, principal, query, route
from chalicelib.api.queries import SearchParams, cursor_at
from chalicelib.api.schemas import SearchHitView, SearchView
from chalicelib.bootstrap import container

search = Blueprint(__name__)


@route(
    search,
    "/staff/search",
    "GET",
    summary="Find cards by words (English and Russian forms), filters and facets",
    tag="Search",
    staff=True,
    response=SearchView,
    query=SearchParams,
    errors=(400, 401, 403),
)
def find() -> Response:
    c = container()
    who = principal()
    asked = query(SearchParams).as_query()
    result = c.search.find(who, asked)
    tree = c.directory.categories()
    following = asked.offset + len(result.hits)
    return json_response(
        SearchView(
            total=result.total,
            hits=[
                SearchHitView(**vars(hit), category_label=tree.label(hit.category))
                for hit in result.hits
            ],
            facets=result.facets,
            cursor=cursor_at(following) if following < result.total and result.hits else None,
        ),
        headers={"Cache-Control": "no-store"},
    )

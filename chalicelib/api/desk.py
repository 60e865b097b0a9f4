"""The desk routes: a department's open cards as a table (filters, counts, sort, pages) and one
change asked of several cards, answered card by card."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.errors import error_body, status_for
from chalicelib.api.http import STAFF_ERRORS, body, json_response, principal, query, route
from chalicelib.api.queries import DeskQuery, cursor_at
from chalicelib.api.schemas import (
    BulkResultView,
    BulkView,
    DeskRowView,
    DeskView,
    ErrorView,
    StaffNameView,
)
from chalicelib.bootstrap import container
from chalicelib.services.commands import BulkChange
from chalicelib.services.desk import BulkOutcome

desk = Blueprint(__name__)
TAG = "Casework"


@route(
    desk,
    "/staff/desk",
    "GET",
    summary="A department's open cards as a table: filtered, counted per status, sorted, paged",
    tag=TAG,
    staff=True,
    response=DeskView,
    query=DeskQuery,
    errors=STAFF_ERRORS,
)
def desk_page() -> Response:
    asked = query(DeskQuery)
    page = container().desk.page(principal(), asked.as_view())
    names = page.names
    return json_response(
        DeskView(
            department=asked.department,
            total=page.total,
            open_total=page.open_total,
            counts=page.counts,
            sort=asked.sort,
            order=asked.order,
            offset=page.offset,
            rows=[DeskRowView.of(row, names) for row in page.rows],
            cursor=cursor_at(page.next_offset) if page.next_offset is not None else None,
            owners=[StaffNameView(id=o, name=names.owner(o)) for o in page.owners],
        )
    )


@route(
    desk,
    "/staff/bulk",
    "POST",
    summary="One change (assign, or move to a status) asked of several cards; each card is "
    "checked as if changed alone and answered on its own",
    tag=TAG,
    staff=True,
    request=BulkChange,
    response=BulkView,
    errors=STAFF_ERRORS,
)
def bulk_change() -> Response:
    outcomes = container().desk.bulk(principal(), body(BulkChange))
    results = [_result(o) for o in outcomes]
    changed = sum(r.ok for r in results)
    return json_response(BulkView(changed=changed, refused=len(results) - changed, results=results))


def _result(outcome: BulkOutcome) -> BulkResultView:
    if outcome.card is not None:
        card = outcome.card.card
        return BulkResultView(
            number=outcome.number,
            ok=True,
            version=card.version,
            status=card.status,
            executor_id=card.executor_id,
        )
    assert outcome.error is not None
    return BulkResultView(
        number=outcome.number,
        ok=False,
        error=ErrorView.model_validate(error_body(outcome.error)["error"]),
        http_status=status_for(outcome.error),
    )

"""Casework routes: who am I, department queues and lists, the full card, the actions that move
it along, and the messages sent about it."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import (
    STAFF_ERRORS,
    body,
    caller,
    card_action,
    card_number,
    card_read,
    json_response,
    principal,
    query,
    route,
)
from chalicelib.api.queries import CardListQuery, DepartmentQuery, QueueQuery
from chalicelib.api.schemas import (
    CardListView,
    CardRead,
    CardSummary,
    DepartmentView,
    OutboxMessagesView,
    OutboxMessageView,
    QueueView,
    RoutingPreviewView,
    StaffMeView,
    WorkloadRowView,
    WorkloadView,
)
from chalicelib.bootstrap import container
from chalicelib.services.casework import CardList, ShownPage
from chalicelib.services.commands import (
    Assign,
    CardCorrection,
    CommentCreate,
    OverdueExplain,
    PhotoShown,
    RiskFlags,
    SubtaskCreate,
    Transition,
)

casework = Blueprint(__name__)
TAG = "Staff"


@route(
    casework,
    "/staff/me",
    "GET",
    summary="Who am I (roles and departments)",
    tag=TAG,
    staff=True,
    response=StaffMeView,
    errors=(401, 403),
    before_second_factor=True,
)
def me() -> Response:
    signed = caller()
    p = signed.principal
    return json_response(
        StaffMeView(
            second_factor=signed.second_factor.value,
            staff_id=p.staff_id,
            name=p.name,
            roles=sorted(r.value for r in p.roles),
            departments=sorted(p.departments),
            queues=[
                DepartmentView(id=d.id, name=d.name) for d in container().casework.queues_of(p)
            ],
        )
    )


@route(
    casework,
    "/staff/queue",
    "GET",
    summary="A department's cards in one status, most urgent first, then earliest deadline",
    tag=TAG,
    staff=True,
    response=QueueView,
    query=QueueQuery,
    errors=STAFF_ERRORS,
)
def queue() -> Response:
    asked = query(QueueQuery)
    page = container().casework.queue(
        principal(), asked.department, asked.status, limit=asked.limit, cursor=asked.cursor
    )
    return json_response(
        QueueView(
            department=asked.department,
            status=asked.status,
            cursor=page.cursor,
            cards=_summaries(page),
        )
    )


@route(
    casework,
    "/staff/overdue",
    "GET",
    summary="A department's cards with a missed, unmet deadline, longest overdue first",
    tag=TAG,
    staff=True,
    response=CardListView,
    query=CardListQuery,
    errors=STAFF_ERRORS,
)
def overdue_list() -> Response:
    return _card_list(CardList.OVERDUE)


@route(
    casework,
    "/staff/approvals",
    "GET",
    summary="A department's cards with a reply waiting for the manager, oldest draft first",
    tag=TAG,
    staff=True,
    response=CardListView,
    query=CardListQuery,
    errors=STAFF_ERRORS,
)
def approvals() -> Response:
    return _card_list(CardList.APPROVALS)


@route(
    casework,
    "/staff/workload",
    "GET",
    summary="Each executor and manager of a department with their open and overdue cards",
    tag=TAG,
    staff=True,
    response=WorkloadView,
    query=DepartmentQuery,
    errors=STAFF_ERRORS,
)
def workload() -> Response:
    department = query(DepartmentQuery).department
    rows = container().casework.workload(principal(), department)
    return json_response(
        WorkloadView(
            department=department,
            staff=[
                WorkloadRowView(
                    staff_id=r.member.id,
                    name=r.member.name,
                    roles=sorted(role.value for role in r.member.roles),
                    open=r.open,
                    overdue=r.overdue,
                )
                for r in rows
            ],
        )
    )


@route(
    casework,
    "/staff/cards/{number}",
    "GET",
    summary="A card with its full history",
    tag=TAG,
    staff=True,
    response=CardRead,
    errors=STAFF_ERRORS,
)
def card(number: str) -> Response:
    return card_read(container().casework.card(principal(), card_number(number)))


@card_action(
    casework,
    "/staff/cards/{number}/assign",
    summary="Assign an executor",
    tag=TAG,
    request=Assign,
)
def assign(number: str) -> Response:
    return card_read(container().casework.assign(principal(), card_number(number), body(Assign)))


@card_action(
    casework,
    "/staff/cards/{number}/transition",
    summary="Change the status (each target needs its own field)",
    tag=TAG,
    request=Transition,
)
def transition(number: str) -> Response:
    moved = container().casework.transition(principal(), card_number(number), body(Transition))
    return card_read(moved)


@card_action(
    casework,
    "/staff/cards/{number}/comments",
    summary="Comment: internal note, or a public message to the requester",
    tag=TAG,
    request=CommentCreate,
    status=201,
)
def comment(number: str) -> Response:
    commented = container().casework.comment(principal(), card_number(number), body(CommentCreate))
    return card_read(commented, status=201)


@card_action(
    casework,
    "/staff/cards/{number}/flags",
    summary="Set the card's risk flags: a flagged card is the manager's, every answer approved",
    tag=TAG,
    request=RiskFlags,
)
def flags(number: str) -> Response:
    return card_read(container().casework.flag(principal(), card_number(number), body(RiskFlags)))


@card_action(
    casework,
    "/staff/cards/{number}/public-photos",
    summary="Take one of the requester's photos off the request's public page, or put it back "
    "(the requester still sees it), with why",
    tag=TAG,
    request=PhotoShown,
)
def public_photos(number: str) -> Response:
    return card_read(
        container().casework.show_photo(principal(), card_number(number), body(PhotoShown))
    )


@card_action(
    casework,
    "/staff/cards/{number}/corrections",
    summary="Correct what intake recorded (topic, priority, place, requester's name), with why: "
    "each change in the history, deadlines recomputed for a new topic or priority",
    tag=TAG,
    request=CardCorrection,
)
def corrections(number: str) -> Response:
    return card_read(
        container().casework.correct(principal(), card_number(number), body(CardCorrection))
    )


@route(
    casework,
    "/staff/cards/{number}/routing",
    "GET",
    summary="Where the routing rules would send the card now, and why (offered after a "
    "correction of its topic or place; apply it with an assignment)",
    tag=TAG,
    staff=True,
    response=RoutingPreviewView,
    errors=(401, 403, 404),
)
def routing_now(number: str) -> Response:
    routed = container().casework.routing_now(principal(), card_number(number))
    return json_response(RoutingPreviewView.of(routed), headers={"Cache-Control": "no-store"})


@card_action(
    casework,
    "/staff/cards/{number}/subtasks",
    summary="Ask another department for part of the work (the requester sees one request)",
    tag=TAG,
    request=SubtaskCreate,
    status=201,
)
def subtasks(number: str) -> Response:
    parent, child = container().casework.add_subtask(
        principal(), card_number(number), body(SubtaskCreate)
    )
    response = card_read(parent, status=201)
    response.headers["Location"] = f"/staff/cards/{child}"
    return response


@card_action(
    casework,
    "/staff/cards/{number}/overdue",
    summary="Explain a missed deadline: reason and next step (a new deadline needs a manager)",
    tag=TAG,
    request=OverdueExplain,
    status=201,
)
def overdue(number: str) -> Response:
    explained = container().casework.explain_overdue(
        principal(), card_number(number), body(OverdueExplain)
    )
    return card_read(explained, status=201)


@route(
    casework,
    "/staff/cards/{number}/messages",
    "GET",
    summary="Messages sent to the requester about this card, and whether they arrived",
    tag=TAG,
    staff=True,
    response=OutboxMessagesView,
    errors=STAFF_ERRORS,
)
def messages(number: str) -> Response:
    found = container().casework.messages(principal(), card_number(number))
    return json_response(OutboxMessagesView(messages=[OutboxMessageView.of(m) for m in found]))


def _card_list(which: CardList) -> Response:
    asked = query(CardListQuery)
    page = container().casework.card_list(
        principal(), asked.department, which, limit=asked.limit, cursor=asked.cursor
    )
    return json_response(
        CardListView(department=asked.department, cursor=page.cursor, cards=_summaries(page))
    )


def _summaries(page: ShownPage) -> list[CardSummary]:
    tree = container().directory.categories()
    return [
        CardSummary.of(shown, tree, overdue_since=page.overdue_since.get(shown.card.number))
        for shown in page.cards
    ]

"""Staff routes: department queues, the full card, and the actions that move it along."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api.auth import current_principal
from chalicelib.api.http import json_response, parse_body, route
from chalicelib.api.schemas import (
    BreachGroupView,
    CardListView,
    CardRead,
    CardSummary,
    DepartmentView,
    DownloadLinkView,
    QueueView,
    RepeatedBreachesView,
    StaffMeView,
    WorkloadRowView,
    WorkloadView,
)
from chalicelib.domain.access import Principal, can_open_queue, can_see_personal_data
from chalicelib.domain.card import Card, Status, is_card_number
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.history import HistoryEntry
from chalicelib.services import staff as staff_service
from chalicelib.services.commands import (
    Assign,
    CommentCreate,
    OverdueExplain,
    RiskFlags,
    SubtaskCreate,
    Transition,
)

staff = Blueprint(__name__)
TAG = "Staff"
DEFAULT_PAGE = 25
STAFF_ERRORS = (400, 401, 403, 404)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422)


@route(
    staff,
    "/staff/me",
    "GET",
    summary="Who am I (roles and departments)",
    tag=TAG,
    staff=True,
    response=StaffMeView,
    errors=(401, 403),
)
def me() -> Response:
    p = request_principal()
    departments = bootstrap.container().directory.departments()
    return json_response(
        StaffMeView(
            staff_id=p.staff_id,
            name=p.name,
            roles=sorted(r.value for r in p.roles),
            departments=sorted(p.departments),
            queues=[
                DepartmentView(id=d.id, name=d.name) for d in departments if can_open_queue(p, d.id)
            ],
        )
    )


@route(
    staff,
    "/staff/queue",
    "GET",
    summary="A department's cards in one status, most urgent first, then earliest deadline",
    tag=TAG,
    staff=True,
    response=QueueView,
    query=("department", "status", "limit", "cursor"),
    errors=STAFF_ERRORS,
)
def queue() -> Response:
    c = bootstrap.container()
    principal = request_principal()
    params: dict[str, str] = dict(staff.current_request.query_params or {})
    department = params.get("department") or ""
    status = _status(params.get("status", Status.RECEIVED.value))
    page = staff_service.department_queue(
        principal,
        department,
        status,
        limit=_limit(params.get("limit")),
        cursor=params.get("cursor"),
        cards=c.cards,
        directory=c.directory,
    )
    tree = c.directory.categories()
    return json_response(
        QueueView(
            department=department,
            status=status,
            cursor=page.cursor,
            cards=[
                CardSummary.of(card, tree, personal_data=can_see_personal_data(principal, card))
                for card in page.cards
            ],
        )
    )


@route(
    staff,
    "/staff/overdue",
    "GET",
    summary="A department's cards with a missed, unmet deadline, longest overdue first",
    tag=TAG,
    staff=True,
    response=CardListView,
    query=("department", "limit", "cursor"),
    errors=STAFF_ERRORS,
)
def overdue_list() -> Response:
    return department_list(staff_service.CardList.OVERDUE)


@route(
    staff,
    "/staff/approvals",
    "GET",
    summary="A department's cards with a reply waiting for the manager, oldest draft first",
    tag=TAG,
    staff=True,
    response=CardListView,
    query=("department", "limit", "cursor"),
    errors=STAFF_ERRORS,
)
def approvals() -> Response:
    return department_list(staff_service.CardList.APPROVALS)


@route(
    staff,
    "/staff/workload",
    "GET",
    summary="Each executor and manager of a department with their open and overdue cards",
    tag=TAG,
    staff=True,
    response=WorkloadView,
    query=("department",),
    errors=STAFF_ERRORS,
)
def workload() -> Response:
    c = bootstrap.container()
    params: dict[str, str] = dict(staff.current_request.query_params or {})
    department = params.get("department") or ""
    rows = staff_service.department_workload(
        request_principal(), department, cards=c.cards, directory=c.directory
    )
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
    staff,
    "/staff/cards/{number}",
    "GET",
    summary="A card with its full history",
    tag=TAG,
    staff=True,
    response=CardRead,
    errors=STAFF_ERRORS,
)
def card(number: str) -> Response:
    c = bootstrap.container()
    principal = request_principal()
    found, history = staff_service.card_with_history(principal, card_number(number), cards=c.cards)
    return card_read(principal, found, history)


@route(
    staff,
    "/staff/cards/{number}/assign",
    "POST",
    summary="Assign an executor",
    tag=TAG,
    staff=True,
    request=Assign,
    response=CardRead,
    errors=WRITE_ERRORS,
)
def assign(number: str) -> Response:
    c = bootstrap.container()
    principal = request_principal()
    command = parse_body(staff.current_request, Assign, max_bytes=c.settings.max_body_bytes)
    return card_read(
        principal,
        *staff_service.assign_card(
            principal,
            card_number(number),
            command,
            cards=c.cards,
            directory=c.directory,
            clock=c.clock,
        ),
    )


@route(
    staff,
    "/staff/cards/{number}/transition",
    "POST",
    summary="Change the status (each target needs its own field)",
    tag=TAG,
    staff=True,
    request=Transition,
    response=CardRead,
    errors=WRITE_ERRORS,
)
def transition(number: str) -> Response:
    c = bootstrap.container()
    principal = request_principal()
    command = parse_body(staff.current_request, Transition, max_bytes=c.settings.max_body_bytes)
    return card_read(
        principal,
        *staff_service.transition_card(
            principal,
            card_number(number),
            command,
            cards=c.cards,
            directory=c.directory,
            clock=c.clock,
            notify=c.notifier,
        ),
    )


@route(
    staff,
    "/staff/cards/{number}/comments",
    "POST",
    summary="Comment: internal note, or a public message to the requester",
    tag=TAG,
    staff=True,
    request=CommentCreate,
    response=CardRead,
    status=201,
    errors=WRITE_ERRORS,
)
def comment(number: str) -> Response:
    c = bootstrap.container()
    principal = request_principal()
    command = parse_body(staff.current_request, CommentCreate, max_bytes=c.settings.max_body_bytes)
    found, history = staff_service.comment_on_card(
        principal, card_number(number), command, cards=c.cards, directory=c.directory, clock=c.clock
    )
    return card_read(principal, found, history, status=201)


@route(
    staff,
    "/staff/cards/{number}/flags",
    "POST",
    summary="Set the card's risk flags: a flagged card is the manager's, every answer approved",
    tag=TAG,
    staff=True,
    request=RiskFlags,
    response=CardRead,
    errors=WRITE_ERRORS,
)
def flags(number: str) -> Response:
    c = bootstrap.container()
    principal = request_principal()
    command = parse_body(staff.current_request, RiskFlags, max_bytes=c.settings.max_body_bytes)
    found, history = staff_service.flag_card(
        principal, card_number(number), command, cards=c.cards, directory=c.directory, clock=c.clock
    )
    return card_read(principal, found, history)


@route(
    staff,
    "/staff/cards/{number}/subtasks",
    "POST",
    summary="Ask another department for part of the work (the requester sees one request)",
    tag=TAG,
    staff=True,
    request=SubtaskCreate,
    response=CardRead,
    status=201,
    errors=WRITE_ERRORS,
)
def subtasks(number: str) -> Response:
    c = bootstrap.container()
    principal = request_principal()
    command = parse_body(staff.current_request, SubtaskCreate, max_bytes=c.settings.max_body_bytes)
    (found, history), child = staff_service.create_subtask(
        principal,
        card_number(number),
        command,
        cards=c.cards,
        directory=c.directory,
        clock=c.clock,
        policy=c.intake_policy,
    )
    response = card_read(principal, found, history, status=201)
    response.headers["Location"] = f"/staff/cards/{child.number}"
    return response


@route(
    staff,
    "/staff/cards/{number}/attachments/{attachment_id}",
    "GET",
    summary="A short-lived download link for one of the card's files",
    tag=TAG,
    staff=True,
    response=DownloadLinkView,
    errors=STAFF_ERRORS,
)
def attachment(number: str, attachment_id: str) -> Response:
    c = bootstrap.container()
    policy = c.attachment_policy
    url = staff_service.attachment_link(
        request_principal(),
        card_number(number),
        attachment_id,
        cards=c.cards,
        blobs=c.blobs,
        policy=policy,
    )
    return json_response(
        DownloadLinkView(url=url, expires_in=policy.download_url_ttl_seconds),
        headers={"Cache-Control": "no-store"},
    )


@route(
    staff,
    "/staff/cards/{number}/overdue",
    "POST",
    summary="Explain a missed deadline: reason and next step (a new deadline needs a manager)",
    tag=TAG,
    staff=True,
    request=OverdueExplain,
    response=CardRead,
    status=201,
    errors=WRITE_ERRORS,
)
def overdue(number: str) -> Response:
    c = bootstrap.container()
    principal = request_principal()
    command = parse_body(staff.current_request, OverdueExplain, max_bytes=c.settings.max_body_bytes)
    found, history = staff_service.explain_overdue(
        principal,
        card_number(number),
        command,
        cards=c.cards,
        clock=c.clock,
        timers_of=c.card_timers,
    )
    return card_read(principal, found, history, status=201)


@route(
    staff,
    "/staff/reports/repeated-breaches",
    "GET",
    summary="Categories with repeated missed deadlines in an ISO week (default: last week)",
    tag=TAG,
    staff=True,
    response=RepeatedBreachesView,
    query=("week", "locale"),
    errors=STAFF_ERRORS,
)
def repeated_breaches() -> Response:
    # Imported here: the review (and the mail code it shares) is not on every cold start.
    from chalicelib.services import breach_review

    c = bootstrap.container()
    principal = request_principal()
    params: dict[str, str] = dict(staff.current_request.query_params or {})
    week = params.get("week") or breach_review.last_week(c.clock.now(), c.mail_policy)
    groups = breach_review.review_for(
        principal,
        week,
        breaches=c.breaches,
        directory=c.directory,
        locale=params.get("locale", "en"),
    )
    return json_response(
        RepeatedBreachesView(
            week=week,
            categories=[
                BreachGroupView(
                    category=g.category, label=g.label, count=g.count, numbers=list(g.numbers)
                )
                for g in groups
            ],
        )
    )


def request_principal() -> Principal:
    return current_principal(staff.current_request)


def card_read(
    principal: Principal, found: Card, history: list[HistoryEntry], status: int = 200
) -> Response:
    c = bootstrap.container()
    view = CardRead.of_card(
        found,
        history,
        c.directory.categories(),
        c.card_timers(found, history),
        personal_data=can_see_personal_data(principal, found),
        # One read per subtask, only for the few cards that have any.
        subtasks=[c.cards.get(number) for number in found.subtasks],
    )
    return json_response(view, status=status, headers={"ETag": f'"{view.version}"'})


def department_list(which: staff_service.CardList) -> Response:
    c = bootstrap.container()
    principal = request_principal()
    params: dict[str, str] = dict(staff.current_request.query_params or {})
    department = params.get("department") or ""
    page = staff_service.department_list(
        principal,
        department,
        which,
        limit=_limit(params.get("limit")),
        cursor=params.get("cursor"),
        cards=c.cards,
        directory=c.directory,
    )
    tree = c.directory.categories()
    return json_response(
        CardListView(
            department=department,
            cursor=page.cursor,
            cards=[
                CardSummary.of(
                    card,
                    tree,
                    personal_data=can_see_personal_data(principal, card),
                    overdue_since=page.overdue_since.get(card.number),
                )
                for card in page.cards
            ],
        )
    )


def card_number(number: str) -> str:
    if not is_card_number(number):
        raise NotFound(f"no card {number}")
    return number


def _status(value: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise ValidationFailed.single("status", f"must be one of: {allowed}") from None


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_PAGE
    if not value.isdigit():
        raise ValidationFailed.single("limit", "must be a whole number")
    return int(value)

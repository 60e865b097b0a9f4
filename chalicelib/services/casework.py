"""Casework: what staff do with cards: see queues and histories, assign, move along the
lifecycle, comment, flag risks, ask other departments, explain a missed deadline.

Every use case checks the caller's permissions itself, whichever route called it; ``Casework``
at the end is the capability wired to its ports, and every card it returns is shown as the
caller may see it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.domain import access, collaboration, lifecycle, replies, sla_overdue
from chalicelib.domain.access import Principal
from chalicelib.domain.access_tokens import hash_access_token, new_access_token
from chalicelib.domain.card import RISK_FLAGS, Card, Location, Status, format_card_number
from chalicelib.domain.directory import CategoryTree, Department, Role, StaffMember
from chalicelib.domain.errors import (
    FieldProblem,
    PermissionDenied,
    TransitionForbidden,
    ValidationFailed,
)
from chalicelib.domain.outbox import OutboxMessage
from chalicelib.domain.personal_data import Shown, shown_to
from chalicelib.domain.sla import TimerState
from chalicelib.domain.sla_overdue import NextStep, OverdueExplanation
from chalicelib.observability import logger
from chalicelib.ports import CardRepository, Clock, Directory, Outbox, QueuePage
from chalicelib.services.card_changes import (
    CardShowing,
    CardWithHistory,
    StaffCard,
    TimersOf,
    current,
    require_subtasks_done,
    save,
)
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
from chalicelib.services.notifications import Notifier
from chalicelib.services.policies import IntakePolicy, SlaPolicy
from chalicelib.services.routing import Arrival, Routed, Router, place

# Who may own a card: executors, and managers (cards under manual control).
OWNER_ROLES = frozenset({Role.EXECUTOR, Role.MANAGER})

MAX_QUEUE_PAGE = 100
MAX_OVERDUE_COUNTED = 1000


def department_queue(
    principal: Principal,
    department: str,
    status: Status,
    *,
    limit: int,
    cursor: str | None,
    cards: CardRepository,
    directory: Directory,
) -> QueuePage:
    _require_department_list(principal, department, limit, directory)
    return cards.queue(department, status, limit=limit, cursor=cursor)


class CardList(StrEnum):
    """The manager's lists of a department's cards."""

    OVERDUE = "overdue"  # a missed, unmet deadline; longest overdue first
    APPROVALS = "approvals"  # a reply waiting for the manager; oldest draft first


def department_list(
    principal: Principal,
    department: str,
    which: CardList,
    *,
    limit: int,
    cursor: str | None,
    cards: CardRepository,
    directory: Directory,
) -> QueuePage:
    _require_department_list(principal, department, limit, directory)
    read = cards.overdue if which == CardList.OVERDUE else cards.awaiting_approval
    return read(department, limit=limit, cursor=cursor)


@dataclass(frozen=True)
class Workload:
    member: StaffMember
    open: int
    overdue: int


def department_workload(
    principal: Principal, department: str, *, cards: CardRepository, directory: Directory
) -> list[Workload]:
    """Each owner of the department (executors, managers) with their open and overdue cards,
    busiest first: the manager's balance sheet and the assign picker's hints."""
    _require_department_list(principal, department, MAX_QUEUE_PAGE, directory)
    members = [
        m for m in directory.staff() if department in m.departments and m.roles & OWNER_ROLES
    ]
    open_counts = cards.open_counts([m.id for m in members])
    overdue_counts = Counter(c.executor_id for c in _all_overdue(department, cards))
    rows = [Workload(m, open_counts.get(m.id, 0), overdue_counts.get(m.id, 0)) for m in members]
    return sorted(rows, key=lambda r: (-r.open, -r.overdue, r.member.id))


def _all_overdue(department: str, cards: CardRepository) -> list[Card]:
    """Every overdue card of the department, page by page (a few dozen in a town, at most
    MAX_OVERDUE_COUNTED read: a list that long is a crisis the counts need not be exact for)."""
    found: list[Card] = []
    cursor: str | None = None
    while len(found) < MAX_OVERDUE_COUNTED:
        page = cards.overdue(department, limit=MAX_QUEUE_PAGE, cursor=cursor)
        found += page.cards
        cursor = page.cursor
        if cursor is None:
            break
    return found


def _require_department_list(
    principal: Principal, department: str, limit: int, directory: Directory
) -> None:
    if directory.department(department) is None:
        raise ValidationFailed.single("department", f"unknown department {department!r}")
    if not 1 <= limit <= MAX_QUEUE_PAGE:
        raise ValidationFailed.single("limit", f"must be between 1 and {MAX_QUEUE_PAGE}")
    access.require_queue(principal, department)


def card_with_history(
    principal: Principal, number: str, *, cards: CardRepository
) -> CardWithHistory:
    card, history = cards.get_with_history(number)
    access.require_view(principal, card)
    return card, history


def assign_card(
    principal: Principal,
    number: str,
    command: Assign,
    *,
    cards: CardRepository,
    directory: Directory,
    clock: Clock,
) -> CardWithHistory:
    card, history = current(principal, number, command.version, cards)
    if command.executor_id is None:
        department = command.department or card.department
        if directory.department(department) is None:
            raise ValidationFailed.single("department", f"unknown department {department!r}")
    else:
        executor = directory.staff_member(command.executor_id)
        if executor is None or not executor.roles & OWNER_ROLES:
            raise ValidationFailed.single(
                "executor_id", f"{command.executor_id!r} is not an executor or manager"
            )
        department = command.department or _home_department(executor.departments, card.department)
        if department not in executor.departments:
            raise ValidationFailed.single(
                "department", f"{executor.id!r} does not work in {department!r}"
            )
    access.require_assign(principal, card, department, executor=command.executor_id)
    change = lifecycle.assign(
        card,
        command.executor_id,
        department,
        actor=principal.actor,
        at=clock.now(),
        reason=command.reason,
    )
    return save(change, history, cards)


def transition_card(
    principal: Principal,
    number: str,
    command: Transition,
    *,
    cards: CardRepository,
    directory: Directory,
    clock: Clock,
    notify: Notifier,
    timers_of: TimersOf,
    sla: SlaPolicy,
) -> CardWithHistory:
    """Move the card on; the requester is told of the changes they care about, in the same
    write (clarification needed, work resumed, resolved, closed). An overdue card is resolved
    or closed once the miss is explained; a card with open subtasks once they are done. A
    question carries its reply-by date, a resolution its objection window."""
    card, history = current(principal, number, command.version, cards)
    access.require_transition(principal, card, command.to)
    if card.status.is_final or command.to not in (Status.IN_PROGRESS, Status.RECEIVED):
        spoken = (
            command.question,
            command.resolution,
            command.closure_reason,
            command.note,
            command.reason,
        )  # the change speaks to the requester
        _require_may_speak(principal, card, " ".join(t for t in spoken if t), "to", directory)
    if command.to.is_final and not card.status.is_final:
        require_subtasks_done(card, cards)
        sla_overdue.require_explained(card, history, timers_of(card, history))
    now = clock.now()
    details = lifecycle.TransitionDetails(
        question=command.question,
        resolution=command.resolution,
        closure_reason=command.closure_reason,
        note=command.note,
        reason=command.reason,
        reply_by=_reply_by(command, card, sla, now),
        objection_until=sla.objection_until(now) if command.to == Status.RESOLVED else None,
    )
    change = lifecycle.transition(card, command.to, details, actor=principal.actor, at=now)
    return save(change, history, cards, notify.for_change(card, change))


MAX_REPLY_WAIT = timedelta(days=90)


def _reply_by(command: Transition, card: Card, sla: SlaPolicy, now: datetime) -> datetime | None:
    if command.reply_by is None:
        return sla.reply_by(card.category, now) if command.to.waits_for_requester else None
    if not command.to.waits_for_requester:
        raise ValidationFailed.single(
            "reply_by", "only a question to the requester has a reply-by date"
        )
    if not now < command.reply_by <= now + MAX_REPLY_WAIT:
        raise ValidationFailed.single("reply_by", "must be in the future, at most 90 days ahead")
    return command.reply_by


def comment_on_card(
    principal: Principal,
    number: str,
    command: CommentCreate,
    *,
    cards: CardRepository,
    directory: Directory,
    clock: Clock,
) -> CardWithHistory:
    card, history = current(principal, number, command.version, cards)
    access.require_comment(principal, card, public=command.public)
    if command.public:
        _require_may_speak(principal, card, command.text, "public", directory)
    mentions = _mentionable(command.mentions, card, directory)
    change = lifecycle.comment(
        card,
        command.text,
        public=command.public,
        actor=principal.actor,
        at=clock.now(),
        mentions=mentions,
    )
    return save(change, history, cards)


def correct_card(
    principal: Principal,
    number: str,
    command: CardCorrection,
    *,
    cards: CardRepository,
    directory: Directory,
    clock: Clock,
    sla: SlaPolicy,
) -> CardWithHistory:
    """Intake's record put right. A new topic brings its sensitivity and, with a new
    priority, the first-response deadline the SLA gives it counted from registration (the
    timers follow the card's topic and priority at every check)."""
    card, history = current(principal, number, command.version, cards)
    access.require_correct(principal, card, priority=command.priority is not None)
    if command.full_name is not None:
        access.require_personal_data(principal, card)
    tree = directory.categories()
    if command.category is not None and command.category not in tree:
        raise ValidationFailed.single(
            "category", f"unknown category {command.category!r}", "not_a_topic"
        )
    location = (
        place(Location(**command.location.model_dump()), directory.territory())
        if command.location is not None
        else None
    )
    category = command.category or card.category
    priority = command.priority or card.priority
    retimed = command.category is not None or command.priority is not None
    corrections = lifecycle.Corrections(
        category=command.category,
        sensitive=tree.is_sensitive(category) if command.category else None,
        priority=command.priority,
        location=location,
        full_name=command.full_name,
        first_response_due=(
            sla.first_response_due(category, priority, card.created_at) if retimed else None
        ),
    )
    change = lifecycle.correct(
        card, corrections, actor=principal.actor, at=clock.now(), reason=command.reason
    )
    return save(change, history, cards)


def routing_now(
    principal: Principal, number: str, *, cards: CardRepository, route: Router, clock: Clock
) -> Routed:
    """Where the rules would send the card now (after a correction of its topic or place, the
    re-routing staff are offered); nothing is written: staff apply it with an assignment."""
    card = cards.get(number)
    access.require_working_on(principal, card, "see where the rules send it")
    return route(
        Arrival(
            category=card.category,
            priority=card.priority,
            requester=card.requester,
            location=card.location,
            at=clock.now(),
            card_number=card.number,
        )
    )


def show_photo(
    principal: Principal,
    number: str,
    command: PhotoShown,
    *,
    cards: CardRepository,
    directory: Directory,
    clock: Clock,
) -> CardWithHistory:
    """A requester's photo off the public page (or back on it), by those working the card."""
    card, history = current(principal, number, command.version, cards)
    access.require_working_on(principal, card, "hide or show its photos")
    change = lifecycle.show_photo(
        card,
        command.attachment_id,
        public=command.public,
        reason=command.reason,
        actor=principal.actor,
        at=clock.now(),
    )
    return save(change, history, cards)


def flag_card(
    principal: Principal,
    number: str,
    command: RiskFlags,
    *,
    cards: CardRepository,
    directory: Directory,
    clock: Clock,
) -> CardWithHistory:
    """Set the card's risk flags; clearing one is the manager's call."""
    card, history = current(principal, number, command.version, cards)
    access.require_working_on(principal, card, "flag a risk")
    wanted = frozenset(command.flags)
    if not wanted <= RISK_FLAGS:
        allowed = ", ".join(sorted(RISK_FLAGS))
        raise ValidationFailed.single("flags", f"risk flags are: {allowed}")
    cleared = {c for c in card.manual_control if c in RISK_FLAGS} - wanted
    if cleared and not principal.manages(card.department):
        raise PermissionDenied("only the department's manager clears a risk flag")
    change = collaboration.set_risk_flags(
        card,
        wanted,
        manager_id=_manager_of(card.department, directory),
        reason=command.reason,
        actor=principal.actor,
        at=clock.now(),
    )
    return save(change, history, cards)


def create_subtask(
    principal: Principal,
    number: str,
    command: SubtaskCreate,
    *,
    cards: CardRepository,
    directory: Directory,
    clock: Clock,
    policy: IntakePolicy,
) -> tuple[CardWithHistory, Card]:
    """Ask another department for part of the work: a card of theirs, linked to this one,
    which cannot be resolved before it. Nothing of it reaches the requester."""
    parent, history = current(principal, number, command.version, cards)
    access.require_working_on(principal, parent, "ask another department")
    if directory.department(command.department) is None:
        raise ValidationFailed.single("department", f"unknown department {command.department!r}")
    if command.executor_id is not None:
        member = directory.staff_member(command.executor_id)
        if member is None or command.department not in member.departments:
            raise ValidationFailed.single(
                "executor_id", f"{command.executor_id!r} is not staff of {command.department!r}"
            )
    collaboration.check_subtask(parent, command.department, command.text)
    tree = directory.categories()
    category = _subtask_topic(command, parent, tree)
    now = clock.now()
    year = now.astimezone(policy.timezone).year
    child = parent.model_copy(
        update={
            "id": uuid.uuid4().hex,
            "number": format_card_number(year, cards.next_number(year)),
            "subject": _first_line(command.text),
            "description": command.text,
            "category": category,
            # The parent's personal data comes along: sensitive if either topic is.
            "sensitive": parent.sensitive or tree.is_sensitive(category),
            "department": command.department,
            "executor_id": command.executor_id,
            "status": Status.RECEIVED,
            "created_at": now,
            "updated_at": now,
            "first_response_due": policy.first_response_due(category, parent.priority, now),
            "routing": None,
            "manual_control": (),
            "transfers": 0,
            "parent": parent.number,
            "subtasks": (),
            "attachments": (),
            "participants": (),
            "open_question": None,
            "resolution": None,
            "closure_reason": None,
            "reopen_count": 0,
            "related_to": None,
            "version": 1,
            # Nobody holds a token for a subtask: it never has a status page of its own.
            "access_token_hash": hash_access_token(new_access_token()),
        }
    )
    change, child_entry = collaboration.start_subtask(
        parent, child, text=command.text, actor=principal.actor, at=now
    )
    cards.create_subtask(change.card, change.entry, child, child_entry)
    logger.set_correlation_id(parent.number)
    logger.info("subtask created", extra={"subtask": child.number, "department": child.department})
    return (change.card, [*history, change.entry]), child


def explain_overdue(
    principal: Principal,
    number: str,
    command: OverdueExplain,
    *,
    cards: CardRepository,
    clock: Clock,
    timers_of: TimersOf,
) -> CardWithHistory:
    """Why a deadline was missed and what happens next; a new deadline needs a manager."""
    card, history = current(principal, number, command.version, cards)
    access.require_overdue_explanation(
        principal, card, new_deadline=command.next_step == NextStep.NEW_DEADLINE
    )
    if not any(t.state == TimerState.BREACHED for t in timers_of(card, history)):
        raise TransitionForbidden("no deadline of this card has been missed", field="reason")
    explanation = OverdueExplanation(
        reason=command.reason,
        next_step=command.next_step,
        reason_text=command.reason_text,
        new_deadline=command.new_deadline,
    )
    change = sla_overdue.explain_overdue(card, explanation, actor=principal.actor, at=clock.now())
    return save(change, history, cards)


def _mentionable(staff_ids: list[str], card: Card, directory: Directory) -> tuple[str, ...]:
    """Mentioned colleagues must exist and be able to open the card (the notice only says
    where to look; the card itself stays behind its access rules)."""
    problems = []
    for index, staff_id in enumerate(staff_ids):
        member = directory.staff_member(staff_id)
        if member is None:
            problems.append(
                FieldProblem(f"mentions.{index}", f"no staff member {staff_id!r}", "not_staff")
            )
        elif not access.can_view(as_principal(member), card):
            problems.append(
                FieldProblem(
                    f"mentions.{index}",
                    f"{staff_id!r} cannot see card {card.number}",
                    "cannot_see_card",
                )
            )
    if problems:
        raise ValidationFailed(problems)
    return tuple(dict.fromkeys(staff_ids))


def _require_may_speak(
    principal: Principal, card: Card, text: str, field: str, directory: Directory
) -> None:
    """Text straight to the requester is for the department's manager when the card is under
    manual control or the text carries someone else's personal data; anyone else writes a
    reply, for the manager's approval."""
    access.require_unsupervised_answer(principal, card, field)
    if principal.manages(card.department):
        return
    department = directory.department(card.department)
    public = department.public_contacts if department else ()
    found = replies.personal_data_in(text, allowed=replies.allowed_contacts(card, public))
    if found:
        raise TransitionForbidden(
            f"the text holds personal data that is not the requester's ({', '.join(found)}): "
            f"write it as a reply (POST /staff/cards/{card.number}/replies) for the manager's "
            "approval",
            field="text",
        )


def as_principal(member: StaffMember) -> Principal:
    return Principal(
        staff_id=member.id, name=member.name, roles=member.roles, departments=member.departments
    )


def _manager_of(department: str, directory: Directory) -> str | None:
    managers = sorted(
        m.id for m in directory.staff() if Role.MANAGER in m.roles and department in m.departments
    )
    return managers[0] if managers else None


def _subtask_topic(command: SubtaskCreate, parent: Card, tree: CategoryTree) -> str:
    """The subtask's own topic, one of its department's: its reports and breach reviews count
    it there. A department without topics of its own keeps the parent's."""
    theirs = [code for code in tree.leaf_codes if tree.department_for(code) == command.department]
    if command.category is None:
        return theirs[0] if theirs else parent.category
    if command.category not in theirs:
        raise ValidationFailed.single(
            "category", f"{command.category!r} is not a topic of {command.department!r}"
        )
    return command.category


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0]
    return line if len(line) <= 120 else line[:119] + "…"


def _home_department(departments: frozenset[str], current: str) -> str:
    return current if current in departments else sorted(departments)[0]


@dataclass(frozen=True)
class ShownPage:
    """A page of a department's cards, each as the caller may see it."""

    cards: list[Shown]
    cursor: str | None
    overdue_since: dict[str, datetime]


@dataclass(frozen=True)
class Casework:
    """The casework use cases wired to their ports (built once by the container)."""

    cards: CardRepository
    directory: Directory
    clock: Clock
    outbox: Outbox
    notify: Notifier
    intake: IntakePolicy
    show: CardShowing
    sla: SlaPolicy
    route: Router

    def queues_of(self, principal: Principal) -> list[Department]:
        """The departments whose queues the caller may open."""
        return [d for d in self.directory.departments() if access.can_open_queue(principal, d.id)]

    def queue(
        self,
        principal: Principal,
        department: str,
        status: Status,
        *,
        limit: int,
        cursor: str | None,
    ) -> ShownPage:
        page = department_queue(
            principal,
            department,
            status,
            limit=limit,
            cursor=cursor,
            cards=self.cards,
            directory=self.directory,
        )
        return _shown_page(principal, page)

    def card_list(
        self,
        principal: Principal,
        department: str,
        which: CardList,
        *,
        limit: int,
        cursor: str | None,
    ) -> ShownPage:
        page = department_list(
            principal,
            department,
            which,
            limit=limit,
            cursor=cursor,
            cards=self.cards,
            directory=self.directory,
        )
        return _shown_page(principal, page)

    def workload(self, principal: Principal, department: str) -> list[Workload]:
        return department_workload(
            principal, department, cards=self.cards, directory=self.directory
        )

    def card(self, principal: Principal, number: str) -> StaffCard:
        return self.show(principal, card_with_history(principal, number, cards=self.cards))

    def messages(self, principal: Principal, number: str) -> list[OutboxMessage]:
        """The messages sent to the requester about the card, and whether they arrived."""
        card = self.cards.get(number)
        access.require_view(principal, card)
        return self.outbox.for_card(card.number)

    def assign(self, principal: Principal, number: str, command: Assign) -> StaffCard:
        return self._change(assign_card, principal, number, command)

    def transition(self, principal: Principal, number: str, command: Transition) -> StaffCard:
        changed = transition_card(
            principal,
            number,
            command,
            cards=self.cards,
            directory=self.directory,
            clock=self.clock,
            notify=self.notify,
            timers_of=self.show.timers_of,
            sla=self.sla,
        )
        return self.show(principal, changed)

    def comment(self, principal: Principal, number: str, command: CommentCreate) -> StaffCard:
        return self._change(comment_on_card, principal, number, command)

    def correct(self, principal: Principal, number: str, command: CardCorrection) -> StaffCard:
        return self._change(correct_card, principal, number, command, sla=self.sla)

    def routing_now(self, principal: Principal, number: str) -> Routed:
        return routing_now(principal, number, cards=self.cards, route=self.route, clock=self.clock)

    def flag(self, principal: Principal, number: str, command: RiskFlags) -> StaffCard:
        return self._change(flag_card, principal, number, command)

    def show_photo(self, principal: Principal, number: str, command: PhotoShown) -> StaffCard:
        return self._change(show_photo, principal, number, command)

    def _change(
        self,
        use_case: Callable[..., CardWithHistory],
        principal: Principal,
        number: str,
        command: Any,
        **ports: Any,
    ) -> StaffCard:
        """A use case of the common shape (caller, card, command; cards, directory, clock, and
        the ``ports`` it needs besides)."""
        changed = use_case(
            principal,
            number,
            command,
            cards=self.cards,
            directory=self.directory,
            clock=self.clock,
            **ports,
        )
        return self.show(principal, changed)

    def add_subtask(
        self, principal: Principal, number: str, command: SubtaskCreate
    ) -> tuple[StaffCard, str]:
        """The parent as the caller sees it, and the new subtask's number."""
        changed, child = create_subtask(
            principal,
            number,
            command,
            cards=self.cards,
            directory=self.directory,
            clock=self.clock,
            policy=self.intake,
        )
        return self.show(principal, changed), child.number

    def explain_overdue(
        self, principal: Principal, number: str, command: OverdueExplain
    ) -> StaffCard:
        changed = explain_overdue(
            principal,
            number,
            command,
            cards=self.cards,
            clock=self.clock,
            timers_of=self.show.timers_of,
        )
        return self.show(principal, changed)


def _shown_page(principal: Principal, page: QueuePage) -> ShownPage:
    return ShownPage(
        cards=[shown_to(principal, card) for card in page.cards],
        cursor=page.cursor,
        overdue_since=dict(page.overdue_since),
    )

"""Who may do what to which card. Checked in the services, whatever route calls them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.card import Card, Status
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import PermissionDenied, TransitionForbidden
from chalicelib.domain.history import Actor, ActorKind

R = Role
# Roles that work across all departments (front desk, oversight, configuration).
TOWN_WIDE = frozenset({R.OPERATOR, R.CONTROLLER, R.ADMIN})


@dataclass(frozen=True)
class Principal:
    """An authenticated staff member, as the identity provider's claims describe them."""

    staff_id: str
    name: str
    roles: frozenset[Role]
    departments: frozenset[str]

    @property
    def actor(self) -> Actor:
        return Actor(kind=ActorKind.STAFF, id=self.staff_id, display_name=self.name)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def manages(self, department: str) -> bool:
        return R.ADMIN in self.roles or (R.MANAGER in self.roles and department in self.departments)

    @property
    def needs_second_factor(self) -> bool:
        """Whoever can approve, oversee or administer signs in with a second factor: a stolen
        password alone must not open every department's cards."""
        return bool(self.roles & SECOND_FACTOR_ROLES)


# The roles that must sign in with a second factor (an authenticator app's code); operators
# and executors may.
SECOND_FACTOR_ROLES = frozenset({R.MANAGER, R.CONTROLLER, R.ADMIN})


class Placed(Protocol):
    """What the seeing rules read of a card: a whole card, or its queue line."""

    @property
    def department(self) -> str: ...
    @property
    def executor_id(self) -> str | None: ...
    @property
    def sensitive(self) -> bool: ...


def can_view(principal: Principal, card: Placed) -> bool:
    if principal.has(*TOWN_WIDE):
        return True
    if card.executor_id == principal.staff_id:
        return True
    return principal.has(R.MANAGER, R.EXECUTOR) and card.department in principal.departments


def require_view(principal: Principal, card: Card) -> None:
    if not can_view(principal, card):
        raise PermissionDenied(f"you cannot see card {card.number}")


def can_open_queue(principal: Principal, department: str) -> bool:
    return principal.has(*TOWN_WIDE) or department in principal.departments


def require_queue(principal: Principal, department: str) -> None:
    if can_open_queue(principal, department):
        return
    raise PermissionDenied(f"you cannot see the queue of department {department}")


def can_see_personal_data(principal: Principal, card: Placed) -> bool:
    """Health and social-support cards show the requester's data to the group they are
    assigned to only: the owner and the staff of the card's department. Everyone else who may
    see the card (controllers, administrators, operators) sees it without personal data."""
    if not can_view(principal, card):
        return False
    if not card.sensitive:
        return True
    if card.executor_id == principal.staff_id:
        return True
    return principal.has(R.MANAGER, R.EXECUTOR) and card.department in principal.departments


def require_personal_data(principal: Principal, card: Card) -> None:
    require_view(principal, card)  # the true reason first: a card one may not see at all
    if not can_see_personal_data(principal, card):
        raise PermissionDenied(
            f"card {card.number} holds personal data of a sensitive category: "
            "only its department sees it"
        )


def require_assign(
    principal: Principal, card: Card, department: str, *, executor: str | None
) -> None:
    """Operators and administrators assign anywhere; a manager within their departments, and
    may send a card of theirs to another department's queue ("not ours")."""
    require_view(principal, card)
    if principal.has(R.OPERATOR, R.ADMIN):
        return
    if principal.manages(card.department) and principal.manages(department):
        return
    if principal.manages(card.department) and executor is None:
        return
    raise PermissionDenied("only an operator or the department's manager can assign this card")


def require_working_on(principal: Principal, card: Card, what: str) -> None:
    """The card's owner, its department's manager or an operator (flags, subtasks)."""
    require_view(principal, card)
    owner = card.executor_id == principal.staff_id
    if not (owner or principal.manages(card.department) or principal.has(R.OPERATOR)):
        raise PermissionDenied(
            f"only the card's owner, an operator or the department's manager can {what}"
        )


def require_correct(principal: Principal, card: Card, *, priority: bool) -> None:
    """What intake recorded is corrected by those working the card; its priority (what the
    queue and the deadlines follow) only by an operator or the department's manager."""
    require_working_on(principal, card, "correct it")
    if priority and not (principal.manages(card.department) or principal.has(R.OPERATOR)):
        raise PermissionDenied("only an operator or the department's manager can change priority")


def require_transition(principal: Principal, card: Card, target: Status) -> None:
    require_view(principal, card)
    is_executor = card.executor_id == principal.staff_id
    manager = principal.manages(card.department)
    if card.status.is_final or target == Status.CLOSED:
        allowed = principal.has(R.OPERATOR) or manager
        who = "an operator or the department's manager"
    elif target == Status.RESOLVED:
        allowed = is_executor or manager
        who = "the assigned executor or the department's manager"
    else:
        allowed = is_executor or manager or principal.has(R.OPERATOR)
        who = "the assigned executor, an operator or the department's manager"
    if not allowed:
        raise PermissionDenied(f"only {who} can move this card to {target.value}")


def require_overdue_explanation(principal: Principal, card: Card, *, new_deadline: bool) -> None:
    """The people working the card explain a miss; only its manager may agree a new deadline."""
    require_view(principal, card)
    if new_deadline:
        if not principal.manages(card.department):
            raise PermissionDenied("only the department's manager can agree a new deadline")
        return
    working_on_it = card.executor_id == principal.staff_id or principal.has(R.OPERATOR)
    if not (working_on_it or principal.manages(card.department)):
        raise PermissionDenied(
            "only the assigned executor, an operator or the department's "
            "manager can explain a missed deadline"
        )


def require_admin(principal: Principal) -> None:
    if not principal.has(R.ADMIN):
        raise PermissionDenied("only administrators change the town's configuration")


def require_reports(principal: Principal) -> None:
    if not principal.has(R.MANAGER, R.CONTROLLER, R.ADMIN):
        raise PermissionDenied("only managers, controllers and administrators see reports")


def require_comment(principal: Principal, card: Card, *, public: bool) -> None:
    require_view(principal, card)
    if public and principal.roles == frozenset({R.CONTROLLER}):
        raise PermissionDenied("controllers write internal notes only")


def require_unsupervised_answer(principal: Principal, card: Card, field: str) -> None:
    """On a card under manual control every answer waits for the manager: anyone else writes
    a reply for approval instead of speaking to the requester directly."""
    if card.approval_required and not principal.manages(card.department):
        raise TransitionForbidden(
            "answers on this card need the department manager's approval: write a reply "
            f"(POST /staff/cards/{card.number}/replies) and the manager sends it",
            field=field,
        )


def require_mail_triage(principal: Principal) -> None:
    """Mail set aside as automated is looked through by the front desk and administrators."""
    if not principal.has(R.OPERATOR, R.ADMIN):
        raise PermissionDenied("only operators and administrators sort set-aside mail")


def figures_scope(principal: Principal, department: str | None) -> frozenset[str] | None:
    """Whose figures or rows a person may take out of the system (reports, exports): the
    asked department within what they may see; None: the whole town. Controllers and
    administrators see the town; a manager, their own departments; nobody else any."""
    if principal.has(R.CONTROLLER, R.ADMIN):
        return frozenset({department}) if department else None
    if principal.has(R.MANAGER):
        mine = frozenset(principal.departments)
        if department is None:
            return mine
        if department in mine:
            return frozenset({department})
        raise PermissionDenied(f"you manage {', '.join(sorted(mine)) or 'no department'}")
    raise PermissionDenied("for managers (their departments), controllers and administrators")

"""Routing a new card: where it is, which rule decides its department and owner, whether it
needs the manager's manual control, and the one sentence that says why.

Reads per decision do not grow with the number of cards: the rules in force (one GetItem), the
requester's latest card in the category (one Query on a keys-only index), and the open-card
counters of the department's candidates (one BatchGetItem).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain import duty
from chalicelib.domain.business_calendar import BusinessCalendar
from chalicelib.domain.card import (
    ControlReason,
    Location,
    Priority,
    Requester,
    RoutingRecord,
    RoutingWhy,
)
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.routing import (
    Assignment,
    CardFacts,
    CompiledRules,
    Moment,
    Naming,
    Rule,
    RuleSet,
    choose_owner,
    decision_reason,
)
from chalicelib.domain.territory import Territory
from chalicelib.ports import CardRepository, Directory, RoutingRules

CONTROL_WORDS = {
    ControlReason.STAFF_COMPLAINT: "complaint about staff",
    ControlReason.REPEATED: "repeated request",
    ControlReason.SAFETY: "safety risk (danger to people)",
    ControlReason.PERSONAL_DATA: "personal-data risk",
    ControlReason.PUBLIC_RESONANCE: "public-resonance risk",
}


@dataclass(frozen=True)
class RoutingPolicy:
    calendar: BusinessCalendar
    # A card from the same requester in the same category within this window is a repeat.
    repeat_window: timedelta = timedelta(days=90)


@dataclass(frozen=True)
class Arrival:
    """What routing looks at in a card that is about to be created."""

    category: str
    priority: Priority
    requester: Requester
    location: Location | None
    at: datetime
    danger: bool = False  # the requester says people are in danger: the manager looks first
    # A card routed again (after a correction): it is no repeat of itself.
    card_number: str | None = None


@dataclass(frozen=True)
class Routed:
    department: str
    executor_id: str | None
    priority: Priority
    location: Location | None  # with the district found for it
    routing: RoutingRecord
    manual_control: tuple[ControlReason, ...]
    sensitive: bool
    repeat_of: str | None


# Routes one arriving card; bootstrap binds route_new_card to the deployed ports.
Router = Callable[[Arrival], Routed]


def router(
    *, rules: RoutingRules, cards: CardRepository, directory: Directory, policy: RoutingPolicy
) -> Router:
    def route(arrival: Arrival) -> Routed:
        return route_new_card(arrival, rules=rules, cards=cards, directory=directory, policy=policy)

    return route


def place(location: Location | None, territory: Territory) -> Location | None:
    """The location with its district id filled in: by point, else street, else the district
    the requester named. A named district nobody knows is an error naming the field."""
    if location is None:
        return None
    placed = territory.place(
        latitude=location.latitude,
        longitude=location.longitude,
        address=location.address,
        given=location.district,
    )
    if placed is None:
        if location.district and territory.districts:
            known = ", ".join(d.name.en for d in territory.districts)
            raise ValidationFailed.single(
                "location.district",
                f"unknown district {location.district!r}; known: {known}",
                "not_a_district",
            )
        return location.model_copy(update={"district": None})
    return location.model_copy(update={"district": placed.district.id})


def route_new_card(
    arrival: Arrival,
    *,
    rules: RoutingRules,
    cards: CardRepository,
    directory: Directory,
    policy: RoutingPolicy,
) -> Routed:
    tree = directory.categories()
    location = place(arrival.location, directory.territory())
    ruleset = rules.current()
    facts = CardFacts(
        category=arrival.category,
        district=location.district if location else None,
        requester_kind=arrival.requester.kind,
        moment=moment_of(arrival.at, policy.calendar),
    )
    rule = compiled(ruleset).first_match(facts)
    department = _department(rule, ruleset, arrival.category, directory)
    control, repeat_of = _manual_control(arrival, cards, directory, policy)
    assignment = _assignment(rule, control)
    people = _candidates(department, assignment, facts.moment, directory, cards)
    owner = choose_owner(
        assignment,
        executors=people.executors,
        managers=people.managers,
        on_duty=people.on_duty,
        workload=people.workload,
        name_of=lambda staff_id: _staff_name(staff_id, directory),
    )
    naming = naming_for(directory)
    reason = decision_reason(rule, facts, owner, naming, ruleset.triage_department)
    if control:
        why = ", ".join(CONTROL_WORDS[c] for c in control)
        if repeat_of:
            why += f" (after {repeat_of})"
        reason += f"; manual control ({why}): the manager approves every answer"
    priority = arrival.priority
    if rule and rule.raise_priority_to and rule.raise_priority_to.rank < priority.rank:
        priority = rule.raise_priority_to
    return Routed(
        department=department,
        executor_id=owner.staff_id,
        priority=priority,
        location=location,
        routing=RoutingRecord(
            rule_id=rule.id if rule else None,
            rules_version=ruleset.version,
            reason=reason,
            why=RoutingWhy(
                category=facts.category,
                district=facts.district,
                window=rule.when.value if rule else "any",
                requester_kinds=tuple(k.value for k in rule.requester_kinds) if rule else (),
                department=department,
                triage=rule is None,
                owner=owner.kind,
                owner_id=owner.staff_id,
                owner_open=owner.open,
                control=control,
                repeat_of=repeat_of,
            ),
        ),
        manual_control=control,
        sensitive=tree.is_sensitive(arrival.category),
        repeat_of=repeat_of,
    )


def moment_of(at: datetime, calendar: BusinessCalendar) -> Moment:
    local = at.astimezone(calendar.timezone)
    return Moment(
        working=calendar.is_working(at),
        night=duty.is_night(local),
        weekend=not calendar.hours_on(local.date()),
        local=local,
    )


def naming_for(directory: Directory) -> Naming:
    territory = directory.territory()

    def department(department_id: str) -> str:
        found = directory.department(department_id)
        return found.name.en if found else department_id

    def district(district_id: str) -> str:
        found = territory.district(district_id)
        return found.name.en if found else district_id

    return Naming(tree=directory.categories(), department=department, district=district)


_compiled_cache: list[tuple[RuleSet, CompiledRules]] = []


def compiled(ruleset: RuleSet) -> CompiledRules:
    """Rules compiled once per version a warm Lambda sees (the store returns the same object
    while the version is unchanged)."""
    for seen, rules in _compiled_cache:
        if seen is ruleset:
            return rules
    rules = CompiledRules(ruleset)
    _compiled_cache[:] = [(ruleset, rules), *_compiled_cache[:3]]
    return rules


def _department(rule: Rule | None, ruleset: RuleSet, category: str, directory: Directory) -> str:
    if rule is None:
        return ruleset.triage_department
    return rule.department or directory.categories().department_for(category)


def _assignment(rule: Rule | None, control: tuple[ControlReason, ...]) -> Assignment:
    if control:
        return Assignment.MANAGER
    if rule is None:
        return Assignment.QUEUE  # triage: an operator sorts it
    return rule.assign


def _manual_control(
    arrival: Arrival, cards: CardRepository, directory: Directory, policy: RoutingPolicy
) -> tuple[tuple[ControlReason, ...], str | None]:
    reasons: list[ControlReason] = []
    if directory.categories().needs_manual_control(arrival.category):
        reasons.append(ControlReason.STAFF_COMPLAINT)
    if arrival.danger:
        reasons.append(ControlReason.SAFETY)
    repeat_of = None
    contact = arrival.requester.contact_key
    if contact and not directory.categories().is_general(arrival.category):
        prior = cards.latest_from(contact, arrival.category)
        itself = prior is not None and prior.number == arrival.card_number
        if prior and not itself and arrival.at - prior.created_at <= policy.repeat_window:
            reasons.append(ControlReason.REPEATED)
            repeat_of = prior.number
    return tuple(reasons), repeat_of


@dataclass(frozen=True)
class _Candidates:
    executors: list[str]
    managers: list[str]
    on_duty: list[str]
    workload: dict[str, int]


def _candidates(
    department: str,
    assignment: Assignment,
    moment: Moment,
    directory: Directory,
    cards: CardRepository,
) -> _Candidates:
    members = [s for s in directory.staff() if department in s.departments]
    executors = [s.id for s in members if Role.EXECUTOR in s.roles]
    managers = [s.id for s in members if Role.MANAGER in s.roles]
    on_duty = [
        shift.staff_id
        for shift in directory.duty_shifts()
        if shift.department == department and shift.covers(moment.local)
    ]
    needed = [] if assignment == Assignment.QUEUE else sorted({*executors, *managers, *on_duty})
    workload = cards.open_counts(needed) if needed else {}
    return _Candidates(executors, managers, on_duty, workload)


def _staff_name(staff_id: str, directory: Directory) -> str:
    member = directory.staff_member(staff_id)
    return member.name if member else staff_id

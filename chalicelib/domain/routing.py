"""Routing rules: which department and owner a new card gets, and one sentence saying why.

Pure. Rules are versioned data the town's administrators edit; they are tried in order and the
first that matches wins. Each rule combines any of: category (a topic or one subtopic),
district, time (working hours, off hours, nights, weekends) and requester kind; it names a
department and how the owner is chosen there (fewest open cards, the executor on duty, the
manager, or the department's queue). A card no rule matches goes to the triage department,
so no card is ever without an owner.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.domain.card import Priority, RequesterKind
from chalicelib.domain.directory import CategoryTree
from chalicelib.domain.errors import FieldProblem

MAX_RULES = 1000
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]


class TimeWindow(StrEnum):
    ANY = "any"
    WORKING_HOURS = "working_hours"
    OFF_HOURS = "off_hours"  # outside the town's working time: evenings, nights, days off
    NIGHT = "night"  # 22:00-06:00 local
    WEEKEND = "weekend"  # a day with no working hours: weekends and public holidays


class Assignment(StrEnum):
    FEWEST_OPEN = "fewest_open"
    ON_DUTY = "on_duty"
    MANAGER = "manager"
    QUEUE = "queue"


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # ``x-directory``: the served API document lists the town's codes in force for these.
    id: RuleId
    categories: tuple[
        Annotated[str, Field(json_schema_extra={"x-directory": "topics_and_categories"})], ...
    ] = Field(default=(), description="Topics (roads) or subtopics (roads.potholes); empty: any.")
    districts: tuple[Annotated[str, Field(json_schema_extra={"x-directory": "districts"})], ...] = (
        Field(default=(), description="District ids; empty: anywhere.")
    )
    when: TimeWindow = TimeWindow.ANY
    requester_kinds: tuple[RequesterKind, ...] = ()
    department: str | None = Field(
        default=None,
        description="Where the card goes; none: its category's own department.",
        json_schema_extra={"x-directory": "departments"},
    )
    assign: Assignment = Assignment.FEWEST_OPEN
    raise_priority_to: Priority | None = None
    enabled: bool = True
    note: Annotated[str, StringConstraints(max_length=300)] | None = None


class RuleSet(BaseModel):
    """One saved version of the rules; a card records the version that routed it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(ge=1)
    triage_department: str
    rules: tuple[Rule, ...] = Field(max_length=MAX_RULES)
    saved_at: datetime
    saved_by: str


@dataclass(frozen=True)
class Moment:
    """What a rule's time window asks about the moment a card arrives (in the town's time)."""

    working: bool
    night: bool
    weekend: bool
    local: datetime


@dataclass(frozen=True)
class CardFacts:
    category: str
    district: str | None
    requester_kind: RequesterKind
    moment: Moment


def _window_holds(window: TimeWindow, moment: Moment) -> bool:
    return {
        TimeWindow.ANY: True,
        TimeWindow.WORKING_HOURS: moment.working,
        TimeWindow.OFF_HOURS: not moment.working,
        TimeWindow.NIGHT: moment.night,
        TimeWindow.WEEKEND: moment.weekend,
    }[window]


def matches(rule: Rule, facts: CardFacts) -> bool:
    """One rule against one card, plainly (CompiledRules does the same with indexes)."""
    if not rule.enabled:
        return False
    top = facts.category.split(".", 1)[0]
    if rule.categories and facts.category not in rule.categories and top not in rule.categories:
        return False
    if rule.districts and facts.district not in rule.districts:
        return False
    if rule.requester_kinds and facts.requester_kind not in rule.requester_kinds:
        return False
    return _window_holds(rule.when, facts.moment)


class CompiledRules:
    """The enabled rules, indexed by topic so a card is tried only against rules that could
    match its category (plus the rules for any category), in their original order."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self._any_category: list[int] = []
        self._by_code: dict[str, list[int]] = {}
        for index, rule in enumerate(ruleset.rules):
            if not rule.enabled:
                continue
            if not rule.categories:
                self._any_category.append(index)
            for code in rule.categories:
                self._by_code.setdefault(code, []).append(index)
        self._districts = [frozenset(r.districts) for r in ruleset.rules]
        self._kinds = [frozenset(r.requester_kinds) for r in ruleset.rules]
        self._candidates: dict[str, list[int]] = {}

    def first_match(self, facts: CardFacts) -> Rule | None:
        for index in self._candidates_for(facts.category):
            rule = self.ruleset.rules[index]
            districts, kinds = self._districts[index], self._kinds[index]
            if districts and facts.district not in districts:
                continue
            if kinds and facts.requester_kind not in kinds:
                continue
            if _window_holds(rule.when, facts.moment):
                return rule
        return None

    def _candidates_for(self, category: str) -> list[int]:
        cached = self._candidates.get(category)
        if cached is None:
            top = category.split(".", 1)[0]
            merged = {*self._any_category, *self._by_code.get(category, ())}
            merged.update(self._by_code.get(top, ()))
            cached = self._candidates[category] = sorted(merged)
        return cached


# ---- owners ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerChoice:
    staff_id: str | None
    how: str  # the second half of the routing sentence
    kind: str = "queue"  # how, as a word any language can render (``RoutingWhy.owner``)
    open: int | None = None  # the owner's open cards when chosen


def choose_owner(
    assignment: Assignment,
    *,
    executors: Sequence[str],
    managers: Sequence[str],
    on_duty: Sequence[str],
    workload: Mapping[str, int],
    name_of: Callable[[str], str],
) -> OwnerChoice:
    """Who gets the card in its department. Ties on workload go to the first by id, so the
    same inputs always give the same owner."""

    def fewest(people: Sequence[str]) -> str:
        return min(sorted(people), key=lambda p: workload.get(p, 0))

    def named(person: str) -> str:
        return f"{name_of(person)} ({workload.get(person, 0)} open)"

    def chosen(person: str, how: str, kind: str) -> OwnerChoice:
        return OwnerChoice(person, how, kind, workload.get(person, 0))

    if assignment == Assignment.QUEUE:
        return OwnerChoice(None, "the department's queue", "queue")
    if assignment == Assignment.MANAGER:
        if managers:
            person = fewest(managers)
            return chosen(person, f"the department's manager: {name_of(person)}", "manager")
        assignment = Assignment.FEWEST_OPEN
    if assignment == Assignment.ON_DUTY:
        present = [p for p in on_duty if p in executors] or list(on_duty)
        if present:
            person = fewest(present)
            return chosen(person, f"on duty: {named(person)}", "on_duty")
        if executors:
            person = fewest(executors)
            how = f"nobody on duty; fewest open cards: {named(person)}"
            return chosen(person, how, "nobody_on_duty")
    if executors:
        person = fewest(executors)
        return chosen(person, f"fewest open cards: {named(person)}", "fewest_open")
    return OwnerChoice(None, "no executor there: the department's queue", "no_executor")


# ---- sentences ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Naming:
    """How ids read in a sentence (labels from the directory, in one language)."""

    tree: CategoryTree
    department: Callable[[str], str]
    district: Callable[[str], str]

    def category(self, code: str) -> str:
        if code in self.tree:
            return self.tree.label(code)
        top = next((c for c in self.tree.categories if c.code == code), None)
        return top.name.en if top else code


_WINDOW_WORDS = {
    TimeWindow.ANY: "",
    TimeWindow.WORKING_HOURS: " in working hours",
    TimeWindow.OFF_HOURS: " outside working hours",
    TimeWindow.NIGHT: " at night",
    TimeWindow.WEEKEND: " on weekends and holidays",
}
_KIND_WORDS = {
    RequesterKind.INDIVIDUAL: "an individual",
    RequesterKind.PRIORITY_GROUP: "a priority group",
    RequesterKind.ORGANISATION: "an organisation",
    RequesterKind.COLLECTIVE: "a collective of residents",
}
_ASSIGN_WORDS = {
    Assignment.FEWEST_OPEN: "fewest open cards",
    Assignment.ON_DUTY: "the executor on duty",
    Assignment.MANAGER: "the department's manager",
    Assignment.QUEUE: "the department's queue",
}


def describe(rule: Rule, naming: Naming) -> str:
    """The rule in one sentence: "Roads › Potholes in District 3 → Road Service; fewest open
    cards"."""
    topics = " or ".join(naming.category(c) for c in rule.categories) or "Any request"
    places = " or ".join(naming.district(d) for d in rule.districts)
    sentence = (
        f"{_qualified(topics, places, rule)} → {_destination(rule, naming)}; "
        f"{_ASSIGN_WORDS[rule.assign]}"
    )
    if rule.raise_priority_to:
        sentence += f"; priority at least {rule.raise_priority_to.value}"
    return sentence


def decision_reason(
    rule: Rule | None, facts: CardFacts, owner: OwnerChoice, naming: Naming, triage: str
) -> str:
    """What the card records, about this card: "Roads › Potholes in District 3 → Road Service;
    fewest open cards: Ivan Sokolov (2 open)". The rule's id and version are kept beside it."""
    place = naming.district(facts.district) if facts.district else ""
    topic = naming.category(facts.category)
    if rule is None:
        return (
            f"{_qualified(topic, place, None)}: no rule matched → "
            f"{naming.department(triage)} (triage); {owner.how}"
        )
    department = rule.department or naming.tree.department_for(facts.category)
    return f"{_qualified(topic, place, rule)} → {naming.department(department)}; {owner.how}"


def _destination(rule: Rule, naming: Naming) -> str:
    return naming.department(rule.department) if rule.department else "its topic's department"


def _qualified(topic: str, place: str, rule: Rule | None) -> str:
    text = f"{topic} in {place}" if place else topic
    if rule is not None:
        text += _WINDOW_WORDS[rule.when]
        if rule.requester_kinds:
            text += " from " + " or ".join(_KIND_WORDS[k] for k in rule.requester_kinds)
    return text


# ---- validation -----------------------------------------------------------------------------


def validate(
    rules: Sequence[Rule],
    triage_department: str,
    *,
    tree: CategoryTree,
    departments: frozenset[str],
    districts: frozenset[str],
) -> list[FieldProblem]:
    """Every problem with a draft, each naming the rule and the field."""
    problems: list[FieldProblem] = []
    if triage_department not in departments:
        problems.append(
            FieldProblem("triage_department", f"unknown department {triage_department!r}")
        )
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        where = f"rules.{index}"
        said = f"rule {rule.id!r}"
        if rule.id in seen:
            problems.append(
                FieldProblem(f"{where}.id", f"{said} is defined twice (first at {seen[rule.id]})")
            )
        seen.setdefault(rule.id, index)
        if rule.department is not None and rule.department not in departments:
            problems.append(
                FieldProblem(
                    f"{where}.department", f"{said}: unknown department {rule.department!r}"
                )
            )
        for n, code in enumerate(rule.categories):
            if not tree.knows(code):
                problems.append(
                    FieldProblem(f"{where}.categories.{n}", f"{said}: unknown category {code!r}")
                )
        for n, district in enumerate(rule.districts):
            if district not in districts:
                problems.append(
                    FieldProblem(f"{where}.districts.{n}", f"{said}: unknown district {district!r}")
                )
        for field, values in (
            ("categories", rule.categories),
            ("districts", rule.districts),
            ("requester_kinds", rule.requester_kinds),
        ):
            if len(set(values)) != len(values):
                problems.append(FieldProblem(f"{where}.{field}", f"{said}: a value is repeated"))
    problems.extend(_unreachable(rules))
    return problems


def _unreachable(rules: Sequence[Rule]) -> list[FieldProblem]:
    """Rules an earlier rule always wins against: they could never route a card."""
    problems = []
    enabled = [(i, r) for i, r in enumerate(rules) if r.enabled]
    for position, (index, later) in enumerate(enabled):
        for _, earlier in enabled[:position]:
            if _covers(earlier, later):
                problems.append(
                    FieldProblem(
                        f"rules.{index}",
                        f"rule {later.id!r} is never reached: rule {earlier.id!r} above it "
                        "matches every card it would",
                    )
                )
                break
    return problems


def _covers(earlier: Rule, later: Rule) -> bool:
    def topics_cover(wide: tuple[str, ...], narrow: tuple[str, ...]) -> bool:
        if not wide:
            return True
        if not narrow:
            return False
        return all(code in wide or code.split(".", 1)[0] in wide for code in narrow)

    def subset(wide: tuple[object, ...], narrow: tuple[object, ...]) -> bool:
        return not wide or (bool(narrow) and set(narrow) <= set(wide))

    return (
        topics_cover(earlier.categories, later.categories)
        and subset(earlier.districts, later.districts)
        and subset(earlier.requester_kinds, later.requester_kinds)
        and earlier.when in (TimeWindow.ANY, later.when)
    )

"""Routing rules as data: matching, order, sentences, and validation that names rule and field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.domain.card import RequesterKind
from chalicelib.domain.routing import (
    Assignment,
    CardFacts,
    CompiledRules,
    Moment,
    OwnerChoice,
    Rule,
    RuleSet,
    TimeWindow,
    choose_owner,
    describe,
    validate,
)
from chalicelib.services.routing import naming_for

DIRECTORY = StaticDirectory.from_file()
NAMING = naming_for(DIRECTORY)
NOON = Moment(working=True, night=False, weekend=False, local=datetime(2026, 3, 2, 12, tzinfo=UTC))
NIGHT = Moment(working=False, night=True, weekend=False, local=datetime(2026, 3, 2, 23, tzinfo=UTC))
SUNDAY = Moment(
    working=False, night=False, weekend=True, local=datetime(2026, 3, 8, 12, tzinfo=UTC)
)


def facts(category="roads.potholes", district="d3", kind=RequesterKind.INDIVIDUAL, moment=NOON):
    return CardFacts(category=category, district=district, requester_kind=kind, moment=moment)


def ruleset(*rules: Rule) -> RuleSet:
    return RuleSet(
        version=1, triage_department="front_office", rules=rules, saved_at=NOON.local, saved_by="t"
    )


def first(rules: RuleSet, card: CardFacts) -> str | None:
    found = CompiledRules(rules).first_match(card)
    return found.id if found else None


def test_rules_are_tried_in_order_and_each_condition_must_hold():
    rules = ruleset(
        Rule(id="night-roads", categories=("roads",), when=TimeWindow.NIGHT, department="roads"),
        Rule(
            id="d3-potholes", categories=("roads.potholes",), districts=("d3",), department="roads"
        ),
        Rule(id="weekend-any", when=TimeWindow.WEEKEND, department="front_office"),
        Rule(id="orgs", requester_kinds=(RequesterKind.ORGANISATION,), department="housing"),
        Rule(id="off", categories=("roads",), department="parks", enabled=False),
    )
    assert first(rules, facts()) == "d3-potholes"
    assert first(rules, facts(moment=NIGHT)) == "night-roads"
    assert first(rules, facts(district="d4")) is None
    assert first(rules, facts(district=None)) is None
    assert first(rules, facts(district="d4", moment=SUNDAY)) == "weekend-any"
    assert (
        first(rules, facts(category="lighting.lit_by_day", kind=RequesterKind.ORGANISATION))
        == "orgs"
    )
    assert first(rules, facts(category="roads.snow", district="d4")) is None  # disabled rule


def test_time_windows():
    def holds(window: TimeWindow, moment: Moment) -> bool:
        return (
            first(ruleset(Rule(id="w", when=window, department="roads")), facts(moment=moment))
            == "w"
        )

    assert [holds(TimeWindow.WORKING_HOURS, m) for m in (NOON, NIGHT, SUNDAY)] == [
        True,
        False,
        False,
    ]
    assert [holds(TimeWindow.OFF_HOURS, m) for m in (NOON, NIGHT, SUNDAY)] == [False, True, True]
    assert [holds(TimeWindow.NIGHT, m) for m in (NOON, NIGHT, SUNDAY)] == [False, True, False]
    assert [holds(TimeWindow.WEEKEND, m) for m in (NOON, NIGHT, SUNDAY)] == [False, False, True]


def test_each_rule_reads_as_one_sentence():
    assert describe(
        Rule(id="a", categories=("roads.potholes",), districts=("d3",), department="roads"), NAMING
    ) == ("Roads › Potholes in District 3 → Road Service; fewest open cards")
    assert describe(
        Rule(
            id="b",
            categories=("housing",),
            when=TimeWindow.OFF_HOURS,
            department="housing",
            assign=Assignment.ON_DUTY,
            raise_priority_to="high",
        ),
        NAMING,
    ) == (
        "Housing and utilities outside working hours → Housing and Utilities; "
        "the executor on duty; priority at least high"
    )
    assert describe(
        Rule(id="c", requester_kinds=(RequesterKind.COLLECTIVE,), assign=Assignment.MANAGER), NAMING
    ) == (
        "Any request from a collective of residents → its topic's department; "
        "the department's manager"
    )


def test_owners_by_workload_duty_and_role():
    def name(staff_id: str) -> str:
        return staff_id.upper()

    def choose(assignment, **kw):
        people = {"executors": ["b", "a"], "managers": ["m"], "on_duty": [], "workload": {}}
        return choose_owner(assignment, **{**people, **kw}, name_of=name)

    assert choose(Assignment.FEWEST_OPEN, workload={"a": 3, "b": 1}) == OwnerChoice(
        "b", "fewest open cards: B (1 open)", "fewest_open", 1
    )
    assert choose(Assignment.FEWEST_OPEN).staff_id == "a"  # a tie goes to the first by id
    assert choose(Assignment.ON_DUTY, on_duty=["b"]) == OwnerChoice(
        "b", "on duty: B (0 open)", "on_duty", 0
    )
    nobody = choose(Assignment.ON_DUTY)
    assert nobody.how == "nobody on duty; fewest open cards: A (0 open)"
    assert nobody.kind == "nobody_on_duty"
    assert choose(Assignment.MANAGER) == OwnerChoice(
        "m", "the department's manager: M", "manager", 0
    )
    assert choose(Assignment.MANAGER, managers=[]).staff_id == "a"
    assert choose(Assignment.QUEUE) == OwnerChoice(None, "the department's queue", "queue")
    assert choose(Assignment.FEWEST_OPEN, executors=[]) == OwnerChoice(
        None, "no executor there: the department's queue", "no_executor"
    )


def check(*rules: Rule, triage: str = "front_office") -> dict[str, str]:
    problems = validate(
        rules,
        triage,
        tree=DIRECTORY.categories(),
        departments=frozenset(d.id for d in DIRECTORY.departments()),
        districts=frozenset(d.id for d in DIRECTORY.territory().districts),
    )
    return {p.field: p.problem for p in problems}


def test_validation_names_the_rule_and_the_field():
    problems = check(
        Rule(id="ok", categories=("roads.potholes",), department="roads"),
        Rule(id="typo", categories=("roads.pothole",), districts=("d3", "d99"), department="road"),
        Rule(id="ok", categories=("lighting",), department="lighting"),
        Rule(id="twice", categories=("parks", "parks"), department="parks"),
        triage="nowhere",
    )
    assert problems == {
        "triage_department": "unknown department 'nowhere'",
        "rules.1.department": "rule 'typo': unknown department 'road'",
        "rules.1.categories.0": "rule 'typo': unknown category 'roads.pothole'",
        "rules.1.districts.1": "rule 'typo': unknown district 'd99'",
        "rules.2.id": "rule 'ok' is defined twice (first at 0)",
        "rules.3.categories": "rule 'twice': a value is repeated",
    }


@pytest.mark.parametrize(
    ("earlier", "later", "shadowed"),
    [
        (Rule(id="e", categories=("roads",)), Rule(id="l", categories=("roads.snow",)), True),
        (Rule(id="e"), Rule(id="l", districts=("d1",)), True),
        (Rule(id="e", districts=("d1",)), Rule(id="l"), False),
        (Rule(id="e", districts=("d1", "d2")), Rule(id="l", districts=("d2",)), True),
        (Rule(id="e", when=TimeWindow.NIGHT), Rule(id="l"), False),
        (Rule(id="e", when=TimeWindow.NIGHT), Rule(id="l", when=TimeWindow.NIGHT), True),
        (Rule(id="e", categories=("roads.snow",)), Rule(id="l", categories=("roads",)), False),
        (Rule(id="e", enabled=False), Rule(id="l"), False),
    ],
)
def test_a_rule_an_earlier_one_always_beats_is_reported(earlier, later, shadowed):
    problems = check(earlier, later)
    assert ("rules.1" in problems) is shadowed
    if shadowed:
        assert problems["rules.1"] == (
            "rule 'l' is never reached: rule 'e' above it matches every card it would"
        )


def test_the_indexed_rules_choose_what_trying_each_rule_in_order_would():
    import random

    from chalicelib.adapters.rules_config import load_seed_rules
    from chalicelib.domain.routing import matches

    seed = load_seed_rules(NOON.local)
    extra = (
        Rule(id="d1-any", districts=("d1",), department="roads", when=TimeWindow.NIGHT),
        Rule(
            id="lights-d2",
            categories=("lighting.lit_by_day",),
            districts=("d2",),
            department="lighting",
        ),
    )
    rules = seed.model_copy(update={"rules": (*extra, *seed.rules)})
    compiled = CompiledRules(rules)
    generator = random.Random(7)  # noqa: S311 - sampling, not secrets
    codes = DIRECTORY.categories().leaf_codes
    for _ in range(2000):
        card = facts(
            category=generator.choice(codes),
            district=generator.choice(["d1", "d2", "d3", None]),
            kind=generator.choice(list(RequesterKind)),
            moment=generator.choice([NOON, NIGHT, SUNDAY]),
        )
        plain = next((r for r in rules.rules if matches(r, card)), None)
        assert compiled.first_match(card) == plain

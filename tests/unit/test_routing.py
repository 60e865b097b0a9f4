"""Routing a new card by the shipped rules: department, owner, manual control, and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.memory_cards import InMemoryCardRepository
from chalicelib.adapters.memory_rules import InMemoryRoutingRules
from chalicelib.adapters.rules_config import load_seed_rules
from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.domain.card import Card, ControlReason, Priority
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.routing import validate
from tests.conftest import START
from tests.factories import memory_router, submit

DIRECTORY = StaticDirectory.from_file()
MONDAY_NOON = START  # 12:00 in Moscow, the town's time zone: working hours
MONDAY_NIGHT = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # 23:00 in Moscow
SATURDAY = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)  # 13:00 in Moscow, a day off


class Town:
    def __init__(self) -> None:
        self.cards = InMemoryCardRepository()
        self.rules = InMemoryRoutingRules(lambda: load_seed_rules(START))
        self.clock = ManualClock(MONDAY_NOON)
        self.residents = 0

    def report(self, at: datetime = MONDAY_NOON, resident: str | None = None, **form: Any) -> Card:
        """A card from a new resident unless one is named (the same one repeats)."""
        self.clock.set(at)
        if resident is None:
            self.residents += 1
            resident = f"resident{self.residents}"
        form.setdefault(
            "requester", {"full_name": resident.title(), "email": f"{resident}@example.org"}
        )
        route = memory_router(self.cards, DIRECTORY, self.rules)
        return submit(self.cards, self.clock, DIRECTORY, route=route, **form).card


@pytest.fixture
def town() -> Town:
    return Town()


def test_a_pothole_in_district_3_goes_to_road_service_and_says_why(town):
    card = town.report()
    assert card.department == "roads"
    assert card.executor_id == "ex-ivan"
    assert card.location.district == "d3"  # from its coordinates
    assert card.routing.rule_id == "roads"
    assert card.routing.rules_version == 1
    assert card.routing.reason == (
        "Roads › Potholes in District 3 → Road Service; fewest open cards: Ivan Sokolov (0 open)"
    )
    _, history = town.cards.get_with_history(card.number)
    assert history[0].internal_note.text == card.routing.reason  # staff-only, like the owner
    assert history[0].public_message is None


def test_the_executor_with_fewest_open_cards_gets_the_next_one(town):
    assert town.report().executor_id == "ex-ivan"
    second = town.report()
    assert second.executor_id == "ex-maria"
    assert second.routing.reason.endswith("fewest open cards: Maria Volkova (0 open)")
    assert town.report().executor_id == "ex-ivan"  # 1 each: ties go to the first by id
    assert town.cards.open_counts(["ex-ivan", "ex-maria"]) == {"ex-ivan": 2, "ex-maria": 1}


def test_an_address_without_coordinates_is_placed_by_its_street(town):
    card = town.report(location={"address": "ул. Садовая, д. 60"})
    assert card.location.district == "d2"
    assert "in District 2" in card.routing.reason


def test_an_unknown_district_is_refused_naming_the_field(town):
    with pytest.raises(ValidationFailed) as refused:
        town.report(location={"address": "Somewhere", "district": "District 99"})
    assert [p.field for p in refused.value.problems] == ["location.district"]
    assert "District 3" in refused.value.problems[0].problem  # the known ones are listed


def test_no_heating_at_night_goes_to_the_executor_on_duty_with_high_priority(town):
    card = town.report(at=MONDAY_NIGHT, category="housing.heating", subject="Radiators are cold")
    assert (card.department, card.executor_id) == ("housing", "ex-boris")
    assert card.priority == Priority.HIGH
    assert card.routing.rule_id == "heating-off-hours"
    assert card.routing.reason == (
        "Housing and utilities › No heating in District 3 outside working hours → "
        "Housing and Utilities; on duty: Boris Fedorov (0 open)"
    )
    by_day = town.report(category="housing.heating", subject="Radiators are cold")
    assert by_day.routing.rule_id == "housing"
    assert by_day.executor_id == "ex-anna"  # Boris has the night card
    assert by_day.priority == Priority.NORMAL


def test_snow_on_a_weekend_goes_to_the_road_crew_on_duty(town):
    card = town.report(at=SATURDAY, category="roads.snow", subject="Ice on the pavement")
    assert card.routing.rule_id == "snow-weekends"
    assert card.executor_id == "ex-maria"
    assert "on weekends and holidays" in card.routing.reason


def test_a_complaint_about_staff_is_the_managers_and_needs_approval(town):
    card = town.report(category="other.staff_complaint", subject="Rude clerk at the desk")
    assert (card.department, card.executor_id) == ("front_office", "mgr-natalia")
    assert card.manual_control == (ControlReason.STAFF_COMPLAINT,)
    assert card.approval_required
    assert card.routing.reason.endswith(
        "manual control (complaint about staff): the manager approves every answer"
    )


def test_a_repeated_request_goes_to_the_manager_and_points_to_the_first(town):
    first = town.report(resident="vera")
    again = town.report(at=MONDAY_NOON + timedelta(days=5), resident="vera")
    assert again.manual_control == (ControlReason.REPEATED,)
    assert (again.executor_id, again.related_to) == ("mgr-sergey", first.number)
    assert f"repeated request (after {first.number})" in again.routing.reason
    other_topic = town.report(resident="vera", category="lighting.streetlight_out")
    assert other_topic.manual_control == ()
    much_later = town.report(at=MONDAY_NOON + timedelta(days=200), resident="vera")
    assert much_later.manual_control == ()


def test_two_general_questions_are_not_a_repeat(town):
    """Mail lands in "General question" until triaged: one person's two mails are two topics."""
    town.report(resident="vera", category="other.question", subject="Opening hours?")
    second = town.report(resident="vera", category="other.question", subject="Tax office?")
    assert second.manual_control == ()
    assert (second.department, second.executor_id) == ("front_office", None)


def test_priority_groups_and_collective_requests(town):
    priority = town.report(
        requester={"full_name": "Old Man", "email": "old@example.org", "kind": "priority_group"}
    )
    assert (priority.routing.rule_id, priority.priority) == ("priority-groups", Priority.HIGH)
    assert priority.department == "roads"  # its topic's own department
    collective = town.report(
        requester={
            "full_name": "Residents of Lenina 5",
            "email": "hoa@example.org",
            "kind": "collective",
        }
    )
    assert (collective.routing.rule_id, collective.executor_id) == ("collective", "mgr-sergey")


def test_sensitive_topics_are_marked_on_the_card(town):
    card = town.report(category="health.medical_access", subject="No doctor at the clinic")
    assert card.sensitive
    assert card.department == "social"
    assert not town.report().sensitive


def test_a_rule_change_routes_the_next_card_and_unmatched_cards_go_to_triage(town):
    current = town.rules.current()
    without_lighting = tuple(r for r in current.rules if r.id != "lighting")
    town.rules.save(current.model_copy(update={"version": 2, "rules": without_lighting}))
    card = town.report(category="lighting.streetlight_out", subject="Dark street")
    assert (card.department, card.executor_id) == ("front_office", None)
    assert card.routing.rule_id is None
    assert card.routing.rules_version == 2
    assert card.routing.reason == (
        "Street lighting › Streetlight out in District 3: no rule matched → "
        "Front Office (triage); the department's queue"
    )


def test_the_shipped_rules_are_valid():
    seed = load_seed_rules(START)
    assert (
        validate(
            seed.rules,
            seed.triage_department,
            tree=DIRECTORY.categories(),
            departments=frozenset(d.id for d in DIRECTORY.departments()),
            districts=frozenset(d.id for d in DIRECTORY.territory().districts),
        )
        == []
    )

"""Routing and template administration at service level, over in-memory twins."""

from __future__ import annotations

import pytest

from chalicelib.domain.directory import Role
from chalicelib.domain.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from chalicelib.domain.routing import Assignment, Rule
from chalicelib.services.commands import RoutingPreview, RulesUpdate
from tests.factories import MANAGER, principal

ADMIN = principal("adm-dmitry", Role.ADMIN, departments=("front_office",))
HEAT_TO_HOUSING = Rule(id="heat", categories=("housing",), assign=Assignment.QUEUE)


def _rules(version: int, *rules: Rule) -> RulesUpdate:
    return RulesUpdate(version=version, triage_department="front_office", rules=list(rules))


def test_administrators_save_rules_as_the_next_version_and_the_old_one_stays(town):
    assert town.routing_admin.current().version == 1
    with pytest.raises(PermissionDenied):
        town.routing_admin.save(MANAGER, _rules(1, HEAT_TO_HOUSING))
    saved = town.routing_admin.save(ADMIN, _rules(1, HEAT_TO_HOUSING))
    assert (saved.version, saved.saved_by) == (2, "adm-dmitry")
    assert town.routing_admin.current() == saved
    assert town.routing_admin.version("1").rules != saved.rules
    with pytest.raises(ConflictError):  # saved on a stale version
        town.routing_admin.save(ADMIN, _rules(1, HEAT_TO_HOUSING))
    for wrong in ("0", "x", "99"):
        with pytest.raises(NotFound):
            town.routing_admin.version(wrong)


def test_a_rule_naming_what_the_town_does_not_have_is_refused_with_the_field(town):
    bad = Rule(id="moon", categories=("moon.craters",), department="moon", assign=Assignment.QUEUE)
    with pytest.raises(ValidationFailed) as refused:
        town.routing_admin.save(ADMIN, _rules(1, bad))
    fields = {p.field for p in refused.value.problems}
    assert any("categories" in f for f in fields)
    assert any("department" in f for f in fields)
    assert town.routing_admin.current().version == 1


def test_a_preview_says_where_a_card_would_go_and_writes_nothing(town):
    town.routing_admin.save(ADMIN, _rules(1, HEAT_TO_HOUSING))
    routed = town.routing_admin.preview(ADMIN, RoutingPreview(category="housing.heating"))
    assert routed.department == "housing"
    assert (routed.routing.rule_id, routed.routing.rules_version) == ("heat", 2)
    with pytest.raises(ValidationFailed):
        town.routing_admin.preview(ADMIN, RoutingPreview(category="moon.craters"))
    assert town.cards.every_card(limit=10, cursor=None).cards == []


def test_the_shipped_template_is_in_force_until_the_town_saves_its_own(town):
    shipped = town.template_admin.in_force("receipt", "en", "town")
    assert (shipped.from_scope, shipped.versions) == ("default", [])
    own = shipped.source.replace("{% block sms %}", "{% block sms %}Town of tests. ", 1)
    with pytest.raises(PermissionDenied):
        town.template_admin.save(MANAGER, "receipt", "en", "town", own, 0)
    saved = town.template_admin.save(ADMIN, "receipt", "en", "town", own, 0)
    assert (saved.from_scope, saved.source) == ("town", own)
    roads = town.template_admin.in_force("receipt", "en", "roads")
    assert (roads.from_scope, roads.source) == ("town", own)  # departments inherit the town's
    assert town.template_admin.version_of("receipt", "en", "town", "1").source == own
    with pytest.raises(NotFound):
        town.template_admin.version_of("receipt", "en", "town", "2")


def test_a_broken_or_leaky_template_is_refused_naming_the_problem(town):
    source = town.template_admin.in_force("receipt", "en", "town").source
    for broken in (source + "{% if %}", source.replace("{{ number }}", "{{ executor_name }}", 1)):
        with pytest.raises(ValidationFailed) as refused:
            town.template_admin.save(ADMIN, "receipt", "en", "town", broken, 0)
        assert [p.field for p in refused.value.problems][:1] == ["source"]
    with pytest.raises(NotFound):
        town.template_admin.in_force("receipt", "de", "town")


def test_a_preview_fills_the_draft_with_sample_values(town):
    source = town.template_admin.in_force("receipt", "en", "town").source
    rendered = town.template_admin.preview(ADMIN, "receipt", source)
    assert "2026-000042" in rendered.subject + rendered.text
    with pytest.raises(PermissionDenied):
        town.template_admin.preview(MANAGER, "receipt", source)

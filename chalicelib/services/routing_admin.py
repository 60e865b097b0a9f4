"""Administering the routing rules: read them (any staff member: routing should be no secret
inside the town hall), save a new version (administrators), and try a card against them."""

from __future__ import annotations

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.card import Location, Requester
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.routing import RuleSet, validate
from chalicelib.observability import logger
from chalicelib.ports import Clock, Directory, RoutingRules
from chalicelib.services.commands import RoutingPreview, RulesUpdate
from chalicelib.services.routing import Arrival, Routed, Router


def save_rules(
    principal: Principal,
    command: RulesUpdate,
    *,
    rules: RoutingRules,
    directory: Directory,
    clock: Clock,
) -> RuleSet:
    """Validate the whole draft (every problem, each naming its rule and field) and store it
    as the next version, if nobody saved since ``command.version``."""
    access.require_admin(principal)
    problems = validate(
        command.rules,
        command.triage_department,
        tree=directory.categories(),
        departments=frozenset(d.id for d in directory.departments()),
        districts=frozenset(d.id for d in directory.territory().districts),
    )
    if problems:
        raise ValidationFailed(problems)
    ruleset = RuleSet(
        version=command.version + 1,
        triage_department=command.triage_department,
        rules=tuple(command.rules),
        saved_at=clock.now(),
        saved_by=principal.staff_id,
    )
    rules.save(ruleset)
    logger.info(
        "routing rules saved", extra={"version": ruleset.version, "rules": len(ruleset.rules)}
    )
    return ruleset


def preview(
    principal: Principal, command: RoutingPreview, *, route: Router, clock: Clock
) -> Routed:
    """Where a card like this would go now, and why; nothing is written."""
    access.require_admin(principal)
    return route(
        Arrival(
            category=command.category,
            priority=command.priority,
            requester=Requester(
                full_name="preview",
                email=command.requester_email,
                preferred_channel="email",
                kind=command.requester_kind,
            ),
            location=Location(**command.location.model_dump()) if command.location else None,
            at=command.at or clock.now(),
        )
    )

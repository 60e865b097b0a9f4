"""Administering the routing rules: read them (any staff member: routing should be no secret
inside the town hall), save a new version (administrators), and try a card against them."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.card import Location, Requester
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.routing import Naming, RuleSet, validate
from chalicelib.observability import logger
from chalicelib.ports import Clock, Directory, RoutingRules
from chalicelib.services.commands import RoutingPreview, RulesUpdate
from chalicelib.services.routing import Arrival, Routed, Router, naming_for


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


@dataclass(frozen=True)
class RoutingAdmin:
    """The routing rules' administration wired to its ports (built once by the container)."""

    rules: RoutingRules
    directory: Directory
    clock: Clock
    route: Router

    def current(self) -> RuleSet:
        return self.rules.current()

    def version(self, version: str) -> RuleSet:
        if not version.isdigit() or int(version) < 1:
            raise NotFound(f"no version {version} of the routing rules")
        return self.rules.version(int(version))

    def naming(self) -> Naming:
        """Departments, districts and categories by name, for reading a rule as a sentence."""
        return naming_for(self.directory)

    def save(self, principal: Principal, command: RulesUpdate) -> RuleSet:
        return save_rules(
            principal, command, rules=self.rules, directory=self.directory, clock=self.clock
        )

    def preview(self, principal: Principal, command: RoutingPreview) -> Routed:
        if command.category not in self.directory.categories():
            raise ValidationFailed.single("category", f"unknown category {command.category!r}")
        return preview(principal, command, route=self.route, clock=self.clock)

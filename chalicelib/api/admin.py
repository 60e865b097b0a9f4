"""Administration routes: the routing rules (read by any staff member, changed by
administrators), their versions, and a dry run of a card against them."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api.auth import current_principal
from chalicelib.api.http import json_response, parse_body, route
from chalicelib.api.schemas import RoutingPreviewView, RulesView
from chalicelib.domain.errors import FieldProblem, NotFound, ValidationFailed
from chalicelib.services import routing_admin
from chalicelib.services.commands import RoutingPreview, RulesUpdate
from chalicelib.services.routing import naming_for

admin = Blueprint(__name__)
TAG = "Administration"
# A thousand rules with notes are a few hundred kilobytes of JSON.
RULES_MAX_BYTES = 1024 * 1024
ADMIN_ERRORS = (400, 401, 403, 404, 409, 413)


@route(
    admin,
    "/admin/routing/rules",
    "GET",
    summary="The routing rules in force, each with its one-sentence reading",
    tag=TAG,
    staff=True,
    response=RulesView,
    errors=(401, 403),
)
def current_rules() -> Response:
    c = bootstrap.container()
    current_principal(admin.current_request)
    return _rules_view(c.routing_rules.current())


@route(
    admin,
    "/admin/routing/rules/versions/{version}",
    "GET",
    summary="An earlier version of the routing rules",
    tag=TAG,
    staff=True,
    response=RulesView,
    errors=(401, 403, 404),
)
def rules_version(version: str) -> Response:
    c = bootstrap.container()
    current_principal(admin.current_request)
    if not version.isdigit() or int(version) < 1:
        raise NotFound(f"no version {version} of the routing rules")
    return _rules_view(c.routing_rules.version(int(version)))


@route(
    admin,
    "/admin/routing/rules",
    "PUT",
    summary="Save a new version of the routing rules (administrators)",
    tag=TAG,
    staff=True,
    request=RulesUpdate,
    response=RulesView,
    errors=ADMIN_ERRORS,
)
def save_rules() -> Response:
    c = bootstrap.container()
    principal = current_principal(admin.current_request)
    try:
        command = parse_body(admin.current_request, RulesUpdate, max_bytes=RULES_MAX_BYTES)
    except ValidationFailed as invalid:
        raise _naming_rules(invalid, admin.current_request.raw_body) from None
    saved = routing_admin.save_rules(
        principal, command, rules=c.routing_rules, directory=c.directory, clock=c.clock
    )
    return _rules_view(saved)


@route(
    admin,
    "/admin/routing/preview",
    "POST",
    summary="Where a card like this would be routed now, and why (nothing is written)",
    tag=TAG,
    staff=True,
    request=RoutingPreview,
    response=RoutingPreviewView,
    errors=(400, 401, 403),
)
def preview() -> Response:
    c = bootstrap.container()
    principal = current_principal(admin.current_request)
    command = parse_body(admin.current_request, RoutingPreview, max_bytes=c.settings.max_body_bytes)
    if command.category not in c.directory.categories():
        raise ValidationFailed.single("category", f"unknown category {command.category!r}")
    routed = routing_admin.preview(principal, command, route=c.router, clock=c.clock)
    return json_response(RoutingPreviewView.of(routed))


def _rules_view(ruleset: Any) -> Response:
    c = bootstrap.container()
    view = RulesView.of(ruleset, naming_for(c.directory))
    return json_response(view, headers={"ETag": f'"{ruleset.version}"'})


def _naming_rules(invalid: ValidationFailed, raw: str | bytes | None) -> ValidationFailed:
    """Shape errors inside ``rules.N`` also name the rule by its id, as saved errors do."""
    try:
        drafted = json.loads(raw or b"{}").get("rules") or []
    except (ValueError, AttributeError):
        return invalid
    problems = []
    for problem in invalid.problems:
        parts = problem.field.split(".")
        if len(parts) > 1 and parts[0] == "rules" and parts[1].isdigit():
            index = int(parts[1])
            rule = drafted[index] if index < len(drafted) else None
            if isinstance(rule, dict) and isinstance(rule.get("id"), str):
                problem = FieldProblem(problem.field, f"rule {rule['id']!r}: {problem.problem}")
        problems.append(problem)
    return ValidationFailed(problems)

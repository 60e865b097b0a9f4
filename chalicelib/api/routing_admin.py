"""Routing administration: the routing rules (read by any staff member, changed by
administrators), their versions, and a dry run of a card against them."""

from __future__ import annotations

import json

from chalice.app import Blueprint, Response

from chalicelib.api.http import body, current_request, json_response, principal, route
from chalicelib.api.schemas import RoutingPreviewView, RulesView
from chalicelib.bootstrap import container
from chalicelib.domain.errors import FieldProblem, ValidationFailed
from chalicelib.domain.routing import RuleSet
from chalicelib.services.commands import RoutingPreview, RulesUpdate

routing_admin = Blueprint(__name__)
TAG = "Administration"
# A thousand rules with notes are a few hundred kilobytes of JSON.
RULES_MAX_BYTES = 1024 * 1024
ADMIN_ERRORS = (400, 401, 403, 404, 409, 413)


@route(
    routing_admin,
    "/admin/routing/rules",
    "GET",
    summary="The routing rules in force, each with its one-sentence reading",
    tag=TAG,
    staff=True,
    response=RulesView,
    errors=(401, 403),
)
def current_rules() -> Response:
    principal()
    return _rules_view(container().routing_admin.current())


@route(
    routing_admin,
    "/admin/routing/rules/versions/{version}",
    "GET",
    summary="An earlier version of the routing rules",
    tag=TAG,
    staff=True,
    response=RulesView,
    errors=(401, 403, 404),
)
def rules_version(version: str) -> Response:
    principal()
    return _rules_view(container().routing_admin.version(version))


@route(
    routing_admin,
    "/admin/routing/rules",
    "PUT",
    summary="Save a new version of the routing rules (administrators)",
    tag=TAG,
    staff=True,
    request=RulesUpdate,
    response=RulesView,
    errors=ADMIN_ERRORS,
    body_limit=RULES_MAX_BYTES,
)
def save_rules() -> Response:
    who = principal()
    try:
        command = body(RulesUpdate)
    except ValidationFailed as invalid:
        raise _naming_rules(invalid, current_request().raw_body) from None
    return _rules_view(container().routing_admin.save(who, command))


@route(
    routing_admin,
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
    routed = container().routing_admin.preview(principal(), body(RoutingPreview))
    return json_response(RoutingPreviewView.of(routed))


def _rules_view(ruleset: RuleSet) -> Response:
    view = RulesView.of(ruleset, container().routing_admin.naming())
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
                problem = FieldProblem(
                    problem.field, f"rule {rule['id']!r}: {problem.problem}", problem.code
                )
        problems.append(problem)
    return ValidationFailed(problems)

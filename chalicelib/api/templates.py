"""Administration of message templates: the catalogue, what is in force for the town or a
department (any staff member), new versions and previews (administrators)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap, templating
from chalicelib.api.auth import current_principal
from chalicelib.api.http import json_response, parse_body, route
from chalicelib.api.schemas import (
    RenderedView,
    TemplateCatalogueView,
    TemplateInForceView,
    TemplateKindView,
)
from chalicelib.domain.errors import NotFound
from chalicelib.domain.message_templates import TOWN, TemplateVersion
from chalicelib.domain.notifications import TEMPLATE_KINDS, sms_segments
from chalicelib.services import template_admin
from chalicelib.services.commands import TemplatePreview, TemplateUpdate

templates = Blueprint(__name__)
TAG = "Administration"
READ_ERRORS = (400, 401, 403, 404)
PATH = "/admin/templates/{kind}/{locale}"


@route(
    templates,
    "/admin/templates",
    "GET",
    summary="Message templates: kinds, locales and the variables they may use",
    tag=TAG,
    staff=True,
    response=TemplateCatalogueView,
    errors=(401, 403),
)
def catalogue() -> Response:
    current_principal(templates.current_request)
    return json_response(
        TemplateCatalogueView(
            locales=list(templating.LOCALES),
            kinds=[
                TemplateKindView(
                    kind=kind,
                    audience=spec.audience.value,
                    blocks=list(spec.blocks),
                    variables=spec.variables,
                    internal_variables=spec.internal,
                )
                for kind, spec in sorted(TEMPLATE_KINDS.items())
            ],
        )
    )


@route(
    templates,
    PATH,
    "GET",
    summary="The template in force (?department= for one department's) and its versions",
    tag=TAG,
    staff=True,
    response=TemplateInForceView,
    errors=READ_ERRORS,
)
def in_force(kind: str, locale: str) -> Response:
    c = bootstrap.container()
    current_principal(templates.current_request)
    scope = _scope()
    found = template_admin.in_force(
        kind, locale, scope, templates=c.templates, directory=c.directory
    )
    return json_response(TemplateInForceView.of(kind, locale, scope, found))


@route(
    templates,
    PATH + "/versions/{version}",
    "GET",
    summary="An earlier version of a template",
    tag=TAG,
    staff=True,
    response=TemplateVersion,
    errors=READ_ERRORS,
)
def version_of(kind: str, locale: str, version: str) -> Response:
    c = bootstrap.container()
    current_principal(templates.current_request)
    if not version.isdigit():
        raise NotFound(f"no version {version}")
    found = template_admin.version_of(
        kind, locale, _scope(), int(version), templates=c.templates, directory=c.directory
    )
    return json_response(found)


@route(
    templates,
    PATH,
    "PUT",
    summary="Save a new version of a template for the town or a department (administrators)",
    tag=TAG,
    staff=True,
    request=TemplateUpdate,
    response=TemplateInForceView,
    errors=(400, 401, 403, 404, 409, 413),
)
def save(kind: str, locale: str) -> Response:
    c = bootstrap.container()
    principal = current_principal(templates.current_request)
    command = parse_body(templates.current_request, TemplateUpdate, max_bytes=64 * 1024)
    scope = _scope()
    template_admin.save(
        principal,
        kind,
        locale,
        scope,
        command.source,
        command.version,
        templates=c.templates,
        directory=c.directory,
        clock=c.clock,
    )
    found = template_admin.in_force(
        kind, locale, scope, templates=c.templates, directory=c.directory
    )
    return json_response(TemplateInForceView.of(kind, locale, scope, found))


@route(
    templates,
    "/admin/templates/preview",
    "POST",
    summary="A draft template filled with sample values (administrators; nothing is stored)",
    tag=TAG,
    staff=True,
    request=TemplatePreview,
    response=RenderedView,
    errors=(400, 401, 403, 413),
)
def preview() -> Response:
    principal = current_principal(templates.current_request)
    command = parse_body(templates.current_request, TemplatePreview, max_bytes=64 * 1024)
    rendered = template_admin.preview(principal, command.kind, command.source)
    return json_response(
        RenderedView(
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            sms=rendered.sms,
            sms_segments=sms_segments(rendered.sms),
        )
    )


def _scope() -> str:
    params: dict[str, str] = dict(templates.current_request.query_params or {})
    return params.get("department") or TOWN

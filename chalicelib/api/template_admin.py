"""Administration of message templates: the catalogue, what is in force for the town or a
department (any staff member), new versions and previews (administrators)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import templating
from chalicelib.api.http import body, json_response, principal, query, route
from chalicelib.api.queries import ScopeQuery
from chalicelib.api.schemas import (
    RenderedView,
    TemplateCatalogueView,
    TemplateInForceView,
    TemplateKindView,
)
from chalicelib.bootstrap import container
from chalicelib.domain.message_templates import TOWN, TemplateVersion
from chalicelib.domain.notifications import TEMPLATE_KINDS, sms_segments
from chalicelib.services.commands import TemplatePreview, TemplateUpdate

template_admin = Blueprint(__name__)
TAG = "Administration"
READ_ERRORS = (400, 401, 403, 404)
PATH = "/admin/templates/{kind}/{locale}"
TEMPLATE_MAX_BYTES = 64 * 1024


@route(
    template_admin,
    "/admin/templates",
    "GET",
    summary="Message templates: kinds, locales and the variables they may use",
    tag=TAG,
    staff=True,
    response=TemplateCatalogueView,
    errors=(401, 403),
)
def catalogue() -> Response:
    principal()
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
    template_admin,
    PATH,
    "GET",
    summary="The template in force (?department= for one department's) and its versions",
    tag=TAG,
    staff=True,
    response=TemplateInForceView,
    query=ScopeQuery,
    errors=READ_ERRORS,
)
def in_force(kind: str, locale: str) -> Response:
    principal()
    scope = _scope()
    found = container().template_admin.in_force(kind, locale, scope)
    return json_response(TemplateInForceView.of(kind, locale, scope, found))


@route(
    template_admin,
    PATH + "/versions/{version}",
    "GET",
    summary="An earlier version of a template",
    tag=TAG,
    staff=True,
    response=TemplateVersion,
    query=ScopeQuery,
    errors=READ_ERRORS,
)
def version_of(kind: str, locale: str, version: str) -> Response:
    principal()
    return json_response(container().template_admin.version_of(kind, locale, _scope(), version))


@route(
    template_admin,
    PATH,
    "PUT",
    summary="Save a new version of a template for the town or a department (administrators)",
    tag=TAG,
    staff=True,
    request=TemplateUpdate,
    response=TemplateInForceView,
    query=ScopeQuery,
    errors=(400, 401, 403, 404, 409, 413),
    body_limit=TEMPLATE_MAX_BYTES,
)
def save(kind: str, locale: str) -> Response:
    who = principal()
    command = body(TemplateUpdate)
    scope = _scope()
    found = container().template_admin.save(
        who, kind, locale, scope, command.source, command.version
    )
    return json_response(TemplateInForceView.of(kind, locale, scope, found))


@route(
    template_admin,
    "/admin/templates/preview",
    "POST",
    summary="A draft template filled with sample values (administrators; nothing is stored)",
    tag=TAG,
    staff=True,
    request=TemplatePreview,
    response=RenderedView,
    errors=(400, 401, 403, 413),
    body_limit=TEMPLATE_MAX_BYTES,
)
def preview() -> Response:
    who = principal()
    command = body(TemplatePreview)
    rendered = container().template_admin.preview(who, command.kind, command.source)
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
    return query(ScopeQuery).department or TOWN

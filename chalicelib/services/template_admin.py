"""Administering message templates: read what is in force (any staff member), save a version
for the town or one department (administrators), preview a draft. A draft is refused when the
save-time check finds a problem or a trial render with sample values fails."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import templating
from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import FieldProblem, NotFound, ValidationFailed
from chalicelib.domain.message_templates import TOWN, TemplateVersion, scopes_for
from chalicelib.domain.notifications import TEMPLATE_KINDS, TemplateSpec
from chalicelib.observability import logger
from chalicelib.ports import Clock, Directory, TemplateStore

KINDS = frozenset(TEMPLATE_KINDS)


@dataclass(frozen=True)
class InForce:
    """The source a scope's messages use, where it comes from, and the scope's own history."""

    source: str
    from_scope: str  # a department, "town", or "default" (the shipped file)
    versions: list[TemplateVersion]


def in_force(
    kind: str, locale: str, scope: str, *, templates: TemplateStore, directory: Directory
) -> InForce:
    _check_address(kind, locale, scope, directory)
    for candidate in scopes_for(scope):
        saved = templates.current(kind, locale, candidate)
        if saved is not None and saved.source is not None:
            return InForce(saved.source, candidate, templates.versions(kind, locale, scope))
    return InForce(
        templates.shipped(kind, locale), "default", templates.versions(kind, locale, scope)
    )


def version_of(
    kind: str,
    locale: str,
    scope: str,
    version: int,
    *,
    templates: TemplateStore,
    directory: Directory,
) -> TemplateVersion:
    _check_address(kind, locale, scope, directory)
    found = [v for v in templates.versions(kind, locale, scope) if v.version == version]
    if not found:
        raise NotFound(f"no version {version} of {kind}/{locale} for {scope}")
    return found[0]


def save(
    principal: Principal,
    kind: str,
    locale: str,
    scope: str,
    source: str | None,
    based_on: int,
    *,
    templates: TemplateStore,
    directory: Directory,
    clock: Clock,
) -> TemplateVersion:
    """Store ``source`` (None withdraws the override) as the next version of the scope."""
    access.require_admin(principal)
    _check_address(kind, locale, scope, directory)
    if source is not None:
        check(kind, source)
    saved = TemplateVersion(
        kind=kind,
        locale=locale,
        scope=scope,
        version=based_on + 1,
        source=source,
        saved_at=clock.now(),
        saved_by=principal.staff_id,
    )
    templates.save(saved)
    logger.info(
        "template saved",
        extra={"kind": kind, "locale": locale, "scope": scope, "version": saved.version},
    )
    return saved


def preview(principal: Principal, kind: str, source: str) -> templating.Rendered:
    """``source`` as a template of ``kind``, filled with sample values; nothing is stored."""
    access.require_admin(principal)
    check(kind, source)
    return templating.render_source(source, _spec(kind).samples)


def check(kind: str, source: str) -> None:
    """Refuse a source with any problem, each named under ``source``: what a template of
    ``kind`` may use (requesters' templates never internal data) and must contain."""
    spec = _spec(kind)
    problems = templating.check_source(source, spec.variables, spec.internal, spec.blocks)
    if not problems:
        try:
            templating.render_source(source, spec.samples)
        except Exception as error:  # a sandbox refusal or any runtime fault of the draft
            problems = [f"the template fails with sample values: {error}"]
    if problems:
        raise ValidationFailed([FieldProblem("source", p) for p in problems])


def _spec(kind: str) -> TemplateSpec:
    if kind not in TEMPLATE_KINDS:
        raise NotFound(f"no template {kind!r}; there are: {', '.join(sorted(KINDS))}")
    return TEMPLATE_KINDS[kind]


def _check_address(kind: str, locale: str, scope: str, directory: Directory) -> None:
    _spec(kind)
    if locale not in templating.LOCALES:
        raise NotFound(f"no locale {locale!r}; there are: {', '.join(templating.LOCALES)}")
    if scope != TOWN and directory.department(scope) is None:
        raise ValidationFailed.single("department", f"unknown department {scope!r}")


@dataclass(frozen=True)
class TemplateAdmin:
    """Message templates' administration wired to its ports (built once by the container)."""

    templates: TemplateStore
    directory: Directory
    clock: Clock

    def in_force(self, kind: str, locale: str, scope: str) -> InForce:
        return in_force(kind, locale, scope, templates=self.templates, directory=self.directory)

    def version_of(self, kind: str, locale: str, scope: str, version: str) -> TemplateVersion:
        if not version.isdigit():
            raise NotFound(f"no version {version}")
        return version_of(
            kind, locale, scope, int(version), templates=self.templates, directory=self.directory
        )

    def save(
        self,
        principal: Principal,
        kind: str,
        locale: str,
        scope: str,
        source: str | None,
        based_on: int,
    ) -> InForce:
        """Save a new version and return what is in force after it."""
        save(
            principal,
            kind,
            locale,
            scope,
            source,
            based_on,
            templates=self.templates,
            directory=self.directory,
            clock=self.clock,
        )
        return self.in_force(kind, locale, scope)

    def preview(self, principal: Principal, kind: str, source: str) -> templating.Rendered:
        return preview(principal, kind, source)

"""What every TemplateStore shares: resolving a department's source through the scopes, with
a short cache so that composing a message rarely reads the table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from chalicelib.adapters.shipped_templates import default_source
from chalicelib.domain.message_templates import TemplateVersion, scopes_for

# An administrator's change reaches every warm function within this time.
FRESH_FOR = timedelta(minutes=1)


class ResolvingSources:
    def __init__(
        self,
        lookup: Callable[[str, str, str], TemplateVersion | None],
        now: Callable[[], datetime],
    ) -> None:
        self._lookup = lookup
        self._now = now
        self._cache: dict[tuple[str, str, str], tuple[datetime, str]] = {}

    def source(self, kind: str, locale: str, department: str) -> str:
        key = (kind, locale, department)
        now = self._now()
        cached = self._cache.get(key)
        if cached and now - cached[0] < FRESH_FOR:
            return cached[1]
        found = next(
            (
                saved.source
                for scope in scopes_for(department)
                if (saved := self._lookup(kind, locale, scope)) and saved.source is not None
            ),
            None,
        )
        source = found or default_source(kind, locale)
        self._cache[key] = (now, source)
        return source

    def shipped(self, kind: str, locale: str) -> str:
        return default_source(kind, locale)

    def forget(self) -> None:
        self._cache.clear()

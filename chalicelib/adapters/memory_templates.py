"""In-memory TemplateStore: the twin of the DynamoDB one; passes the same contract suite."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from chalicelib.adapters.template_resolution import ResolvingSources
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.message_templates import TemplateVersion


class InMemoryTemplates:
    def __init__(self, now: Callable[[], datetime]) -> None:
        self._lock = threading.Lock()
        self._saved: dict[tuple[str, str, str], list[TemplateVersion]] = defaultdict(list)
        self._sources = ResolvingSources(self.current, now)

    def source(self, kind: str, locale: str, department: str) -> str:
        return self._sources.source(kind, locale, department)

    def shipped(self, kind: str, locale: str) -> str:
        return self._sources.shipped(kind, locale)

    def current(self, kind: str, locale: str, scope: str) -> TemplateVersion | None:
        saved = self._saved.get((kind, locale, scope))
        return saved[-1] if saved else None

    def versions(self, kind: str, locale: str, scope: str) -> list[TemplateVersion]:
        return list(self._saved.get((kind, locale, scope), []))

    def save(self, template: TemplateVersion) -> None:
        with self._lock:
            saved = self._saved[(template.kind, template.locale, template.scope)]
            if len(saved) != template.version - 1:
                raise ConflictError(
                    f"the template was saved meanwhile (now version {len(saved)})",
                    current_version=len(saved),
                )
            saved.append(template)
        self._sources.forget()

"""The templates shipped with CivicDesk, read from disk: the defaults every message falls back
to when the town or a department has not written its own.

Looked up first in the repository's ``templates/`` (the sources: the local stack and tests
read them directly, never a stale copy), then in ``chalicelib/templates``, the copy that synth
puts into the deployment package (the only place that exists inside a Lambda).
"""

from __future__ import annotations

from pathlib import Path

from chalicelib.templating import LOCALES

SEARCH_PATH = (
    Path(__file__).resolve().parent.parent.parent / "templates",
    Path(__file__).resolve().parent.parent / "templates",
)


def default_source(kind: str, locale: str) -> str:
    """The shipped template of ``kind`` in ``locale`` (English when the locale has none):
    ``notifications/<locale>/<audience>/<kind>.j2``."""
    from chalicelib.domain.notifications import TEMPLATE_KINDS

    chosen = locale if locale in LOCALES else "en"
    audience = TEMPLATE_KINDS[kind].audience.value if kind in TEMPLATE_KINDS else "requester"
    for folder in SEARCH_PATH:
        path = folder / "notifications" / chosen / audience / f"{kind}.j2"
        if path.is_file():
            return path.read_text("utf-8")
    raise LookupError(f"no template {kind!r} in {chosen!r}")

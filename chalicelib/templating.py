"""Notification templates (jinja2, sandboxed): per-locale text, HTML and subject.

Looked up first in the repository's ``templates/`` (the sources: the local stack and tests
read them directly, never a stale copy), then in ``chalicelib/templates``, the copy that synth
puts into the deployment package (the only place that exists inside a Lambda).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

SEARCH_PATH = (
    Path(__file__).resolve().parent.parent / "templates",
    Path(__file__).resolve().parent / "templates",
)
LOCALES = ("en", "ru")


@cache
def _environments() -> tuple[Any, Any]:
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    loader = FileSystemLoader([str(p) for p in SEARCH_PATH if p.is_dir()])
    plain = SandboxedEnvironment(
        loader=loader, autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False
    )
    html = SandboxedEnvironment(loader=loader, autoescape=True, undefined=StrictUndefined)
    return plain, html


def render(name: str, locale: str, **variables: Any) -> tuple[str, str, str]:
    """(subject, text, html) of ``notifications/<locale>/<name>``; unknown locales use English."""
    chosen = locale if locale in LOCALES else "en"
    plain, html = _environments()
    base = f"notifications/{chosen}/{name}"
    subject = plain.get_template(f"{base}.subject.j2").render(**variables)
    return (
        " ".join(subject.split()),
        plain.get_template(f"{base}.txt.j2").render(**variables),
        html.get_template(f"{base}.html.j2").render(**variables),
    )

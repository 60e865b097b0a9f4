"""Notification templates (jinja2, sandboxed): one source per kind and locale whose blocks are
the subject, the text, the HTML and (for requesters) the SMS. Rendering and checking only, pure:
the shipped sources are read by ``adapters/shipped_templates.py``, behind ``TemplateStore``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

LOCALES = ("en", "ru")


@cache
def _environments() -> tuple[Any, Any]:
    """Sandboxes for the text parts and (autoescaping) for HTML; sources come as strings, so
    no loader: a template cannot reach another file."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    plain = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
    html = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    return plain, html


# --- One source per kind and locale, with a block per part -------------------------------------

BLOCKS = ("subject", "text", "html", "sms")
MAX_SOURCE = 20_000


@dataclass(frozen=True)
class Rendered:
    """One message in every form it may leave in: email (subject, text, HTML) and SMS."""

    subject: str
    text: str
    html: str
    sms: str


def render_source(source: str, variables: Mapping[str, Any]) -> Rendered:
    """Render each block of ``source``: HTML with autoescaping, the others as plain text (a
    block a kind does not have, like SMS for staff mail, renders empty)."""
    plain, html = _compiled(source)
    parts = {
        name: concat(template.blocks[name](template.new_context(dict(variables))))
        if name in template.blocks
        else ""
        for name, template in ((b, html if b == "html" else plain) for b in BLOCKS)
    }
    return Rendered(
        subject=" ".join(parts["subject"].split()),
        text=parts["text"].strip() + "\n",
        html=parts["html"].strip(),
        sms=" ".join(parts["sms"].split()),
    )


def check_source(
    source: str,
    allowed: Iterable[str],
    internal: Mapping[str, str],
    blocks: Iterable[str] = BLOCKS,
) -> list[str]:
    """Why ``source`` cannot be saved (empty when it can): syntax, missing blocks, includes,
    and variables that are unknown or internal-only."""
    from jinja2 import TemplateSyntaxError, meta

    if len(source) > MAX_SOURCE:
        return [f"the template is longer than {MAX_SOURCE} characters"]
    plain, _ = _environments()
    try:
        tree = plain.parse(source)
    except TemplateSyntaxError as error:
        return [f"line {error.lineno}: {error.message}"]
    problems = []
    if list(meta.find_referenced_templates(tree)):
        problems.append("templates may not include, import or extend other templates")
    names = {block.name for block in tree.find_all(_block_node())}
    problems += [f"block {b!r} is missing" for b in blocks if b not in names]
    known = set(allowed)
    for variable in sorted(meta.find_undeclared_variables(tree)):
        if variable in internal:
            problems.append(f"variable {variable!r} is internal-only: {internal[variable]}")
        elif variable not in known:
            problems.append(f"unknown variable {variable!r}")
    return problems


def _block_node() -> Any:
    from jinja2 import nodes

    return nodes.Block


@lru_cache(maxsize=256)
def _compiled(source: str) -> tuple[Any, Any]:
    plain, html = _environments()
    return plain.from_string(source), html.from_string(source)


def concat(parts: Iterable[str]) -> str:
    return "".join(parts)

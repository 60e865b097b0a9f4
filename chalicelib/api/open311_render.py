"""Open311 documents as JSON or XML, in the element names and order of GeoReport v2's examples
(a list's items are named by the document: ``<services><service>``), and the standard's error
body. Written with the standard library's ElementTree: text is escaped, never parsed."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from chalice.app import Response

# What each list inside a document calls its items.
ITEM = {
    "services": "service",
    "service_requests": "request",
    "service_requests_updates": "request_update",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
CONTENT_TYPE = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def render(
    document: Any, fmt: str, root: str, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """``document`` (a list, or a dict) under ``root`` in ``fmt``."""
    body = _xml(root, document) if fmt == "xml" else json.dumps(document, ensure_ascii=False)
    return Response(
        body=body,
        status_code=status,
        headers={"Content-Type": CONTENT_TYPE[fmt], **(headers or {})},
    )


def errors(
    status: int, description: str, fmt: str, headers: dict[str, str] | None = None
) -> Response:
    return render(
        [{"code": status, "description": description}],
        fmt,
        "errors",
        status=status,
        headers=headers,
    )


def _xml(root: str, document: Any) -> str:
    element = ElementTree.Element(root)
    _fill(element, root, document)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(
        element, encoding="unicode"
    )


def _fill(element: ElementTree.Element, name: str, value: Any) -> None:
    if isinstance(value, list):
        item = ITEM.get(name, name)
        for entry in value:
            _fill(ElementTree.SubElement(element, item), item, entry)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _fill(ElementTree.SubElement(element, key), key, inner)
    elif value is None:
        return  # an empty element: <account_id/>
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)

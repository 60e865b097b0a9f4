"""The OpenAPI 3.1 document, built from the registered operations and their pydantic models."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from chalicelib.api.http import MAX_IDEMPOTENCY_KEY, OPERATIONS, Operation

if TYPE_CHECKING:
    from chalicelib.ports import Directory

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "problem", "code"],
                        "properties": {
                            "field": {"type": "string"},
                            "problem": {"type": "string", "description": "In English."},
                            "code": {
                                "type": "string",
                                "description": "Stable, for clients to translate: required, "
                                "too_short, too_long, bad_format, not_one_of, wrong_type, "
                                "not_a_topic, needs_email_for_email_updates, ...",
                            },
                        },
                    },
                },
                "current_version": {"type": ["integer", "null"]},
            },
        }
    },
}
ERROR_TEXT = {
    400: "Invalid input; every bad field is listed",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Changed meanwhile, or done already",
    413: "Body too large",
    422: "Not allowed by the card's lifecycle",
    429: "Too many for now; see Retry-After",
}


# Headers with rules of their own (``http.idempotency_key``): printable ASCII, no padding.
HEADERS: dict[str, dict[str, Any]] = {
    "Idempotency-Key": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_IDEMPOTENCY_KEY,
        "pattern": "^[!-~]([ -~]*[!-~])?$",
    },
}


def openapi_document(
    title: str = "CivicDesk API",
    version: str = "1",
    *,
    directory: Directory | None = None,
    consent_version: str | None = None,
) -> dict[str, Any]:
    """The document of every registered route. With the town's ``directory``, the codes it
    defines (categories, departments) are listed as the values each such field accepts, so
    a client generated from the document sends what the server takes."""
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, schemas)
    paths, schemas = _visible_minimum(paths), _visible_minimum(schemas)
    if directory is not None:
        tree, districts = directory.categories(), directory.territory().districts
        codes = {
            "categories": sorted(tree.leaf_codes),
            "topics_and_categories": sorted(
                {*tree.leaf_codes, *(topic.code for topic in tree.categories)}
            ),
            "districts": sorted(d.id for d in districts),
            # A place's district: its id, or its name in either language.
            "district_names": sorted({n for d in districts for n in (d.id, d.name.en, d.name.ru)}),
            "departments": sorted(d.id for d in directory.departments()),
            "consent_version": [consent_version] if consent_version else [],
        }
        paths, schemas = _with_codes(paths, codes), _with_codes(schemas, codes)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Citizen request tracking: every request becomes one card.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "staff": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT (Cognito ID token)",
                }
            },
        },
    }


# Not a space in Python's sense (what the server strips) nor in JSON Schema's (ECMA).
_VISIBLE = r"[^\s\x1c-\x1f\x85]"


def _visible_minimum(schema: Any) -> Any:
    """Texts are stripped before their minimum length is checked ("   " is no subject): each
    string with a minimum gets a pattern saying so, spaces at either end not counting."""
    if isinstance(schema, list):
        return [_visible_minimum(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    tightened = {k: _visible_minimum(v) for k, v in schema.items()}
    least = schema.get("minLength")
    plain = not any(k in schema for k in ("pattern", "enum", "const", "format"))
    if schema.get("type") == "string" and isinstance(least, int) and least > 0 and plain:
        span = _VISIBLE if least == 1 else f"{_VISIBLE}[\\s\\S]{{{least - 2},}}{_VISIBLE}"
        tightened["pattern"] = span
    return tightened


def _with_codes(schema: Any, codes: dict[str, list[str]]) -> Any:
    """``schema`` with each ``x-directory`` mark replaced by the values it stands for."""
    if isinstance(schema, list):
        return [_with_codes(item, codes) for item in schema]
    if not isinstance(schema, dict):
        return schema
    filled = {k: _with_codes(v, codes) for k, v in schema.items() if k != "x-directory"}
    values = codes[schema["x-directory"]] if "x-directory" in schema else []
    if values:
        # On an optional field the list belongs to the string branch (null stays allowed).
        strings = [b for b in filled.get("anyOf", []) if b.get("type") == "string"]
        for target in strings or [filled]:
            target.pop("pattern", None)  # the list says it all
            target["enum"] = values
    return filled


def _query_parameters(op: Operation) -> list[dict[str, Any]]:
    """Each query parameter with the type, values and default its model validates."""
    if op.query is None:
        return []
    model = op.query.model_json_schema(by_alias=True)
    required = set(model.get("required", []))
    found = []
    for name, schema in model.get("properties", {}).items():
        schema = _inline({k: v for k, v in schema.items() if k != "title"}, model.get("$defs", {}))
        found.append({"name": name, "in": "query", "required": name in required, "schema": schema})
    return found


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """Query parameters are flat: enums written out where the model refers to them."""
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref", "")
    if ref.startswith("#/$defs/"):
        named = defs[ref.removeprefix("#/$defs/")]
        plain = {k: v for k, v in named.items() if k not in ("title", "description")}
        schema = {**plain, **{k: v for k, v in schema.items() if k != "$ref"}}
    return {k: _inline(v, defs) for k, v in schema.items()}


def _operation(op: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    if op.document is not None:
        return op.document
    parameters = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
        for n in re.findall(r"{(\w+)}", op.path)
    ]
    parameters += _query_parameters(op)
    parameters += [
        {"name": n, "in": "header", "required": False, "schema": HEADERS.get(n, {"type": "string"})}
        for n in op.headers
    ]
    responses: dict[str, Any] = {str(op.status): {"description": "OK"}}
    if op.response is not None:
        responses[str(op.status)]["content"] = _json(_ref(op.response, schemas, "serialization"))
    for code in op.errors + ((401, 403) if op.staff else ()):
        responses[str(code)] = {
            "description": ERROR_TEXT[code],
            "content": _json({"$ref": "#/components/schemas/Error"}),
        }
    document: dict[str, Any] = {
        "summary": op.summary,
        "tags": [op.tag],
        "operationId": f"{op.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', op.path.lower())}".strip(
            "_"
        ),
        "parameters": parameters,
        "responses": responses,
    }
    if op.request is not None:
        document["requestBody"] = {
            "required": True,
            "content": _json(_ref(op.request, schemas, "validation")),
        }
    if op.staff:
        document["security"] = [{"staff": []}]
    return document


def _ref(
    model: type[BaseModel],
    schemas: dict[str, Any],
    mode: Literal["validation", "serialization"],
) -> dict[str, Any]:
    schema = model.model_json_schema(
        ref_template="#/components/schemas/{model}", mode=mode, by_alias=True
    )
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}

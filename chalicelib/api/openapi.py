"""The OpenAPI 3.1 document, built from the registered operations and their pydantic models."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel

from chalicelib.api.http import OPERATIONS, Operation

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
                        "required": ["field", "problem"],
                        "properties": {"field": {"type": "string"}, "problem": {"type": "string"}},
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


def openapi_document(title: str = "CivicDesk API", version: str = "1") -> dict[str, Any]:
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, schemas)
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
    parameters = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
        for n in re.findall(r"{(\w+)}", op.path)
    ]
    parameters += _query_parameters(op)
    parameters += [
        {"name": n, "in": "header", "required": False, "schema": {"type": "string"}}
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

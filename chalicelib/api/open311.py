"""Open311 GeoReport v2 at ``/open311/v2``: discovery, services and their definitions, filing
a request with a key, and following requests by token or number, each as JSON or XML.

API Gateway takes path parameters only as whole segments, so ``services.json`` is the document
``{document}`` of ``/open311/v2/{document}`` and the format its extension. Every answer, the
refusals too, is the standard's (an ``errors`` list), never a framework's default body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from chalice.app import Blueprint, Response

from chalicelib.api.http import OPERATIONS, PUBLIC_CORS, Operation
from chalicelib.api.open311_render import errors, render
from chalicelib.bootstrap import container
from chalicelib.domain.errors import DomainError
from chalicelib.domain.open311 import Open311Error, split_format
from chalicelib.observability import logger
from chalicelib.services.open311 import Open311

open311 = Blueprint(__name__)
ROOT = "/open311/v2"
TAG = "Open311 GeoReport v2"
FORM = "application/x-www-form-urlencoded"
BODY_MOST = 64 * 1024


def _open311(
    path: str, method: str, summary: str, document: dict[str, Any]
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Register an Open311 route: refusals in the standard's words and the asked format."""

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        def answered(**kwargs: Any) -> Response:
            fmt = _format_of(kwargs.get("document", ""))
            try:
                return view(**kwargs)
            except Open311Error as refused:
                return errors(refused.status, refused.description, fmt)
            except DomainError as refused:
                from chalicelib.api.errors import status_for

                headers = (
                    {"Retry-After": str(refused.retry_after)}
                    if hasattr(refused, "retry_after")
                    else None
                )
                return errors(status_for(refused), refused.message, fmt, headers)
            except Exception:
                # Even a fault answers in the standard's words (and is logged with its trace).
                logger.exception("open311 request failed")
                return errors(500, "the server failed; try again later", fmt)

        answered.__name__ = view.__name__
        open311.route(
            ROOT + path,
            methods=[method],
            cors=PUBLIC_CORS,
            content_types=[FORM, "application/json"] if method == "POST" else ["application/json"],
        )(answered)
        OPERATIONS.append(
            Operation(
                ROOT + path,
                method,
                summary,
                TAG,
                None,
                None,
                200,
                False,
                document={"summary": summary, "tags": [TAG], **document},
            )
        )
        return answered

    return decorate


def _format_of(document: str) -> str:
    """The format refusals are written in: the document's, JSON for CSV or none."""
    try:
        fmt = split_format(document)[1]
    except Open311Error:
        return "json"
    return fmt


def _asked() -> dict[str, str]:
    params = open311.current_request.query_params
    return {k: str(params[k]) for k in params} if params else {}


def _town() -> Open311:
    """The use case, once the ``jurisdiction_id`` asked for (if any) is this town's."""
    town = container().open311
    town.check_jurisdiction(_asked().get("jurisdiction_id"))
    return town


def _locale() -> str:
    wanted = _asked().get("locale", "en")
    return wanted if wanted in ("en", "ru") else "en"


# ---- the OpenAPI operations (the standard's shapes: JSON or XML, its own errors)

ERRORS_JSON = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
REFUSALS = {
    "400": "A parameter is missing or invalid",
    "403": "No valid api_key",
    "404": "No such service, request, token or document (or an unknown format)",
    "429": "Too many for now",
}


def _doc(name: str, pattern: str, query: tuple[str, ...], *, form: bool = False) -> dict[str, Any]:
    answer = {
        "application/json": {"schema": {"type": ["array", "object"]}},
        "text/xml": {"schema": {"type": "string"}},
        "text/csv": {"schema": {"type": "string"}},  # requests.csv: the bulk listing
    }
    document: dict[str, Any] = {
        "operationId": f"open311_{name}",
        "parameters": [
            {
                "name": "document",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "pattern": pattern},
            },
            *(
                {"name": n, "in": "query", "required": False, "schema": PARAMETERS.get(n, TEXT)}
                for n in query
            ),
        ],
        "responses": {
            ("201" if form else "200"): {"description": "OK", "content": answer},
            **{
                code: {
                    "description": text,
                    "content": {
                        "application/json": {"schema": ERRORS_JSON},
                        "text/xml": {"schema": {"type": "string"}},
                    },
                }
                for code, text in REFUSALS.items()
            },
        },
    }
    if form:
        fields = {
            name: {"type": "string"}
            for name in (
                "api_key",
                "jurisdiction_id",
                "service_code",
                "lat",
                "long",
                "address_string",
                "address_id",
                "email",
                "device_id",
                "account_id",
                "first_name",
                "last_name",
                "phone",
                "description",
                "media_url",
                "attribute[danger]",
            )
        }
        schema = {"type": "object", "properties": fields, "required": ["api_key", "service_code"]}
        document["requestBody"] = {
            "required": True,
            "content": {FORM: {"schema": schema}, "application/json": {"schema": schema}},
        }
    return document


TEXT: dict[str, Any] = {"type": "string"}
_W3C = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$"
_NUMBER = r"^-?\d{1,3}(\.\d{1,7})?$"
# What each query parameter takes, as the server checks it (ranges and pairs aside).
PARAMETERS: dict[str, dict[str, Any]] = {
    "start_date": {"type": "string", "pattern": _W3C},
    "end_date": {"type": "string", "pattern": _W3C},
    "status": {"type": "string", "pattern": "^(open|closed)(,(open|closed))*$"},
    "lat": {"type": "string", "pattern": _NUMBER},
    "long": {"type": "string", "pattern": _NUMBER},
    "radius": {"type": "string", "pattern": "^[1-9]\\d{0,3}$"},
    "page": {"type": "string", "pattern": "^[1-9]\\d{0,3}$"},
    "page_size": {"type": "string", "pattern": "^([1-9]\\d{0,2}|1000)$"},
    "locale": {"type": "string", "enum": ["en", "ru"]},
}
LISTING = (
    "jurisdiction_id",
    "service_request_id",
    "service_code",
    "start_date",
    "end_date",
    "status",
    "lat",
    "long",
    "radius",
    "page",
    "page_size",
    "locale",
)


# ---- the routes


@_open311(
    "/{document}",
    "GET",
    "discovery.{format}, services.{format}, requests.{format} (with service_request_id, "
    "service_code, start_date, end_date, status; extensions lat, long, radius, page, page_size) "
    "or servicerequestupdates.{format} (FixMyStreet's: start_date, end_date)",
    document=_doc(
        "documents",
        r"^((discovery|services|requests|servicerequestupdates)\.(json|xml)|requests\.csv)$",
        LISTING,
    ),
)
def documents(document: str) -> Response:
    name, fmt = split_format(document, extra=("csv",))
    town, asked = _town(), _asked()
    if fmt == "csv" and name == "requests":
        return _bulk_csv(town.bulk(asked))
    if fmt == "csv":
        raise Open311Error(404, f"no such document: {document!r}")
    if name == "discovery":
        return render(town.discovery(), fmt, "discovery")
    if name == "services":
        return render(town.services(_locale()), fmt, "services")
    if name == "requests":
        return render(town.requests(asked, _locale()), fmt, "service_requests")
    if name == "servicerequestupdates":
        return render(town.updates(asked), fmt, "service_requests_updates")
    raise Open311Error(404, f"no such document: {document!r}")


@_open311(
    "/{document}",
    "POST",
    "requests.{format}: file a request (an api_key is required)",
    document=_doc("file_request", r"^requests\.(json|xml)$", ("locale",), form=True),
)
def file_request(document: str) -> Response:
    name, fmt = split_format(document)
    if name != "requests":
        raise Open311Error(404, f"no such document: {document!r}")
    # Counted against the client's key (its allowance an hour), not its address: one server
    # files for many people. A request without a valid key costs one read and is refused.
    filed = container().open311.create(_form(), _locale())
    return render(filed, fmt, "service_requests", status=201)


@_open311(
    "/services/{document}",
    "GET",
    "services/{service_code}.{format}: a definition",
    document=_doc("definition", r"^[a-z0-9_.]+\.(json|xml)$", ("jurisdiction_id", "locale")),
)
def definition(document: str) -> Response:
    code, fmt = split_format(document)
    return render(_town().definition(code, _locale()), fmt, "service_definition")


@_open311(
    "/requests/{document}",
    "GET",
    "requests/{service_request_id}.{format}",
    document=_doc("request", r"^\d{4}-\d{6}\.(json|xml)$", ("jurisdiction_id", "locale")),
)
def one_request(document: str) -> Response:
    number, fmt = split_format(document)
    return render(_town().request(number, _locale()), fmt, "service_requests")


@_open311(
    "/tokens/{document}",
    "GET",
    "tokens/{token}.{format}: the request a token stands for",
    document=_doc("token", r"^\d{4}-\d{6}-[0-9a-f]{16}\.(json|xml)$", ("jurisdiction_id",)),
)
def token(document: str) -> Response:
    value, fmt = split_format(document)
    return render(_town().token(value), fmt, "service_requests")


def _bulk_csv(rows: list[dict[str, Any]]) -> Response:
    """GeoReport's bulk CSV (the exports' columns and cell rules: no spreadsheet formulas)."""
    import csv
    import io

    from chalicelib.adapters.export_files import csv_value
    from chalicelib.domain.export_rows import OPEN311_NAMES

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(OPEN311_NAMES)
    for row in rows:
        writer.writerow([csv_value(row[name]) for name in OPEN311_NAMES])
    return Response(
        body=out.getvalue(),
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="requests.csv"',
        },
    )


def _form() -> dict[str, str]:
    """The POST's fields: form-encoded as the standard says, or a JSON object."""
    request = open311.current_request
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > BODY_MOST:
        raise Open311Error(400, f"the request is larger than {BODY_MOST // 1024} KB")
    kind = (request.headers.get("content-type") or FORM).split(";")[0].strip().lower()
    try:
        if kind == "application/json":
            loaded = json.loads(raw.decode("utf-8") or "{}")
            if not isinstance(loaded, dict):
                raise ValueError("not an object")
            return {str(k): "" if v is None else str(v) for k, v in loaded.items()}
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        logger.info("open311 post unreadable")
        raise Open311Error(400, "the request body is not form fields (or a JSON object)") from None
    return dict(pairs)

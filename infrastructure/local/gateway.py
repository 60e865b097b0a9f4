"""Serving the Chalice app over HTTP on loopback, as API Gateway would."""

from __future__ import annotations

import json
import mimetypes
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chalice.local import (
    ChaliceRequestHandler,
    LocalDevServer,
    LocalGatewayAuthorizer,
    ThreadedHTTPServer,
)

from infrastructure import portal_site

PORTAL_DIR = portal_site.PAGES
STATIC_SUFFIXES = frozenset({".html", ".css", ".js", ".json", ".svg", ".png", ".ico"})
DEV_STAFF = "/dev/staff"
DEV_SIGN_IN = "/dev/sign-in"
MAX_SIGN_IN_BYTES = 1024


class ApiHttpServer(ThreadedHTTPServer):
    """A thread per connection, as Chalice's; with a listen backlog for a burst of clients
    (the standard library's is 5: the sixth connecting at once was reset) and threads that
    do not hold up a stop."""

    request_queue_size = 128
    daemon_threads = True


class DevSignIn:
    """The local stack's sign-in, standing in for Cognito's hosted UI: who may sign in, and a
    signed dev token for one of them. Only the local gateway has these paths."""

    def __init__(
        self, staff: Callable[[], list[dict[str, Any]]], token: Callable[[str], str]
    ) -> None:
        self.staff = staff
        self.token = token


class PortalAndApiHandler(ChaliceRequestHandler):
    """Serves the static portal pages (as S3 would when deployed) and the API on one origin."""

    dev_sign_in: DevSignIn | None = None
    # The pages' Content-Security-Policy, as CloudFront adds it when deployed.
    content_security_policy: str | None = None

    def do_GET(self) -> None:
        if self.dev_sign_in is not None and self.path == DEV_STAFF:
            self._send(200, "application/json", json.dumps(self.dev_sign_in.staff()).encode())
            return
        made = made_file(self.path)
        if made is not None:
            self._send(200, "application/json", made)
            return
        page = static_file(self.path)
        if page is None:
            super().do_GET()
            return
        self._send(200, mimetypes.guess_type(page.name)[0] or "text/plain", page.read_bytes())

    def do_POST(self) -> None:
        if self.dev_sign_in is None or self.path != DEV_SIGN_IN:
            super().do_POST()
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            if length > MAX_SIGN_IN_BYTES:
                raise ValueError("body too large")
            staff_id = json.loads(self.rfile.read(length) or b"{}")["staff_id"]
            token = self.dev_sign_in.token(str(staff_id))
        except (ValueError, KeyError, TypeError):
            problem = {"field": "staff_id", "problem": "not a staff member of the directory"}
            error = {"code": "invalid", "message": "no such staff member", "fields": [problem]}
            self._send(400, "application/json", json.dumps({"error": error}).encode())
            return
        self._send(200, "application/json", json.dumps({"token": token}).encode())

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        for name, value in portal_site.security_headers(self.content_security_policy).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def made_file(request_path: str) -> bytes | None:
    """A portal file made from the town's files (``portal_site``), as a deploy uploads it."""
    name = request_path.split("?", 1)[0].split("#", 1)[0].lstrip("/")
    if name not in portal_site.MADE:  # every other GET (the API's too) reads no file here
        return None
    content = portal_site.generated(PORTAL_DIR)[name]
    return json.dumps(content, ensure_ascii=False).encode()


def static_file(request_path: str) -> Path | None:
    """The portal file a GET path names, or None; never anything outside the portal folder."""
    name = request_path.split("?", 1)[0].split("#", 1)[0].lstrip("/") or "index.html"
    if portal_site.PUBLIC_PAGE.match("/" + name):
        name = portal_site.PUBLIC_PAGE_FILE  # /r/<number>, as CloudFront rewrites it
    if Path(name).suffix not in STATIC_SUFFIXES:
        return None
    candidate = (PORTAL_DIR / name).resolve()
    if PORTAL_DIR not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def tolerate_malformed_tokens() -> None:
    """Chalice's local gateway decodes Cognito tokens without checking them and crashes on one
    that is not a JWT. Treat such a token as no claims instead; the app then verifies the token
    itself and answers 401, as API Gateway's authorizer would."""
    original = LocalGatewayAuthorizer._decode_jwt_payload
    if getattr(original, "_civicdesk_tolerant", False):
        return

    def decode(self: LocalGatewayAuthorizer, jwt: str) -> dict[str, Any]:
        try:
            payload = original(self, jwt)
        except (IndexError, ValueError):
            return {}
        return payload if isinstance(payload, dict) else {}

    decode._civicdesk_tolerant = True  # type: ignore[attr-defined]
    LocalGatewayAuthorizer._decode_jwt_payload = decode  # type: ignore[method-assign]


class ApiServer:
    """The Chalice app on ``host:port`` in a background thread."""

    def __init__(
        self,
        app: Any,
        host: str,
        port: int,
        dev_sign_in: DevSignIn | None = None,
        content_security_policy: str | None = None,
    ) -> None:
        from chalice.config import Config
        from chalice.local import CustomLocalChalice, LocalChalice

        tolerate_malformed_tokens()
        if not isinstance(app, LocalChalice):
            # What chalice's create_local_server does: a thread-local current_request, needed
            # by the threaded server. Done here so that our request handler can be passed.
            CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
            app.__class__ = CustomLocalChalice
        config = Config.create(chalice_stage="dev", app_name="civicdesk")
        handler = type(
            "Handler",
            (PortalAndApiHandler,),
            {"dev_sign_in": dev_sign_in, "content_security_policy": content_security_policy},
        )
        self._server: LocalDevServer = LocalDevServer(
            app, config, host, port, handler_cls=handler, server_cls=ApiHttpServer
        )
        self.port = self._server.server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.server.serve_forever, daemon=True, name="civicdesk-api"
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server.server_close()

"""Serving the Chalice app over HTTP on loopback, as API Gateway would."""

from __future__ import annotations

import mimetypes
import threading
from pathlib import Path
from typing import Any

from chalice.local import ChaliceRequestHandler, LocalDevServer, LocalGatewayAuthorizer

PORTAL_DIR = Path(__file__).resolve().parents[2] / "templates" / "portal"
STATIC_SUFFIXES = frozenset({".html", ".css", ".js", ".svg", ".png", ".ico"})


class PortalAndApiHandler(ChaliceRequestHandler):
    """Serves the static portal pages (as S3 would when deployed) and the API on one origin."""

    def do_GET(self) -> None:
        page = static_file(self.path)
        if page is None:
            super().do_GET()
            return
        body = page.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(page.name)[0] or "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(body)


def static_file(request_path: str) -> Path | None:
    """The portal file a GET path names, or None; never anything outside the portal folder."""
    name = request_path.split("?", 1)[0].split("#", 1)[0].lstrip("/") or "index.html"
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

    def __init__(self, app: Any, host: str, port: int) -> None:
        from chalice.config import Config
        from chalice.local import CustomLocalChalice, LocalChalice

        tolerate_malformed_tokens()
        if not isinstance(app, LocalChalice):
            # What chalice's create_local_server does: a thread-local current_request, needed
            # by the threaded server. Done here so that our request handler can be passed.
            CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
            app.__class__ = CustomLocalChalice
        config = Config.create(chalice_stage="dev", app_name="civicdesk")
        self._server: LocalDevServer = LocalDevServer(
            app, config, host, port, handler_cls=PortalAndApiHandler
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

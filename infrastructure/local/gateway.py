"""Serving the Chalice app over HTTP on loopback, as API Gateway would."""

from __future__ import annotations

import threading
from typing import Any

from chalice.local import LocalDevServer, LocalGatewayAuthorizer


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
        from chalice.local import create_local_server

        tolerate_malformed_tokens()
        self._server: LocalDevServer = create_local_server(
            app, Config.create(chalice_stage="dev", app_name="civicdesk"), host, port
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

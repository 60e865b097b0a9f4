"""ApiKeys in memory (tests, the local stack's unit runs)."""

from __future__ import annotations

import threading
from datetime import datetime

from chalicelib.domain.api_keys import ApiKey
from chalicelib.domain.errors import NotFound


class InMemoryApiKeys:
    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}
        self._lock = threading.Lock()

    def add(self, key: ApiKey) -> None:
        with self._lock:
            self._keys[key.digest] = key

    def by_digest(self, digest: str) -> ApiKey | None:
        with self._lock:
            return self._keys.get(digest)

    def every(self) -> list[ApiKey]:
        with self._lock:
            return sorted(self._keys.values(), key=lambda k: (k.issued_at, k.id))

    def revoke(self, key_id: str, *, by: str, at: datetime) -> ApiKey:
        with self._lock:
            found = next((k for k in self._keys.values() if k.id == key_id), None)
            if found is None:
                raise NotFound(f"no API key {key_id}")
            if found.revoked_at is None:
                found = found.model_copy(update={"revoked_at": at, "revoked_by": by})
                self._keys[found.digest] = found
            return found

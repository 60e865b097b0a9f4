"""In-memory AccessCodes: the twin of the DynamoDB one; passes the same contract suite."""

from __future__ import annotations

import threading

from chalicelib.domain.access_codes import AccessCode
from chalicelib.domain.errors import ConflictError


class InMemoryAccessCodes:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, AccessCode] = {}

    def get(self, number: str) -> AccessCode | None:
        return self._codes.get(number)

    def put(self, code: AccessCode) -> None:
        with self._lock:
            stored = self._codes.get(code.number)
            expected = stored.version if stored else 0
            if code.version - 1 != expected:
                raise ConflictError(f"the code of {code.number} changed meanwhile")
            self._codes[code.number] = code

"""In-memory RoutingRules: the twin of DynamoRoutingRules; passes the same contract suite."""

from __future__ import annotations

import threading
from collections.abc import Callable

from chalicelib.domain.errors import ConflictError, NotFound
from chalicelib.domain.routing import RuleSet


class InMemoryRoutingRules:
    def __init__(self, seed: Callable[[], RuleSet]) -> None:
        self._seed = seed
        self._lock = threading.Lock()
        self._versions: dict[int, RuleSet] = {}

    def current(self) -> RuleSet:
        with self._lock:
            if not self._versions:
                first = self._seed()
                self._versions[first.version] = first
            return self._versions[max(self._versions)]

    def version(self, version: int) -> RuleSet:
        self.current()
        try:
            return self._versions[version]
        except KeyError:
            raise NotFound(f"no version {version} of the routing rules") from None

    def save(self, ruleset: RuleSet) -> None:
        self.current()  # the seed is version 1 before anything is saved
        with self._lock:
            latest = max(self._versions)
            if latest != ruleset.version - 1:
                raise ConflictError(
                    f"the routing rules changed since version {ruleset.version - 1}; "
                    "reload and try again",
                    current_version=latest,
                )
            self._versions[ruleset.version] = ruleset

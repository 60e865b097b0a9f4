"""Deploy-time seeding: the shipped directory files become the directory's next version when
they changed, and the shipped routing rules version 1 when none are stored yet (rules that
administrators saved are never overwritten)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.ports import DirectoryPublisher, RoutingRules


@dataclass(frozen=True)
class Seeded:
    directory_published: int | None  # the version published now, if the files changed
    directory_version: int
    rules_version: int


@dataclass(frozen=True)
class Seeding:
    """Seeding wired to its ports (built once by the container)."""

    publisher: DirectoryPublisher
    rules: RoutingRules
    shipped_directory: Callable[[], Any]

    def seed(self) -> Seeded:
        published = self.publisher.publish_if_changed(self.shipped_directory())
        rules = self.rules.current()  # stores the shipped rules as version 1 if none are
        return Seeded(
            directory_published=published,
            directory_version=published or self.publisher.stored_version() or 0,
            rules_version=rules.version,
        )

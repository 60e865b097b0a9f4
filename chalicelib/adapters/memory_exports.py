"""In-memory ExportStore and a runner that runs the job at once: the twins tests use."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


class InMemoryExportStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def upload(self, path: Path, key: str) -> None:
        self.objects[key] = path.read_bytes()

    def put_json(self, key: str, data: dict[str, Any]) -> None:
        self.objects[key] = json.dumps(data, default=str).encode("utf-8")

    def get_json(self, key: str) -> dict[str, Any] | None:
        raw = self.objects.get(key)
        return None if raw is None else dict(json.loads(raw))

    def download_url(self, key: str, *, expires_in: int) -> str:
        return f"memory://exports/{key}?expires_in={expires_in}"

    def location(self, key: str) -> str:
        return f"s3://memory/{key}"


class ImmediateRunner:
    """Runs each job as it is started (the local stack runs it in a thread; AWS, a Lambda)."""

    def __init__(self, run: Callable[[dict[str, Any]], object]) -> None:
        self._run = run
        self.started: list[dict[str, Any]] = []

    def start(self, job: dict[str, Any]) -> None:
        self.started.append(job)
        self._run(job)

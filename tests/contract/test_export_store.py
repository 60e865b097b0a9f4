"""One contract, every ExportStore: the in-memory twin and the exports bucket under moto."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from chalicelib.adapters.memory_exports import InMemoryExportStore
from chalicelib.adapters.s3_exports import S3ExportStore
from chalicelib.ports import ExportStore

ROWS = "number,category\n2026-000001,roads.potholes\n2026-000002,лампа\n".encode()


@dataclass
class Store:
    exports: ExportStore
    fetch: Callable[[str], bytes]  # what a browser gets from a download link


@pytest.fixture(params=["memory", "s3"])
def store(request, settings) -> Iterator[Store]:
    if request.param == "memory":
        memory = InMemoryExportStore()

        def read(url: str) -> bytes:
            return memory.objects[urlparse(url).path.removeprefix("/")]

        yield Store(memory, read)
    else:
        s3 = request.getfixturevalue("aws")["s3"]

        def get(url: str) -> bytes:
            answer = requests.get(url, timeout=10)
            assert answer.status_code == 200, answer.text
            return answer.content

        yield Store(S3ExportStore(s3, settings.exports_bucket), get)


def test_an_uploaded_file_is_fetched_by_its_download_link(store, tmp_path: Path):
    path = tmp_path / "cards.csv"
    path.write_bytes(ROWS)
    store.exports.upload(path, "exports/2026-03-02/cards.csv")
    url = store.exports.download_url("exports/2026-03-02/cards.csv", expires_in=300)
    assert store.fetch(url) == ROWS


def test_json_is_kept_as_written_and_a_missing_key_is_none(store):
    assert store.exports.get_json("exports/status/none.json") is None
    status = {"status": "done", "rows": 2, "files": {"csv": "exports/x/cards.csv"}, "note": "ок"}
    store.exports.put_json("exports/status/a.json", status)
    assert store.exports.get_json("exports/status/a.json") == status
    store.exports.put_json("exports/status/a.json", {"status": "failed"})
    assert store.exports.get_json("exports/status/a.json") == {"status": "failed"}


def test_a_location_names_the_key_for_bi_tools(store):
    location = store.exports.location("exports/csv/")
    assert location.startswith("s3://")
    assert location.endswith("/exports/csv/")

"""Vendored browser libraries are the published package's files, byte for byte: each folder's
vendor.json records the npm tarball (with its integrity) and every file's SHA-256."""

from __future__ import annotations

import hashlib
import json

import pytest

from infrastructure.portal_site import PAGES

VENDORED = sorted((PAGES / "vendor").glob("*/vendor.json"))


def test_leaflet_is_vendored():
    assert [p.parent.name for p in VENDORED] == ["leaflet"]


@pytest.mark.parametrize("record", VENDORED, ids=lambda p: p.parent.name)
def test_the_files_are_the_package_s(record):
    vendored = json.loads(record.read_text("utf-8"))
    assert vendored["integrity"].startswith("sha512-")
    assert vendored["from"].startswith("https://registry.npmjs.org/")
    folder = record.parent
    on_disk = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p != record}
    assert on_disk == set(vendored["files"])
    for name, digest in vendored["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name

"""The local stack serves portal files only from the portal folder."""

from __future__ import annotations

from infrastructure.local.gateway import PORTAL_DIR, static_file


def test_portal_pages_are_found_and_nothing_outside_is():
    assert static_file("/status.html?n=2026-000001#t=x") == PORTAL_DIR / "status.html"
    assert static_file("/") == PORTAL_DIR / "index.html"  # the request form
    assert static_file("/?lang=ru") == PORTAL_DIR / "index.html"
    assert static_file("/submit.js") == PORTAL_DIR / "submit.js"
    for path in (
        "/../pyproject.toml",
        "/../../etc/passwd.html",
        "/status.py",
        "/requests",
        "/staff/queue",
        "/nothing.html",
        "/%2e%2e/README.md",
    ):
        assert static_file(path) is None, path


def test_password_less_sign_in_is_for_loopback_addresses_only():
    from infrastructure.local.stack import is_loopback

    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")  # noqa: S104 - the address under test, not a bind
    assert not is_loopback("192.168.1.10")
    assert not is_loopback("town-laptop")

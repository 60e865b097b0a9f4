"""Waiting for a condition in the page under the portal's Content-Security-Policy.

Playwright's ``wait_for_function`` evaluates its string inside the page with ``eval``, which
the portal's policy refuses (no 'unsafe-eval'); an ``evaluate`` goes through the browser's
debugging protocol, which the policy does not govern. So the condition is asked from here."""

from __future__ import annotations

import time
from typing import Any

POLL_SECONDS = 0.1


def wait_until(page: Any, expression: str, timeout: float = 30.0) -> None:
    """Ask the page ``expression`` until it is truthy (an AssertionError after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:.0f} s: {expression}")
        time.sleep(POLL_SECONDS)

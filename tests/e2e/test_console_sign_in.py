"""The console's sign-in as deployed (authorization code with PKCE at the user pool's domain),
in real Chromium against the local stack: the token endpoint is played by the test (same origin,
so the pages' Content-Security-Policy is the deployed one's in shape), the tokens are the local
stack's own signed tokens. The console renews an ID token that is about to end from the refresh
token, without a reload; a refused renewal ends the sign-in plainly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.e2e.conftest import RunningStack
from tests.e2e.test_console import scan_and_shoot
from tests.e2e.test_portal import DESKTOP
from tests.e2e.test_status_page import browser  # noqa: F401 - fixture
from tests.e2e.waiting import wait_until

pytestmark = pytest.mark.e2e
SIGN_IN = "/test-sign-in"  # the user pool's domain, played by the test on the portal's origin


def _token(stack: RunningStack, staff_id: str, lasts: timedelta) -> str:
    from chalicelib.adapters import dev_tokens
    from chalicelib.adapters.static_directory import StaticDirectory
    from infrastructure.local.stack import dev_secret

    member = StaticDirectory.from_file().staff_member(staff_id)
    assert member is not None
    return dev_tokens.issue(
        dev_tokens.staff_claims(member),
        secret=dev_secret(stack.data_dir),
        now=datetime.now(UTC),
        ttl=lasts,
    )


def _console(chromium: Any, stack: RunningStack, token_endpoint: Any) -> Any:
    page = chromium.new_page(viewport=DESKTOP)
    config = {
        "auth": "cognito",
        "domain": stack.url + SIGN_IN,
        "client_id": "console-client",
        "redirect_uri": stack.url + "/console.html",
    }
    page.route("**/console-config.json", lambda route: route.fulfill(json=config))
    page.route(f"**{SIGN_IN}/oauth2/token", token_endpoint)

    def hosted_ui(route: Any) -> None:
        # The user pool's page: the person signs in there and is sent back with a code.
        asked = parse_qs(route.request.url.split("?", 1)[1])
        assert asked["code_challenge_method"] == ["S256"]
        assert len(asked["code_challenge"][0]) == 43  # SHA-256, base64url
        back = f"{stack.url}/console.html?code=one-time-code#/queue"
        route.fulfill(status=302, headers={"Location": back})

    page.route(f"**{SIGN_IN}/oauth2/authorize**", hosted_ui)
    return page


def _sign_in(page: Any, stack: RunningStack) -> None:
    page.goto(stack.url + "/console.html")
    page.get_by_text("Sign in with your town account.").wait_for()
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Queue").wait_for()


def test_an_id_token_about_to_end_is_renewed_without_a_reload(browser, module_stack):  # noqa: F811
    asked: list[dict[str, list[str]]] = []
    # Five minutes and a few seconds: inside the console's renewal margin almost at once.
    first = _token(module_stack, "mgr-sergey", timedelta(minutes=5, seconds=3))
    renewed = _token(module_stack, "mgr-sergey", timedelta(hours=1))

    def token_endpoint(route: Any) -> None:
        form = parse_qs(route.request.post_data or "", keep_blank_values=True)
        asked.append(form)
        if form["grant_type"] == ["authorization_code"]:
            route.fulfill(json={"id_token": first, "refresh_token": "day-long", "expires_in": 303})
        else:
            route.fulfill(json={"id_token": renewed, "expires_in": 3600})

    page = _console(browser, module_stack, token_endpoint)
    _sign_in(page, module_stack)
    assert "code=" not in page.url  # the one-time code leaves the address bar at once
    wait_until(page, f"sessionStorage.getItem('civicdesk.staff-token') === {json.dumps(renewed)}")
    grants = [a["grant_type"][0] for a in asked]
    assert grants == ["authorization_code", "refresh_token"]
    assert asked[1]["refresh_token"] == ["day-long"]
    assert asked[1]["client_id"] == ["console-client"]
    assert len(asked[0]["code_verifier"][0]) == 43  # PKCE: the verifier, never a client secret
    assert "client_secret" not in asked[0]
    # The console goes on with the new token: the API accepts it.
    page.get_by_role("link", name="Search").click()
    page.get_by_role("heading", name="Search").wait_for()
    assert page.locator("#alert").inner_text() == ""
    scan_and_shoot(page, "console-renewed-1280")
    page.context.close()


def test_a_refused_renewal_ends_the_sign_in_plainly(browser, module_stack):  # noqa: F811
    short = _token(module_stack, "ex-ivan", timedelta(minutes=5, seconds=2))

    def token_endpoint(route: Any) -> None:
        form = parse_qs(route.request.post_data or "")
        if form["grant_type"] == ["authorization_code"]:
            route.fulfill(json={"id_token": short, "refresh_token": "revoked"})
        else:
            route.fulfill(status=400, json={"error": "invalid_grant"})

    page = _console(browser, module_stack, token_endpoint)
    _sign_in(page, module_stack)
    wait_until(page, "sessionStorage.getItem('civicdesk.staff-refresh') === null")
    # Until the token ends the console works; then the next call asks to sign in again.
    page.evaluate("sessionStorage.setItem('civicdesk.staff-token', 'ended')")
    page.get_by_role("link", name="Search").click()
    page.locator("#search-form").get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Sign in").wait_for()
    page.get_by_text("Your session has ended; please sign in again.").wait_for()
    page.context.close()

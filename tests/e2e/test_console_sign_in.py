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
IDP = "/test-idp/"  # the user pool's API (cognito-idp.<region>.amazonaws.com), played likewise


def _token(
    stack: RunningStack, staff_id: str, lasts: timedelta, *, second_factor: bool = True
) -> str:
    from chalicelib.adapters import dev_tokens
    from chalicelib.adapters.static_directory import StaticDirectory
    from infrastructure.local.stack import dev_secret

    member = StaticDirectory.from_file().staff_member(staff_id)
    assert member is not None
    return dev_tokens.issue(
        dev_tokens.staff_claims(member, second_factor=second_factor),
        secret=dev_secret(stack.data_dir),
        now=datetime.now(UTC),
        ttl=lasts,
    )


def _console(chromium: Any, stack: RunningStack, token_endpoint: Any, **viewport: Any) -> Any:
    page = chromium.new_page(viewport=viewport or DESKTOP)
    config = {
        "auth": "cognito",
        "domain": stack.url + SIGN_IN,
        "client_id": "console-client",
        "redirect_uri": stack.url + "/console.html",
        "idp": stack.url + IDP,
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


def test_a_manager_without_an_app_sets_one_up_before_anything_opens(browser, module_stack):  # noqa: F811
    """The pool's API is played by the test: it checks what the console sends (the person's
    own access token, the code typed) as the real one would."""
    without = _token(module_stack, "mgr-sergey", timedelta(hours=1), second_factor=False)
    with_app = _token(module_stack, "mgr-sergey", timedelta(hours=1))
    calls: list[tuple[str, dict[str, Any]]] = []
    enrolled = {"done": False}

    def token_endpoint(route: Any) -> None:
        form = parse_qs(route.request.post_data or "")
        if form["grant_type"] == ["authorization_code"]:
            route.fulfill(
                json={"id_token": without, "access_token": "access-1", "refresh_token": "day"}
            )
        else:  # after the set-up: the pool's tokens for an account with an app
            assert enrolled["done"]
            route.fulfill(json={"id_token": with_app, "access_token": "access-2"})

    def pool_api(route: Any) -> None:
        action = route.request.headers["x-amz-target"].split(".")[-1]
        sent = json.loads(route.request.post_data or "{}")
        calls.append((action, sent))
        assert sent["AccessToken"] == "access-1"
        if action == "AssociateSoftwareToken":
            route.fulfill(json={"SecretCode": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"})
        elif action == "VerifySoftwareToken" and sent["UserCode"] != "492039":
            route.fulfill(
                status=400,
                json={"__type": "CodeMismatchException", "message": "Invalid code received"},
            )
        elif action == "VerifySoftwareToken":
            route.fulfill(json={"Status": "SUCCESS"})
        else:
            assert sent["SoftwareTokenMfaSettings"] == {"Enabled": True, "PreferredMfa": True}
            enrolled["done"] = True
            route.fulfill(json={})

    page = _console(browser, module_stack, token_endpoint, width=360, height=740)
    page.route(f"**{IDP}", pool_api)
    page.goto(module_stack.url + "/console.html")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Set up your authenticator app").wait_for()
    assert page.locator("#nav").is_hidden()  # nothing else opens before it is set up
    page.get_by_role("button", name="Begin").click()
    page.get_by_label("The 6-digit code the app shows now").wait_for()
    assert page.locator("#factor-key").inner_text() == " ".join(
        ["JBSW", "Y3DP", "EHPK", "3PXP"] * 2
    )
    link = page.get_by_role("link", name="Open in the authenticator app").get_attribute("href")
    assert link is not None
    assert link.startswith("otpauth://totp/")
    assert "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in link
    code = page.get_by_label("The 6-digit code the app shows now")
    code.fill("12345")
    page.get_by_role("button", name="Check the code and turn it on").click()
    page.get_by_text("Type the 6 digits the app shows.").wait_for()
    code.fill("111111")
    page.get_by_role("button", name="Check the code and turn it on").click()
    page.get_by_text("That code does not match").wait_for()
    assert code.get_attribute("aria-invalid") == "true"
    scan_and_shoot(page, "console-second-factor-360")
    code.fill("492 039")
    page.get_by_role("button", name="Check the code and turn it on").click()
    page.get_by_text("Your authenticator app is on").wait_for()
    page.get_by_role("button", name="Go on to the console").click()
    page.get_by_role("heading", name="Queue").wait_for()
    assert [action for action, _ in calls] == [
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "VerifySoftwareToken",
        "SetUserMFAPreference",
    ]
    assert page.locator("#nav").is_visible()
    page.context.close()

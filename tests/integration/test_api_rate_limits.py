"""The town's channels cannot be turned against it: public writes and new requests are limited
per client address (429 with Retry-After), receipts per recipient, one-time codes per client,
number and contact — over HTTP, with the counters in DynamoDB under moto."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import card_form

WRONG_TOKEN = {"X-Access-Token": "not-a-token"}


def _form(n: int, **requester: str) -> dict:
    contact = {"full_name": "Anna Ivanova", "email": f"citizen{n}@example.org"}
    return card_form(requester={**contact, **requester})


def test_new_requests_from_one_address_are_refused_with_a_clear_429_then_admitted_again(api, clock):
    most = api.container.limits.new_requests.windows[0].most
    for n in range(most):
        assert api.post("/requests", _form(n)).status_code == 201
    refused = api.post("/requests", _form(most))
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= 3600
    error = refused.json_body["error"]
    assert error["code"] == "too_many_requests"
    assert "new requests from your address" in error["message"]
    clock.advance(timedelta(seconds=wait))
    assert api.post("/requests", _form(most + 1)).status_code == 201


def test_every_public_write_counts_even_refused_ones_and_reads_do_not(api):
    number = api.post("/requests", _form(0)).json_body["number"]
    most = api.container.limits.writes.windows[0].most
    for _ in range(most - 1):  # the submission above counted too
        wrong = api.post(f"/requests/{number}/messages", {"text": "x"}, headers=WRONG_TOKEN)
        assert wrong.status_code in (400, 404)
    limited = api.post(f"/requests/{number}/messages", {"text": "x"}, headers=WRONG_TOKEN)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    survey = api.post(f"/requests/{number}/survey", {"score": 5}, headers=WRONG_TOKEN)
    assert survey.status_code == 429  # one budget for every public write
    for _ in range(5):  # reading is not limited here
        assert api.get("/categories").status_code == 200
        assert api.get(f"/requests/{number}", headers=WRONG_TOKEN).status_code == 404


def test_a_burst_of_requests_to_one_address_gets_one_receipt(api, clock):
    def receipts(number: str) -> int:
        return sum(m.kind == "receipt" for m in api.container.outbox.for_card(number))

    same = {"email": "victim@example.org", "preferred_channel": "email"}
    first = api.post("/requests", _form(1, **same)).json_body["number"]
    second = api.post("/requests", _form(2, **same))
    assert second.status_code == 201  # the request itself is taken; its answer has the link
    assert second.json_body["status_url"]
    other = api.post("/requests", _form(3)).json_body["number"]
    assert (receipts(first), receipts(second.json_body["number"]), receipts(other)) == (1, 0, 1)
    clock.advance(timedelta(minutes=10))
    later = api.post("/requests", _form(4, **same)).json_body["number"]
    assert receipts(later) == 1


def test_a_receipt_repeats_no_link_contact_or_name_someone_typed_into_the_form(api):
    form = card_form(
        subject="WIN 1000 EUR: claim at https://prize.example/x or call +7 999 123-45-67 now",
        requester={
            "full_name": "Visit www.cheap-pills.example today",
            "email": "victim@example.org",
            "preferred_channel": "email",
        },
    )
    number = api.post("/requests", form).json_body["number"]
    (receipt,) = [m for m in api.container.outbox.for_card(number) if m.kind == "receipt"]
    assert receipt.email is not None
    for text in (receipt.email.subject, receipt.email.text, receipt.email.html):
        for planted in ("prize.example", "999 123", "cheap-pills", "Visit"):
            assert planted not in text
    assert "WIN 1000 EUR" in receipt.email.text  # the subject is still recognisable


def test_codes_asked_for_from_one_address_are_limited_across_numbers(api):
    most = api.container.limits.access_codes.windows[0].most
    for n in range(most):  # unknown numbers: each its own, none over its own limit
        assert api.post(f"/requests/2026-{900000 + n:06d}/access-code", {}).status_code == 202
    limited = api.post("/requests/2026-999999/access-code", {})
    assert limited.status_code == 429
    assert "codes asked for from your address" in limited.json_body["error"]["message"]


def test_place_look_ups_over_the_limit_are_a_clear_429_not_a_server_error(api):
    # The map's address look-ups and "already reported?" share one allowance per address.
    most = api.container.limits.place_lookups.windows[0].most
    for _ in range(most):
        assert api.get("/places/similar?category=roads.potholes").status_code == 200
    refused = api.get("/places/search?q=Lenina")
    assert refused.status_code == 429
    assert "place look-ups from your address" in refused.json_body["error"]["message"]
    assert int(refused.headers["Retry-After"]) > 0


def test_every_client_limit_has_words_for_its_refusal():
    from chalicelib.domain.rate_limits import ClientLimit
    from chalicelib.services.admission import WHAT

    assert set(WHAT) == set(ClientLimit)

"""Open311 as the specification writes it: CivicDesk's documents against the specification's
own examples (element names and order, `tests/data/open311/`), the formats, dates and ranges,
tokens, and what a request line never carries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.api.open311_render import render
from chalicelib.domain import open311
from chalicelib.domain.open311 import Open311Error, months_of, period, split_format
from chalicelib.services.open311 import number_of, token_for
from tests.factories import new_card

SPEC = Path(__file__).resolve().parents[1] / "data" / "open311"
TREE = StaticDirectory.from_file().categories()
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _tree_of(xml: str | bytes) -> ElementTree.Element:
    return ElementTree.fromstring(xml)  # noqa: S314 - our own output and the spec's examples


def _shape(element: ElementTree.Element) -> list[Any]:
    """The element's children's names in order, each with its own shape (a list's first item
    stands for all)."""
    seen: list[Any] = []
    for child in element:
        if seen and seen[-1][0] == child.tag:
            continue  # the next item of a list
        seen.append((child.tag, _shape(child)))
    return seen


def _as_spec(ours: list[Any], allowed_extra: frozenset[str] = frozenset()) -> list[Any]:
    return [
        (tag, _as_spec(inner, allowed_extra)) for tag, inner in ours if tag not in allowed_extra
    ]


def _ours(document: Any, root: str) -> ElementTree.Element:
    return _tree_of(render(document, "xml", root).body)


def test_the_service_list_has_the_specifications_elements_in_its_order():
    ours = _ours(open311.service_list(TREE, "en"), "services")
    spec = _tree_of((SPEC / "services.xml").read_bytes())
    assert ours.tag == spec.tag
    assert _shape(ours) == _shape(spec)
    codes = [s.findtext("service_code") for s in ours]
    assert codes == TREE.leaf_codes  # one service a topic, in the tree's order
    potholes = ours[0]
    assert potholes.findtext("metadata") == "true"
    assert potholes.findtext("type") == "realtime"
    assert potholes.findtext("group") == "Roads"


def test_a_service_definition_has_the_specifications_elements_in_its_order():
    ours = _ours(open311.service_definition("roads.potholes", TREE, "ru"), "service_definition")
    spec = _tree_of((SPEC / "service_definition.xml").read_bytes())
    assert _shape(ours) == _shape(spec)
    attribute = ours.find("attributes/attribute")
    assert attribute is not None
    assert attribute.findtext("code") == open311.DANGER
    assert [v.findtext("key") for v in attribute.iter("value")] == ["no", "yes"]
    assert attribute.findtext("description") == "Есть ли опасность для людей?"
    with pytest.raises(Open311Error) as unknown:
        open311.service_definition("moon.craters", TREE, "en")
    assert unknown.value.status == 404


def test_a_request_has_the_specifications_elements_in_its_order_and_nothing_personal(
    clock, directory
):
    card = new_card(clock, directory)
    line = open311.request_line(card)
    assert line is not None
    document = open311.request_document(
        line, tree=TREE, agency="Road Service", notice="", media_url=None, locale="en"
    )
    ours = _ours([document], "service_requests")
    spec = _tree_of((SPEC / "requests.xml").read_bytes())
    assert _shape(ours) == _shape(spec)
    text = ElementTree.tostring(ours, encoding="unicode")
    for personal in (card.requester.full_name, "anna@example.org", "+7 900", card.description):
        assert personal not in text
    assert ours.findtext("request/status") == "open"
    assert ours.findtext("request/requested_datetime") == open311.w3c(card.created_at)
    # Sensitive topics and subtasks have no public line at all.
    assert open311.request_line(card.model_copy(update={"sensitive": True})) is None
    assert open311.request_line(card.model_copy(update={"parent": "2026-000009"})) is None


def test_the_post_answer_token_answer_discovery_and_errors_follow_the_specification():
    post = [
        {
            "service_request_id": "2026-000001",
            "token": "2026-000001-0123456789abcdef",
            "service_notice": "The town answers by 2026-12-01 09:00 UTC",
            "account_id": None,
        }
    ]
    ours = _ours(post, "service_requests")
    spec = _tree_of((SPEC / "post_response.xml").read_bytes())
    # The specification answers a number or a token; CivicDesk gives both.
    assert _as_spec(_shape(ours), frozenset({"token"})) == _shape(spec)
    token = _ours([{"service_request_id": "2026-000001", "token": "t"}], "service_requests")
    assert _shape(token) == _shape(_tree_of((SPEC / "token_response.xml").read_bytes()))
    errors = _ours([{"code": 403, "description": "Invalid api_key"}], "errors")
    assert _shape(errors) == _shape(_tree_of((SPEC / "errors.xml").read_bytes()))
    discovery = {
        "changeset": "c",
        "contact": "c",
        "key_service": "k",
        "endpoints": [
            {
                "specification": open311.SPECIFICATION,
                "url": "u",
                "changeset": "c",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    ours_discovery = _ours(discovery, "discovery")
    assert _shape(ours_discovery) == _shape(_tree_of((SPEC / "discovery.xml").read_bytes()))
    assert [f.text for f in ours_discovery.iter("format")] == ["application/json", "text/xml"]


def test_xml_text_is_escaped_never_markup():
    nasty = [{"service_request_id": "<x>&</x>", "status_notes": "]]><script>"}]
    body = render(nasty, "xml", "service_requests").body
    assert "<script>" not in body
    parsed = _tree_of(body)
    assert parsed.findtext("request/status_notes") == "]]><script>"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("services.json", ("services", "json")),
        ("roads.potholes.xml", ("roads.potholes", "xml")),
        ("2026-000042.json", ("2026-000042", "json")),
    ],
)
def test_a_documents_format_is_its_extension(document, expected):
    assert split_format(document) == expected


@pytest.mark.parametrize("document", ["services", "services.yaml", "services.JSON", ".json"])
def test_an_unknown_format_is_a_document_not_here(document):
    with pytest.raises(Open311Error) as refused:
        split_format(document)
    assert refused.value.status == 404


def test_ranges_default_to_90_days_and_never_span_more():
    default = period(None, None, NOW)
    assert (default.start, default.end) == (NOW - timedelta(days=90), NOW)
    since = period("2026-10-01", None, NOW)
    assert since.start == datetime(2026, 10, 1, tzinfo=UTC)
    assert since.end == NOW
    offset = period("2026-10-01T00:00:00+03:00", "2026-10-02T00:00:00Z", NOW)
    assert offset.start == datetime(2026, 9, 30, 21, 0, tzinfo=UTC)
    for start, end in [("2026-01-01", "2026-12-01"), ("2026-11-02", "2026-11-01"), ("soon", None)]:
        with pytest.raises(Open311Error) as refused:
            period(start, end, NOW)
        assert refused.value.status == 400


def test_months_of_a_range_cross_the_year():
    start = datetime(2025, 11, 15, tzinfo=UTC)
    assert months_of(start, datetime(2026, 1, 2, tzinfo=UTC)) == ["2025-11", "2025-12", "2026-01"]
    assert months_of(start, start) == ["2025-11"]


def test_a_token_stands_for_its_number_and_cannot_be_made_up():
    secret = b"town secret"
    token = token_for(secret, "2026-000042")
    assert number_of(secret, token) == "2026-000042"
    assert number_of(b"another town", token) is None
    assert number_of(secret, token.replace("2026-000042", "2026-000043")) is None
    assert number_of(secret, "2026-000042") is None


def test_a_request_update_has_fixmystreets_elements_in_its_order(clock, directory):
    from chalicelib.domain import lifecycle
    from chalicelib.domain.card import Status
    from tests.factories import OPERATOR

    card = new_card(clock, directory)
    closing = lifecycle.transition(
        card,
        Status.CLOSED,
        lifecycle.TransitionDetails(closure_reason="Patched; call us at +7 900 111-22-33"),
        actor=OPERATOR.actor,
        at=clock.now(),
    )
    update = open311.update_of(closing.card, closing.entry)
    assert update is not None
    ours = _ours([open311.update_document(update)], "service_requests_updates")
    spec = _tree_of((SPEC / "servicerequestupdates.xml").read_bytes())
    assert _shape(ours) == _shape(spec)
    assert ours.findtext("request_update/status") == "CLOSED"
    assert "+7 900" not in (ours.findtext("request_update/description") or "")
    # The card coming in is no update; a sensitive card has none.
    first = card.model_copy(update={"version": 1})
    from chalicelib.domain.history import SYSTEM, Action, FieldChange, HistoryEntry

    created = HistoryEntry(
        seq=1,
        at=card.created_at,
        actor=SYSTEM,
        action=Action.CREATED,
        changes=(FieldChange(field="status", before=None, after="received"),),
    )
    assert open311.update_of(first, created) is None
    hidden = closing.card.model_copy(update={"sensitive": True})
    assert open311.update_of(hidden, closing.entry) is None

"""One contract, every SearchIndex: the embedded index always, a real OpenSearch when
OPENSEARCH_URL names one (there is no OpenSearch server on the machines this suite runs on)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.adapters.embedded_search import EmbeddedSearchIndex
from chalicelib.domain.card import Channel, Status
from chalicelib.domain.search import (
    HIDDEN,
    Facet,
    Scope,
    SearchDoc,
    SearchFilters,
    SearchQuery,
)
from chalicelib.ports import SearchIndex

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TOWN = Scope(
    everything=True, departments=frozenset(), private_departments=frozenset(), staff_id="op"
)
ROADS = Scope(
    everything=False,
    departments=frozenset({"roads"}),
    private_departments=frozenset({"roads"}),
    staff_id="ex-ivan",
)
SOCIAL = Scope(
    everything=False,
    departments=frozenset({"social"}),
    private_departments=frozenset({"social"}),
    staff_id="ex-nina",
)


def make(number: int, subject: str, **overrides) -> SearchDoc:
    text = {
        "subject": subject,
        "description": overrides.pop("description", subject),
        "address": overrides.pop("address", "Lenina 5"),
        "people": overrides.pop("people", "Anna Ivanova"),
    }
    sensitive = overrides.pop("sensitive", False)
    fields = {
        "id": f"card-{number}",
        "number": f"2026-{number:06d}",
        "version": 1,
        "subject": subject,
        "status": Status.RECEIVED,
        "category": "lighting.streetlight_out",
        "category_top": "lighting",
        "department": "lighting",
        "district": "d1",
        "channel": Channel.WEB,
        "created_at": T0 + timedelta(days=number),
        "updated_at": T0 + timedelta(days=number),
        "overdue": False,
        "sensitive": sensitive,
        "executor_id": None,
        "open_text": {} if sensitive else text,
        "private_text": text if sensitive else {},
    }
    fields.update(overrides)
    if "category" in overrides and "category_top" not in overrides:
        fields["category_top"] = overrides["category"].split(".")[0]
    return SearchDoc(**fields)


@pytest.fixture(params=["embedded", "opensearch"])
def index(request) -> Iterator[SearchIndex]:
    if request.param == "embedded":
        yield EmbeddedSearchIndex()
        return
    url = os.environ.get("OPENSEARCH_URL")
    if not url:
        pytest.skip("no OpenSearch server here: set OPENSEARCH_URL to run the contract on one")
    from chalicelib.adapters.opensearch_index import OpenSearchIndex, plain_client

    name = f"civicdesk-test-{uuid.uuid4().hex[:8]}"
    real = OpenSearchIndex(plain_client(url), name, refresh=True)
    real.install()
    yield real
    real.drop()


def numbers(result) -> list[str]:
    return [h.number for h in result.hits]


def test_word_forms_match_in_english_and_russian_and_the_title_ranks_first(index):
    index.index(
        [
            make(1, "Streetlight out on Lenina", description="The lamp is dark"),
            make(2, "Pothole", description="Near the streetlights on Lenina street"),
            make(3, "Не горит фонарь", description="Фонари на улице Ленина не горят"),
            make(4, "Bench broken", description="In the park"),
        ]
    )
    english = index.search(SearchQuery("streetlight Lenina"), TOWN)
    assert numbers(english) == ["2026-000001", "2026-000002"]
    assert english.total == 2
    russian = index.search(SearchQuery("фонари ленина"), TOWN)
    assert numbers(russian) == ["2026-000003"]
    assert index.search(SearchQuery("фонарей на улице"), TOWN).total == 1


def test_hits_carry_highlighted_fragments(index):
    index.index([make(1, "Pothole", description="A deep pothole by the bus stop on Lenina")])
    (hit,) = index.search(SearchQuery("potholes"), TOWN).hits
    assert "«pothole»" in hit.highlights["description"][0]
    assert "«Pothole»" in hit.highlights["subject"][0]


def test_filters_and_facets(index):
    index.index(
        [
            make(1, "Streetlight out", status=Status.CLOSED, district="d1"),
            make(2, "Streetlight flickers", status=Status.IN_PROGRESS, district="d2", overdue=True),
            make(
                3,
                "Streetlight pole bent",
                category="roads.signs",
                department="roads",
                channel=Channel.PHONE,
                district="d2",
            ),
        ]
    )
    everything = index.search(SearchQuery("streetlight"), TOWN)
    assert everything.total == 3
    assert everything.facets[Facet.DISTRICT] == {"d2": 2, "d1": 1}
    assert everything.facets[Facet.CATEGORY] == {"lighting": 2, "roads": 1}
    assert everything.facets[Facet.OVERDUE] == {"false": 2, "true": 1}
    assert everything.facets[Facet.CHANNEL] == {"web": 2, "phone": 1}

    def only(**filters) -> list[str]:
        return numbers(index.search(SearchQuery("streetlight", SearchFilters(**filters)), TOWN))

    assert only(status=(Status.CLOSED,)) == ["2026-000001"]
    assert sorted(only(district=("d2",))) == ["2026-000002", "2026-000003"]
    assert only(category=("roads",)) == ["2026-000003"]
    assert only(category=("roads.signs",)) == ["2026-000003"]
    assert only(channel=(Channel.PHONE,)) == ["2026-000003"]
    assert only(overdue=True) == ["2026-000002"]
    assert sorted(only(created_from=date(2026, 3, 4))) == ["2026-000002", "2026-000003"]
    assert only(created_to=date(2026, 3, 3)) == ["2026-000001"]
    assert only(department=("roads",), status=(Status.RECEIVED,)) == ["2026-000003"]


def test_no_text_lists_by_newest_and_pages(index):
    index.index([make(n, f"Request {n}") for n in range(1, 8)])
    first = index.search(SearchQuery("", size=3), TOWN)
    assert first.total == 7
    assert numbers(first) == ["2026-000007", "2026-000006", "2026-000005"]
    last = index.search(SearchQuery("", size=3, offset=6), TOWN)
    assert numbers(last) == ["2026-000001"]


def test_an_older_version_never_overwrites_a_newer_one(index):
    index.index([make(1, "Streetlight out", version=3, status=Status.IN_PROGRESS)])
    index.index([make(1, "Streetlight out", version=2, status=Status.RECEIVED)])
    assert index.version_of("card-1") == 3
    (hit,) = index.search(SearchQuery("streetlight"), TOWN).hits
    assert hit.status == Status.IN_PROGRESS
    # The same version again (a retried batch) is harmless; a newer one wins.
    index.index([make(1, "Streetlight out", version=3, status=Status.IN_PROGRESS)])
    index.index([make(1, "Streetlight fixed", version=4, status=Status.CLOSED)])
    (hit,) = index.search(SearchQuery("streetlight"), TOWN).hits
    assert (hit.status, hit.subject) == (Status.CLOSED, "Streetlight fixed")
    assert index.search(SearchQuery("out"), TOWN).total == 0
    assert index.version_of("card-9") is None


def test_scope_limits_what_is_found_and_whose_private_text_matches(index):
    index.index(
        [
            make(1, "Streetlight out", department="lighting"),
            make(2, "Pothole by the streetlight", department="roads", category="roads.potholes"),
            make(
                3,
                "Home care for Anna Ivanova",
                department="social",
                category="social.home_care",
                sensitive=True,
                description="Needs help after hospital, diabetes",
            ),
            make(4, "Streetlight near school", department="lighting", executor_id="ex-ivan"),
        ]
    )
    # An executor of roads finds roads' cards and the card they own elsewhere.
    assert sorted(numbers(index.search(SearchQuery("streetlight"), ROADS))) == [
        "2026-000002",
        "2026-000004",
    ]
    # The sensitive card's text matches for its department only...
    assert numbers(index.search(SearchQuery("diabetes"), SOCIAL)) == ["2026-000003"]
    (hit,) = index.search(SearchQuery("diabetes"), SOCIAL).hits
    assert "«diabetes»" in hit.highlights["description"][0]
    # ...not for town-wide roles, who find it by filters only, its subject hidden.
    assert index.search(SearchQuery("diabetes"), TOWN).total == 0
    assert index.search(SearchQuery("Ivanova"), TOWN).total == 3  # the open cards' requester
    listed = index.search(SearchQuery("", SearchFilters(department=("social",))), TOWN)
    (hidden,) = listed.hits
    assert hidden.subject == HIDDEN
    assert hidden.highlights == {}
    # Nobody outside sees it at all.
    assert index.search(SearchQuery("", SearchFilters(department=("social",))), ROADS).total == 0

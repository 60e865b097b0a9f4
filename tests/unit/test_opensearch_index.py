"""The OpenSearch adapter's half of the contract that needs no cluster: the mapping it installs,
the bulk writes it sends, the queries it builds and how it reads answers (shaped as OpenSearch
answers). The same adapter runs the contract suite against a real cluster when OPENSEARCH_URL
is set."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.adapters.opensearch_index import (
    OpenSearchIndex,
    bulk_body,
    failed_ids,
    index_template,
    parse_response,
    query_body,
)
from chalicelib.domain.card import Channel, Status
from chalicelib.domain.search import HIDDEN, TEXT_FIELDS, Facet, SearchFilters, SearchQuery
from tests.contract.test_search_index import ROADS, SOCIAL, TOWN, make


def test_the_mapping_is_strict_and_analyzes_text_in_english_and_russian():
    mappings = index_template("civicdesk-cards")["template"]["mappings"]
    assert mappings["dynamic"] == "strict"
    for group in ("open", "private"):
        fields = mappings["properties"][group]["properties"]
        assert set(fields) == set(TEXT_FIELDS)
        for spec in fields.values():
            assert spec["analyzer"] == "english"
            assert spec["fields"]["ru"]["analyzer"] == "russian"
    assert mappings["properties"]["status"] == {"type": "keyword"}
    assert mappings["properties"]["overdue"] == {"type": "boolean"}


def test_bulk_writes_carry_the_card_version_as_an_external_version():
    body = bulk_body("cards", [make(1, "Streetlight out", version=4)])
    action, source = body
    assert action == {
        "index": {"_index": "cards", "_id": "card-1", "version": 4, "version_type": "external_gte"}
    }
    assert source["open"]["subject"] == "Streetlight out"
    assert source["private"] == {}
    assert source["created_at"].startswith("2026-03-03T09:00:00")


def test_a_version_conflict_is_done_and_other_failures_are_retried():
    response = {
        "errors": True,
        "items": [
            {"index": {"_id": "a", "status": 201}},
            {"index": {"_id": "b", "status": 409, "error": {"type": "version_conflict"}}},
            {"index": {"_id": "c", "status": 429, "error": {"type": "es_rejected_execution"}}},
            {"index": {"_id": "d", "status": 500}},
        ],
    }
    assert failed_ids(response) == ["c", "d"]


def test_a_departments_query_limits_the_cards_and_gates_private_text():
    query = SearchQuery(
        "streetlight Lenina",
        SearchFilters(
            status=(Status.CLOSED,),
            category=("lighting",),
            channel=(Channel.PHONE,),
            created_from=date(2026, 3, 1),
            created_to=date(2026, 3, 31),
            overdue=True,
        ),
        size=10,
        offset=20,
    )
    body = query_body(query, ROADS)
    assert (body["from"], body["size"]) == (20, 10)
    filters = body["query"]["bool"]["filter"]
    visibility = filters[0]["bool"]["should"]
    assert visibility == [
        {"terms": {"department": ["roads"]}},
        {"term": {"executor_id": "ex-ivan"}},
    ]
    assert {"terms": {"status": ["closed"]}} in filters
    assert {"terms": {"channel": ["phone"]}} in filters
    assert {"range": {"created_at": {"gte": "2026-03-01", "lt": "2026-04-01"}}} in filters
    assert {"term": {"overdue": True}} in filters
    (text,) = body["query"]["bool"]["must"]
    open_match, private = text["bool"]["should"]
    assert open_match["simple_query_string"]["default_operator"] == "and"
    assert open_match["simple_query_string"]["flags"] == "NONE"  # typed operators are text
    assert "open.subject^3" in open_match["simple_query_string"]["fields"]
    assert "open.description.ru" in open_match["simple_query_string"]["fields"]
    assert private["bool"]["filter"][0]["bool"]["should"][0] == {"terms": {"department": ["roads"]}}
    assert set(body["aggs"]) == {f.value for f in Facet}
    assert body["highlight"]["pre_tags"] == ["«"]


def test_a_town_wide_listing_without_words_has_no_visibility_filter_and_sorts_by_date():
    body = query_body(SearchQuery(""), TOWN)
    assert body["query"]["bool"] == {"must": [], "filter": []}
    assert body["sort"] == [{"created_at": "desc"}, {"number": "desc"}]


def _answer(*sources: dict[str, Any], highlight: dict[str, list[str]] | None = None):
    return {
        "hits": {
            "total": {"value": len(sources), "relation": "eq"},
            "hits": [
                {"_id": s["id"], "_score": 2.5, "_source": s, "highlight": highlight or {}}
                for s in sources
            ],
        },
        "aggregations": {
            "overdue": {"buckets": [{"key": 0, "key_as_string": "false", "doc_count": 1}]},
            "status": {"buckets": [{"key": "received", "doc_count": 1}]},
        },
    }


def test_answers_become_hits_and_private_highlights_stay_with_those_who_may_read_them():
    from chalicelib.domain.search import plain

    sensitive = plain(make(3, "Home care", department="social", sensitive=True))
    answer = _answer(sensitive, highlight={"private.description": ["needs «care»"]})
    (inside,) = parse_response(answer, SOCIAL).hits
    assert inside.subject == "Home care"
    assert inside.highlights == {"description": ["needs «care»"]}
    (outside,) = parse_response(answer, TOWN).hits
    assert outside.subject == HIDDEN
    assert outside.highlights == {}
    result = parse_response(answer, TOWN)
    assert result.total == 1
    assert result.facets[Facet.OVERDUE] == {"false": 1}
    assert result.facets[Facet.STATUS] == {"received": 1}
    assert result.facets[Facet.DISTRICT] == {}


class FakeIndices:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.present = False

    def put_index_template(self, **kwargs: Any) -> None:
        self.calls.append(("put_index_template", kwargs))

    def exists(self, **kwargs: Any) -> bool:
        return self.present

    def create(self, **kwargs: Any) -> None:
        self.calls.append(("create", kwargs))
        self.present = True


class FakeClient:
    """Records what the adapter sends; answers as OpenSearch does."""

    def __init__(self) -> None:
        self.indices = FakeIndices()
        self.bulks: list[dict[str, Any]] = []

    def bulk(self, **kwargs: Any) -> dict[str, Any]:
        self.bulks.append(kwargs)
        return {"errors": True, "items": [{"index": {"_id": "card-2", "status": 503}}]}


def test_install_is_idempotent_and_index_reports_what_to_retry():
    client = FakeClient()
    index = OpenSearchIndex(client, "cards")
    index.install()
    index.install()
    assert [name for name, _ in client.indices.calls] == [
        "put_index_template",
        "create",
        "put_index_template",
    ]
    assert index.index([]) == []
    assert client.bulks == []
    assert index.index([make(1, "One"), make(2, "Two")]) == ["card-2"]
    (sent,) = client.bulks
    assert sent["refresh"] == "false"
    assert sent["index"] == "cards"  # under the index's path: what the indexer's role may write
    assert len(sent["body"]) == 4


def test_the_first_write_of_a_fresh_indexer_installs_the_mapping_first():
    client = FakeClient()
    index = OpenSearchIndex(client, "cards")
    index.index([make(1, "One")])
    index.index([make(2, "Two")])
    assert [name for name, _ in client.indices.calls] == ["put_index_template", "create"]
    assert len(client.bulks) == 2

"""The SearchIndex on Amazon OpenSearch Service, through opensearch-py.

Contract with the cluster (tested by building it here and by the contract suite when
OPENSEARCH_URL is set):

- one index (``civicdesk-cards`` by default) created from the index template ``index_template``:
  keyword fields to filter and count by, ``open.*`` and ``private.*`` text fields each analyzed
  twice (``english``, and ``russian`` in a ``.ru`` sub-field), dynamic mapping off;
- documents keyed by card id with the card's version as an *external* version
  (``external_gte``): an older version is refused by the cluster itself (409, counted as done),
  the same version again is harmless;
- queries as built by ``query_body``: all words must match (``simple_query_string``, so user
  input never breaks the query syntax), the private fields only within the searcher's scope,
  filters, ``terms`` aggregations per facet and highlights wrapped in « ».
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from chalicelib.domain import search
from chalicelib.domain.search import (
    TEXT_FIELDS,
    Facet,
    Scope,
    SearchDoc,
    SearchQuery,
    SearchResult,
)

DEFAULT_INDEX = "civicdesk-cards"
SUBJECT_BOOST = 3
FACET_FIELDS = {
    Facet.STATUS: "status",
    Facet.CATEGORY: "category_top",
    Facet.DEPARTMENT: "department",
    Facet.DISTRICT: "district",
    Facet.CHANNEL: "channel",
    Facet.OVERDUE: "overdue",
}
_KEYWORDS = (
    "number",
    "status",
    "category",
    "category_top",
    "department",
    "district",
    "channel",
    "executor_id",
)
_TEXT = {
    "type": "text",
    "analyzer": "english",
    "fields": {"ru": {"type": "text", "analyzer": "russian"}},
}


def index_template(index: str) -> dict[str, Any]:
    return {
        "index_patterns": [f"{index}*"],
        "template": {
            # One copy on each of up to two nodes: a small town's single node stays green (a
            # replica it cannot place would keep the cluster yellow and its alarm on).
            "settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"},
            "mappings": {
                "dynamic": "strict",
                "properties": {
                    **{name: {"type": "keyword"} for name in _KEYWORDS},
                    "id": {"type": "keyword"},
                    "version": {"type": "long"},
                    "subject": {"type": "keyword", "index": False},  # shown, not searched
                    "created_at": {"type": "date"},
                    "updated_at": {"type": "date"},
                    "overdue": {"type": "boolean"},
                    "sensitive": {"type": "boolean"},
                    "open": {"properties": dict.fromkeys(TEXT_FIELDS, _TEXT)},
                    "private": {"properties": dict.fromkeys(TEXT_FIELDS, _TEXT)},
                },
            },
        },
    }


def bulk_body(index: str, docs: Sequence[SearchDoc]) -> list[dict[str, Any]]:
    """Action and source pairs: each card's doc under its id, versioned by the card."""
    body: list[dict[str, Any]] = []
    for doc in docs:
        body.append(
            {
                "index": {
                    "_index": index,
                    "_id": doc.id,
                    "version": doc.version,
                    "version_type": "external_gte",
                }
            }
        )
        body.append(search.plain(doc))
    return body


def failed_ids(response: dict[str, Any]) -> list[str]:
    """Ids the bulk call did not write; a version conflict means a newer doc is there: done."""
    failed = []
    for item in response.get("items", []):
        result = item.get("index", {})
        if result.get("status", 500) >= 300 and result.get("status") != 409:
            failed.append(str(result.get("_id")))
    return failed


def _fields(group: str) -> list[str]:
    return [
        f"{group}.{name}{suffix}" + (f"^{SUBJECT_BOOST}" if name == "subject" else "")
        for name in TEXT_FIELDS
        for suffix in ("", ".ru")
    ]


def _text(query: str, group: str) -> dict[str, Any]:
    return {
        "simple_query_string": {
            "query": query,
            "fields": _fields(group),
            "default_operator": "and",
            # Plain words only: operators in what people type are taken as text.
            "flags": "NONE",
        }
    }


def _within(scope: Scope, departments: frozenset[str]) -> dict[str, Any]:
    return {
        "bool": {
            "should": [
                {"terms": {"department": sorted(departments)}},
                {"term": {"executor_id": scope.staff_id}},
            ],
            "minimum_should_match": 1,
        }
    }


def query_body(query: SearchQuery, scope: Scope) -> dict[str, Any]:
    f = query.filters
    filters: list[dict[str, Any]] = []
    if not scope.everything:
        filters.append(_within(scope, scope.departments))
    if f.status:
        filters.append({"terms": {"status": [s.value for s in f.status]}})
    if f.category:
        categories = list(f.category)
        filters.append(
            {
                "bool": {
                    "should": [
                        {"terms": {"category": categories}},
                        {"terms": {"category_top": categories}},
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    for name, values in (("department", f.department), ("district", f.district)):
        if values:
            filters.append({"terms": {name: list(values)}})
    if f.channel:
        filters.append({"terms": {"channel": [c.value for c in f.channel]}})
    if f.created_from or f.created_to:
        span: dict[str, str] = {}
        if f.created_from:
            span["gte"] = f.created_from.isoformat()
        if f.created_to:
            span["lt"] = (f.created_to + timedelta(days=1)).isoformat()
        filters.append({"range": {"created_at": span}})
    if f.overdue is not None:
        filters.append({"term": {"overdue": f.overdue}})
    text = query.text.strip()
    must: list[dict[str, Any]] = []
    if text:
        private = {
            "bool": {
                "must": [_text(text, "private")],
                "filter": [_within(scope, scope.private_departments)],
            }
        }
        must.append({"bool": {"should": [_text(text, "open"), private], "minimum_should_match": 1}})
    return {
        "from": query.offset,
        "size": query.size,
        "track_total_hits": True,
        "query": {"bool": {"must": must, "filter": filters}},
        "sort": (
            ["_score", {"created_at": "desc"}]
            if text
            else [{"created_at": "desc"}, {"number": "desc"}]
        ),
        "aggs": {
            facet.value: {"terms": {"field": field, "size": 100}}
            for facet, field in FACET_FIELDS.items()
        },
        "highlight": {
            "pre_tags": ["«"],
            "post_tags": ["»"],
            "number_of_fragments": 1,
            "fragment_size": 120,
            "fields": {"open.*": {}, "private.*": {}},
        },
    }


def parse_response(response: dict[str, Any], scope: Scope) -> SearchResult:
    hits = []
    for raw in response["hits"]["hits"]:
        highlights: dict[str, list[str]] = {}
        for path, fragments in raw.get("highlight", {}).items():
            name = path.split(".")[1]  # open.subject.ru -> subject
            highlights.setdefault(name, list(fragments))
        doc = search.from_plain(raw["_source"])
        hits.append(search.hit(doc, float(raw.get("_score") or 0.0), highlights, scope))
    facets = {
        facet: {
            str(b.get("key_as_string", b["key"])): int(b["doc_count"])
            for b in response.get("aggregations", {}).get(facet.value, {}).get("buckets", [])
        }
        for facet in FACET_FIELDS
    }
    return SearchResult(total=int(response["hits"]["total"]["value"]), hits=hits, facets=facets)


class OpenSearchIndex:
    def __init__(self, client: Any, index: str = DEFAULT_INDEX, *, refresh: bool = False) -> None:
        self._client = client
        self._index = index
        # Tests read their writes at once; the indexer lets the cluster refresh on its own.
        self._refresh = refresh
        self._installed = False

    def install(self) -> None:
        """The index template, then the index (idempotent: a deploy step or reindex runs it)."""
        self._client.indices.put_index_template(name=self._index, body=index_template(self._index))
        if not self._client.indices.exists(index=self._index):
            self._client.indices.create(index=self._index)
        self._installed = True

    def drop(self) -> None:
        self._client.indices.delete(index=self._index, ignore_unavailable=True)
        self._client.indices.delete_index_template(name=self._index)

    def index(self, docs: Sequence[SearchDoc]) -> list[str]:
        if not docs:
            return []
        if not self._installed:
            # Once per warm indexer: a first write must never create the index unmapped.
            self.install()
        # Under the index's path (not /_bulk): the indexer's role may write this index only.
        response = self._client.bulk(
            index=self._index,
            body=bulk_body(self._index, docs),
            refresh="wait_for" if self._refresh else "false",
        )
        return failed_ids(response) if response.get("errors") else []

    def search(self, query: SearchQuery, scope: Scope) -> SearchResult:
        response = self._client.search(index=self._index, body=query_body(query, scope))
        return parse_response(response, scope)

    def version_of(self, card_id: str) -> int | None:
        from opensearchpy.exceptions import NotFoundError

        try:
            found = self._client.get(index=self._index, id=card_id, _source=False)
        except NotFoundError:
            return None
        return int(found["_version"])


def aws_client(endpoint: str, region: str) -> Any:
    """A client signing each request with the function's role (SigV4, service ``es``)."""
    import boto3
    from opensearchpy import OpenSearch, Urllib3AWSV4SignerAuth, Urllib3HttpConnection

    credentials = boto3.Session().get_credentials()
    return OpenSearch(
        hosts=[{"host": endpoint.removeprefix("https://"), "port": 443}],
        http_auth=Urllib3AWSV4SignerAuth(credentials, region, "es"),
        use_ssl=True,
        verify_certs=True,
        connection_class=Urllib3HttpConnection,
        timeout=10,
        max_retries=2,
        retry_on_timeout=True,
    )


def plain_client(url: str) -> Any:
    """A client for a cluster at ``url`` (a test or self-hosted OpenSearch)."""
    from opensearchpy import OpenSearch

    return OpenSearch(hosts=[url], timeout=10)

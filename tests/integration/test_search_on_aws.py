"""Search end to end under moto: cards written through the API, the table's stream read as
Lambda's event source mapping reads it (records in AWS's shape, the mapping's filter), the
indexer function, and the search API with each role's view."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters.embedded_search import EmbeddedSearchIndex
from infrastructure.local.mailroom import LambdaContext
from infrastructure.local.streams import MemoryCheckpoints, StreamReader
from tests.conftest import card_form
from tests.factories import queue_only_rules
from tests.integration.conftest import body


@pytest.fixture
def index() -> EmbeddedSearchIndex:
    return EmbeddedSearchIndex()


@pytest.fixture
def api(make_api, index):
    return make_api(routing_rules=queue_only_rules(), search_index=index)


@pytest.fixture
def stream(aws, settings) -> StreamReader:
    import boto3

    arn = aws["dynamodb"].describe_table(TableName=settings.table_name)["Table"]["LatestStreamArn"]
    return StreamReader(
        boto3.client("dynamodbstreams"), arn, name="search-indexer", checkpoints=MemoryCheckpoints()
    )


def run_indexer(stream: StreamReader) -> int:
    from functions import search_indexer

    return stream.feed(search_indexer.STREAM_FILTER, search_indexer.handler, _ctx()).delivered


def _ctx() -> Any:
    return LambdaContext("search-indexer")


def submit(api, subject: str, description: str, **extra: Any) -> str:
    form = card_form(subject=subject, description=description, **extra)
    answer = api.post("/requests", form)
    assert answer.status_code == 201, body(answer)
    return body(answer)["number"]


def find(api, query: str, staff: str = "op-olga") -> dict[str, Any]:
    answer = api.get(f"/staff/search?{query}", staff=staff)
    assert answer.status_code == 200, body(answer)
    return body(answer)


def test_written_cards_are_found_by_word_forms_with_snippets_and_facets(api, stream):
    lamp = submit(
        api,
        "Streetlight out on Lenina",
        "The streetlights by Lenina 5 are dark",
        category="lighting.streetlight_out",
    )
    hole = submit(api, "Pothole", "A deep pothole near the school")
    assert run_indexer(stream) == 2  # card items only: history and counters are filtered out
    found = find(api, "q=streetlight%20lenina")
    assert [h["number"] for h in found["hits"]] == [lamp]
    (hit,) = found["hits"]
    assert "«Streetlight»" in hit["highlights"]["subject"][0]
    assert hit["category_label"] == "Street lighting › Streetlight out"
    assert found["facets"]["category"] == {"lighting": 1}
    everything = find(api, "q=")
    assert everything["total"] == 2
    assert everything["facets"]["status"] == {"received": 2}
    assert {h["number"] for h in everything["hits"]} == {lamp, hole}

    # A staff note is searchable at once after the next batch; so is a status change.
    version = body(api.get(f"/staff/cards/{hole}", staff="mgr-sergey"))["version"]
    noted = api.post(
        f"/staff/cards/{hole}/comments",
        {"text": "Asphalt crew booked for Tuesday", "version": version},
        staff="mgr-sergey",
    )
    assert noted.status_code == 201
    run_indexer(stream)
    (booked,) = find(api, "q=asphalt")["hits"]
    assert booked["number"] == hole
    assert "«Asphalt»" in booked["highlights"]["internal"][0]


def test_each_role_finds_what_it_may_see(api, stream):
    roads = submit(api, "Pothole on Lenina", "Deep pothole")
    lights = submit(
        api, "Streetlight on Lenina", "Dark street", category="lighting.streetlight_out"
    )
    run_indexer(stream)
    assert {h["number"] for h in find(api, "q=lenina", "op-olga")["hits"]} == {roads, lights}
    assert [h["number"] for h in find(api, "q=lenina", "ex-ivan")["hits"]] == [roads]
    assert [h["number"] for h in find(api, "q=lenina", "ex-pavel")["hits"]] == [lights]


def test_filters_pages_and_bad_parameters(api, stream):
    numbers = [submit(api, f"Pothole {n}", "Deep pothole") for n in range(3)]
    run_indexer(stream)
    first = find(api, "q=pothole&size=2&status=received&department=roads")
    assert first["total"] == 3
    assert len(first["hits"]) == 2
    rest = find(api, f"q=pothole&size=2&status=received&department=roads&cursor={first['cursor']}")
    assert rest["cursor"] is None
    assert {h["number"] for h in first["hits"] + rest["hits"]} == set(numbers)
    assert find(api, "q=pothole&status=closed")["total"] == 0
    assert find(api, "q=pothole&overdue=true")["total"] == 0
    assert find(api, "q=pothole&channel=web&from=2026-01-01&to=2026-12-31")["total"] == 3
    for query, field in [
        ("status=lost", "status"),
        ("channel=fax", "channel"),
        ("from=yesterday", "from"),
        ("from=2026-03-02&to=2026-03-01", "to"),
        ("overdue=maybe", "overdue"),
        ("size=0", "size"),
        ("size=many", "size"),
        ("cursor=%%%", "cursor"),
        ("q=" + "x" * 201, "q"),
    ]:
        answer = api.get(f"/staff/search?{query}", staff="op-olga")
        assert answer.status_code == 400, query
        assert [f["field"] for f in body(answer)["error"]["fields"]] == [field], query
    assert api.get("/staff/search?q=pothole").status_code == 401


def test_a_batch_the_index_refuses_is_reported_record_by_record(api, stream, index):
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    from functions import search_indexer

    refused = submit(api, "Pothole", "Deep pothole")
    taken = submit(api, "Bench", "Broken bench", category="lighting.streetlight_out")
    cards = [r for r in stream.read() if r["dynamodb"]["Keys"]["sk"]["S"] == "#CARD"]
    refused_id = api.container.cards.get(refused).id

    class Refusing(EmbeddedSearchIndex):
        def __init__(self, ids: set[str]) -> None:
            super().__init__()
            self.ids = ids

        def index(self, docs):
            super().index([d for d in docs if d.id not in self.ids])
            return [d.id for d in docs if d.id in self.ids]

    _use_index(api, Refusing({refused_id}))
    answer = search_indexer.handler({"Records": cards}, _ctx())
    assert [f["itemIdentifier"] for f in answer["batchItemFailures"]] == [
        cards[0]["dynamodb"]["SequenceNumber"]
    ]
    assert [h.number for h in api.container.search_index.search(_all(), _town()).hits] == [taken]
    # Every record refused: the whole batch fails, Lambda retries it, then the failure queue.
    _use_index(api, Refusing({refused_id, api.container.cards.get(taken).id}))
    with pytest.raises(BatchProcessingError):
        search_indexer.handler({"Records": cards}, _ctx())
    # The reindex command rebuilds from the table.
    assert index.version_of(refused_id) is None
    _use_index(api, index)
    assert api.container.search.reindex() == 2
    assert index.version_of(refused_id) == 1


def _use_index(api, index) -> None:
    """A different index for the running container: its search use cases are built anew."""
    api.container.__dict__["search_index"] = index
    api.container.__dict__.pop("search", None)


def _all():
    from chalicelib.domain.search import SearchQuery

    return SearchQuery("")


def _town():
    from chalicelib.domain.search import Scope

    return Scope(
        everything=True, departments=frozenset(), private_departments=frozenset(), staff_id="op"
    )


def test_a_sensitive_cards_text_is_found_by_its_department_only(api, stream):
    number = submit(
        api,
        "No doctor for my diabetes",
        "I need insulin prescriptions",
        category="health.medical_access",
    )
    run_indexer(stream)
    assert find(api, "q=insulin", "op-olga")["total"] == 0
    listed = find(api, "q=&department=social", "op-olga")
    assert [(h["number"], h["subject"]) for h in listed["hits"]] == [(number, "hidden")]
    assert listed["hits"][0]["highlights"] == {}
    own = find(api, "q=insulin", "mgr-tatiana")
    assert [h["number"] for h in own["hits"]] == [number]
    assert "«insulin»" in own["hits"][0]["highlights"]["description"][0]
    assert find(api, "q=insulin", "ex-ivan")["total"] == 0

"""One contract, every ApiKeys: in memory and on DynamoDB under moto."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from chalicelib.adapters.dynamodb_api_keys import DynamoApiKeys
from chalicelib.adapters.memory_api_keys import InMemoryApiKeys
from chalicelib.domain.api_keys import ApiKey, digest_of, new_key, short_id
from chalicelib.domain.errors import NotFound
from chalicelib.ports import ApiKeys
from tests.conftest import AWS_FIXTURES


@pytest.fixture(params=["memory", "dynamodb"])
def keys(request, settings) -> Iterator[ApiKeys]:
    if request.param == "memory":
        yield InMemoryApiKeys()
    else:
        aws = request.getfixturevalue(AWS_FIXTURES[request.param])
        yield DynamoApiKeys(aws["dynamodb"], settings.table_name)


def _issued(name: str, clock) -> tuple[str, ApiKey]:
    key = new_key()
    digest = digest_of(key)
    return key, ApiKey(
        id=short_id(digest),
        name=name,
        owner="mySociety, fms@example.org",
        per_hour=50,
        issued_at=clock.now(),
        issued_by="adm-dmitry",
        digest=digest,
    )


def test_a_key_is_found_by_its_hash_only_and_listed_without_it(keys, clock):
    key, record = _issued("FixMyStreet", clock)
    keys.add(record)
    clock.advance(timedelta(minutes=1))
    _, other = _issued("SeeClickFix", clock)
    keys.add(other)
    found = keys.by_digest(digest_of(key))
    assert found == record
    assert found is not None
    assert found.active
    assert keys.by_digest(digest_of(key + "x")) is None
    assert [k.name for k in keys.every()] == ["FixMyStreet", "SeeClickFix"]
    assert key not in found.model_dump_json()  # neither the key nor its hash is in a view
    assert record.digest not in found.model_dump_json()


def test_revoking_is_kept_and_revoking_twice_keeps_the_first(keys, clock):
    key, record = _issued("FixMyStreet", clock)
    keys.add(record)
    first = keys.revoke(record.id, by="adm-dmitry", at=clock.now())
    clock.advance(timedelta(hours=1))
    again = keys.revoke(record.id, by="someone", at=clock.now())
    assert again.revoked_at == first.revoked_at
    assert again.revoked_by == "adm-dmitry"
    stored = keys.by_digest(digest_of(key))
    assert stored is not None
    assert not stored.active
    with pytest.raises(NotFound):
        keys.revoke("nope", by="adm-dmitry", at=clock.now())

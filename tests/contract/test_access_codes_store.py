"""One contract, every AccessCodes: the in-memory twin and DynamoDB under moto."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamodb_access_codes import DynamoAccessCodes
from chalicelib.adapters.memory_access_codes import InMemoryAccessCodes
from chalicelib.domain import access_codes as ac
from chalicelib.domain.errors import ConflictError
from tests.conftest import AWS_FIXTURES, START


@pytest.fixture(params=["memory", "dynamodb", "local-stack"])
def codes(request, settings):
    if request.param == "memory":
        return InMemoryAccessCodes()
    aws = request.getfixturevalue(AWS_FIXTURES[request.param])
    return DynamoAccessCodes(aws["dynamodb"], settings.table_name)


def test_a_code_is_replaced_only_from_the_version_read(codes):
    assert codes.get("2026-000001") is None
    first = ac.issue(None, "2026-000001", "123456", now=START)
    codes.put(first)
    assert codes.get("2026-000001") == first
    with pytest.raises(ConflictError):
        codes.put(first)  # a second "first" code, raced
    _, tried = ac.redeem(first, "000000", now=START)
    assert tried is not None
    codes.put(tried)
    with pytest.raises(ConflictError):
        codes.put(tried)
    assert codes.get("2026-000001") == tried

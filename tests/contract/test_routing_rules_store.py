"""One contract for RoutingRules: the in-memory twin and DynamoDB under moto."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters.dynamodb_rules import DynamoRoutingRules
from chalicelib.adapters.memory_rules import InMemoryRoutingRules
from chalicelib.adapters.rules_config import load_seed_rules
from chalicelib.domain.errors import ConflictError, NotFound
from chalicelib.domain.routing import Rule
from tests.conftest import AWS_FIXTURES, START


@pytest.fixture(params=["memory", "dynamodb", "local-stack"])
def rules(request, settings):
    def seed():
        return load_seed_rules(START)

    if request.param == "memory":
        return InMemoryRoutingRules(seed)
    return DynamoRoutingRules(
        request.getfixturevalue(AWS_FIXTURES[request.param])["dynamodb"], settings.table_name, seed
    )


def test_the_shipped_rules_are_version_one_until_someone_saves(rules):
    current = rules.current()
    assert current.version == 1
    assert current.saved_by == "seed"
    assert current == load_seed_rules(START)
    assert rules.version(1) == current


def test_each_save_is_a_new_version_and_old_ones_stay_readable(rules):
    first = rules.current()
    second = first.model_copy(
        update={
            "version": 2,
            "rules": (Rule(id="everything-to-roads", department="roads"),),
            "saved_by": "adm-dmitry",
            "saved_at": START + timedelta(hours=1),
        }
    )
    rules.save(second)
    assert rules.current() == second
    assert rules.version(1) == first
    assert rules.version(2) == second
    with pytest.raises(NotFound):
        rules.version(3)


def test_a_save_based_on_an_old_version_is_refused(rules):
    first = rules.current()
    mine = first.model_copy(update={"version": 2, "saved_by": "adm-dmitry"})
    theirs = first.model_copy(update={"version": 2, "saved_by": "someone-else"})
    rules.save(mine)
    with pytest.raises(ConflictError) as conflict:
        rules.save(theirs)
    assert conflict.value.current_version == 2
    assert rules.current().saved_by == "adm-dmitry"
    with pytest.raises(ConflictError):
        rules.save(first.model_copy(update={"version": 5}))  # skipping versions is stale too


def test_a_save_by_another_process_is_seen_by_the_next_read(aws, settings):
    """Two warm Lambdas: one saves, the other's very next read has the new rules."""

    def seed():
        return load_seed_rules(START)

    reader = DynamoRoutingRules(aws["dynamodb"], settings.table_name, seed)
    writer = DynamoRoutingRules(aws["dynamodb"], settings.table_name, seed)
    first = reader.current()
    assert reader.current() is first  # unchanged: the cached object, nothing parsed again
    writer.save(first.model_copy(update={"version": 2, "saved_by": "adm-dmitry"}))
    assert reader.current().version == 2

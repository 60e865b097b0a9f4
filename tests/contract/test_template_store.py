"""One contract, every TemplateStore: the in-memory twin and DynamoDB under moto."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.dynamodb_templates import DynamoTemplates
from chalicelib.adapters.memory_templates import InMemoryTemplates
from chalicelib.adapters.shipped_templates import default_source
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.message_templates import TOWN, TemplateVersion
from tests.conftest import AWS_FIXTURES, START

SHIPPED = default_source("receipt", "en")


@pytest.fixture(params=["memory", "dynamodb", "local-stack"])
def store(request, settings):
    clock = ManualClock(START)
    if request.param == "memory":
        return InMemoryTemplates(clock.now), clock
    aws = request.getfixturevalue(AWS_FIXTURES[request.param])
    return DynamoTemplates(aws["dynamodb"], settings.table_name, now=clock.now), clock


def _version(scope: str, version: int, source: str | None) -> TemplateVersion:
    return TemplateVersion(
        kind="receipt",
        locale="en",
        scope=scope,
        version=version,
        source=source,
        saved_at=START,
        saved_by="adm-dmitry",
    )


def test_versions_are_kept_and_a_stale_save_is_refused(store):
    templates, _ = store
    assert templates.current("receipt", "en", TOWN) is None
    templates.save(_version(TOWN, 1, "one"))
    templates.save(_version(TOWN, 2, "two"))
    with pytest.raises(ConflictError) as stale:
        templates.save(_version(TOWN, 2, "another two"))
    assert stale.value.current_version == 2
    assert templates.current("receipt", "en", TOWN) == _version(TOWN, 2, "two")
    assert [v.source for v in templates.versions("receipt", "en", TOWN)] == ["one", "two"]
    assert templates.versions("receipt", "ru", TOWN) == []


def test_a_department_falls_back_to_the_town_then_to_the_shipped_file(store):
    templates, _ = store
    assert templates.source("receipt", "en", "roads") == SHIPPED
    templates.save(_version(TOWN, 1, "town"))
    assert templates.source("receipt", "en", "roads") == "town"
    templates.save(_version("roads", 1, "roads"))
    assert templates.source("receipt", "en", "roads") == "roads"
    assert templates.source("receipt", "en", "parks") == "town"
    templates.save(_version("roads", 2, None))  # the override withdrawn
    assert templates.source("receipt", "en", "roads") == "town"


def test_another_warm_function_sees_a_change_within_a_minute(aws, settings):
    clock = ManualClock(START)
    reader = DynamoTemplates(aws["dynamodb"], settings.table_name, now=clock.now)
    writer = DynamoTemplates(aws["dynamodb"], settings.table_name, now=clock.now)
    assert reader.source("receipt", "en", "roads") == SHIPPED
    writer.save(_version(TOWN, 1, "from the other one"))
    assert reader.source("receipt", "en", "roads") == SHIPPED  # cached
    clock.advance(timedelta(minutes=1))
    assert reader.source("receipt", "en", "roads") == "from the other one"

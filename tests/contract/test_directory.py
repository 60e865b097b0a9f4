"""One contract for the Directory: the seed files read directly, and the table (under moto)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.dynamodb_directory import DynamoDirectory
from chalicelib.adapters.static_directory import StaticDirectory, read_source
from chalicelib.domain.errors import ConflictError
from tests.conftest import AWS_FIXTURES, START


@pytest.fixture(params=["files", "dynamodb", "local-stack"])
def directory(request, settings):
    if request.param == "files":
        return StaticDirectory.from_file()
    aws = request.getfixturevalue(AWS_FIXTURES[request.param])
    return DynamoDirectory(
        aws["dynamodb"], settings.table_name, seed=read_source, clock=ManualClock(START)
    )


def test_the_town_as_the_seed_describes_it(directory):
    tree = directory.categories()
    assert tree.label("roads.potholes") == "Roads › Potholes"
    assert tree.is_sensitive("health.medical_access")
    assert tree.needs_manual_control("other.staff_complaint")
    assert directory.department("roads").name.ru == "Дорожная служба"
    assert directory.department("nowhere") is None
    assert directory.staff_member("ex-ivan").departments == frozenset({"roads"})
    assert len(directory.staff()) == 13
    assert [d.id for d in directory.departments()][:2] == ["front_office", "roads"]
    territory = directory.territory()
    assert territory.at_point(37.618, 55.751).id == "d3"
    assert territory.by_address("ул. Садовая, 12").id == "d1"
    assert {s.staff_id for s in directory.duty_shifts()} == {"ex-boris", "ex-maria"}


def test_a_new_version_reaches_a_warm_function_within_its_max_age(aws, settings):
    clock = ManualClock(START)
    reader = DynamoDirectory(aws["dynamodb"], settings.table_name, seed=read_source, clock=clock)
    writer = DynamoDirectory(aws["dynamodb"], settings.table_name, seed=read_source, clock=clock)
    assert reader.staff_member("ex-olesya") is None  # seeds the table as version 1
    assert reader.version == 1
    source = read_source()
    hired = source.document.staff[1].model_copy(
        update={"id": "ex-olesya", "name": "Olesya Gromova", "email": "olesya@town.example"}
    )
    newer = source.__class__(
        document=source.document.model_copy(update={"staff": (*source.document.staff, hired)}),
        districts=source.districts,
        streets=source.streets,
    )
    assert writer.publish(newer, expected=1) == 2
    assert reader.staff_member("ex-olesya") is None  # still within the minute it trusts
    clock.advance(timedelta(minutes=1))
    assert reader.staff_member("ex-olesya").name == "Olesya Gromova"
    assert reader.territory().at_point(37.618, 55.751).id == "d3"  # districts of version 2
    with pytest.raises(ConflictError) as stale:
        writer.publish(newer, expected=1)
    assert stale.value.current_version == 2


def test_an_inconsistent_directory_is_refused_before_anything_is_written(aws, settings):
    directory = DynamoDirectory(
        aws["dynamodb"], settings.table_name, seed=read_source, clock=ManualClock(START)
    )
    source = read_source()
    broken = source.__class__(
        document=source.document,
        districts=source.districts,
        streets=source.streets.model_copy(
            update={
                "streets": (
                    *source.streets.streets,
                    source.streets.streets[0].model_copy(update={"district": "d99"}),
                )
            }
        ),
    )
    with pytest.raises(ValueError, match="unknown district"):
        directory.publish(broken, expected=None)
    items = aws["dynamodb"].scan(TableName=settings.table_name)["Items"]
    assert items == []

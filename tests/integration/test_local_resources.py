"""The local stack's resources: created once, brought up to date on every start."""

from __future__ import annotations


def test_a_table_from_an_earlier_version_gets_the_indexes_added_since(aws, settings):
    from chalicelib.adapters import table_schema
    from infrastructure.local.resources import ensure_resources

    client = aws["dynamodb"]
    client.delete_table(TableName=settings.table_name)
    old = table_schema.create_table_request(settings.table_name)
    old["GlobalSecondaryIndexes"] = [
        i for i in old["GlobalSecondaryIndexes"] if i["IndexName"] != table_schema.REQUESTER_INDEX
    ]
    old["AttributeDefinitions"] = [
        a for a in old["AttributeDefinitions"] if not a["AttributeName"].startswith("requester")
    ]
    client.create_table(**old)
    ensure_resources(settings, dynamodb=client, s3=aws["s3"])
    indexes = client.describe_table(TableName=settings.table_name)["Table"][
        "GlobalSecondaryIndexes"
    ]
    assert table_schema.REQUESTER_INDEX in {i["IndexName"] for i in indexes}


def test_directory_publish_stores_the_files_once(aws, settings, monkeypatch, capsys):
    from chalicelib import bootstrap
    from chalicelib.adapters.clock import ManualClock
    from chalicelib.adapters.dynamodb_directory import DynamoDirectory
    from chalicelib.adapters.static_directory import read_source
    from infrastructure.local import cli
    from tests.conftest import START

    monkeypatch.setenv("CIVICDESK_TABLE", settings.table_name)
    bootstrap.use(None)
    try:
        assert cli.main(["directory", "publish"]) == 0
        assert cli.main(["directory", "publish"]) == 0
    finally:
        bootstrap.use(None)
    assert capsys.readouterr().out.splitlines() == [
        "directory version 1 published",
        "directory unchanged (version 1)",
    ]
    stored = DynamoDirectory(
        aws["dynamodb"], settings.table_name, seed=read_source, clock=ManualClock(START)
    )
    assert stored.stored_version() == 1
    assert stored.staff_member("ex-ivan").name == "Ivan Sokolov"


def test_cards_written_before_the_desk_index_join_it_once_refreshed(
    aws, settings, clock, directory
):
    from chalicelib.adapters import table_schema as ts
    from chalicelib.adapters.card_items import card_item
    from chalicelib.adapters.dynamodb_cards import DynamoCardRepository
    from chalicelib.adapters.memory_cards import InMemoryCardRepository
    from infrastructure.local.resources import ensure_resources
    from tests.factories import submit

    client = aws["dynamodb"]
    client.delete_table(TableName=settings.table_name)
    old = ts.create_table_request(settings.table_name)
    old["GlobalSecondaryIndexes"] = [
        i for i in old["GlobalSecondaryIndexes"] if i["IndexName"] != ts.DESK_INDEX
    ]
    old["AttributeDefinitions"] = [
        a for a in old["AttributeDefinitions"] if not a["AttributeName"].startswith("desk")
    ]
    client.create_table(**old)
    # Two cards as the version before the desk wrote them: no desk line.
    made = InMemoryCardRepository()
    for _ in range(2):
        receipt = submit(made, clock, directory)
        item = card_item(receipt.card, made.get_with_history(receipt.card.number)[1][0])
        for name in (ts.DESK_PARTITION_KEY, ts.DESK_SORT_KEY, ts.DESK_VIEW):
            del item[name]
        client.put_item(TableName=settings.table_name, Item=item)

    added = ensure_resources(settings, dynamodb=client, s3=aws["s3"])
    assert added == [ts.DESK_INDEX]
    cards = DynamoCardRepository(client, settings.table_name)
    assert cards.desk("roads") == []
    seen: list[int] = []
    assert cards.refresh_derived_keys(progress=seen.append) == 2
    assert seen == [2]
    assert len(cards.desk("roads")) == 2
    assert cards.refresh_derived_keys() == 0  # nothing left behind: a second run writes nothing
    assert ensure_resources(settings, dynamodb=client, s3=aws["s3"]) == []


def test_indexes_refresh_from_the_command_line_says_how_many_cards_changed(
    aws, settings, monkeypatch, capsys
):
    from chalicelib import bootstrap
    from infrastructure.local import cli

    monkeypatch.setenv("CIVICDESK_TABLE", settings.table_name)
    bootstrap.use(None)
    try:
        assert cli.main(["indexes", "refresh"]) == 0
    finally:
        bootstrap.use(None)
    assert capsys.readouterr().out.splitlines()[-1] == "0 cards given the keys of newer indexes"

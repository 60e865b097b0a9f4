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

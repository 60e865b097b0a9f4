"""`civicdesk demo`: a generated town, made by the product's own use cases and written with the
DynamoDB adapters' item builders, reads back through the API like any other."""

from __future__ import annotations

from collections import Counter

from chalicelib import bootstrap
from infrastructure.local.demo import seed_town
from tests.integration.conftest import body


def test_a_generated_town_reads_back_and_old_requests_were_worked_through(api, aws, settings):
    def build(**ports):
        return bootstrap.build(
            settings,
            dynamodb_client=aws["dynamodb"],
            s3_client=aws["s3"],
            directory=api.container.directory,
            link_secret=b"demo-link-secret-of-at-least-32-bytes",
            **ports,
        )

    seeded = seed_town(
        cards=60, months=3, dynamodb=aws["dynamodb"], settings=settings, build=build, seed=7
    )
    assert seeded.cards == 60
    # Staff explain a missed deadline before resolving, as the rules ask: steps are rarely refused.
    assert seeded.refused_steps <= 3
    statuses: Counter[str] = Counter()
    cursor = None
    while True:
        page = api.container.cards.every_card(limit=100, cursor=cursor)
        statuses.update(c.status.value for c in page.cards)
        cursor = page.cursor
        if cursor is None:
            break
    assert sum(statuses.values()) == 60
    assert statuses["closed"] >= 30  # the older months are mostly closed
    number = next(iter(api.container.cards.every_card(limit=1, cursor=None).cards)).number
    card = body(api.get(f"/staff/cards/{number}", staff="op-olga"))
    assert card["history"][0]["action"] == "created"

"""The desk's order, counts and pages, without storage."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from chalicelib.domain.card import Channel, Priority, Status
from chalicelib.domain.desk import DeskFilter, DeskNames, DeskRow, DeskSort, desk_page

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
NAMES = DeskNames(
    topic=lambda code: {"roads.potholes": "Roads › Potholes", "roads.signs": "Roads › Signs"}[code],
    owner=lambda staff_id: {"ex-ivan": "Ivan", "ex-maria": "Maria"}.get(staff_id or "", ""),
    district=lambda d: {"d1": "District 1", "d3": "District 3"}.get(d or "", ""),
)


def _row(n: int, **changes) -> DeskRow:
    row = DeskRow(
        number=f"2026-{n:06d}",
        subject=f"Request {n}",
        category="roads.potholes",
        priority=Priority.NORMAL,
        status=Status.RECEIVED,
        department="roads",
        executor_id=None,
        channel=Channel.WEB,
        district="d3",
        address=None,
        created_at=NOW - timedelta(days=n),
        version=1,
    )
    return replace(row, **changes)


def _numbers(page) -> list[int]:
    return [int(r.number[5:]) for r in page.rows]


def _page(rows, sort, descending=False, wanted=None, offset=0, limit=50):
    return desk_page(
        rows,
        wanted or DeskFilter(),
        sort=sort,
        descending=descending,
        offset=offset,
        limit=limit,
        names=NAMES,
        now=NOW,
    )


def test_empty_values_sort_last_whichever_way_the_column_goes():
    rows = [
        _row(1, executor_id="ex-maria"),
        _row(2),
        _row(3, executor_id="ex-ivan"),
    ]
    assert _numbers(_page(rows, DeskSort.OWNER)) == [3, 1, 2]
    assert _numbers(_page(rows, DeskSort.OWNER, descending=True)) == [1, 3, 2]


def test_the_most_overdue_comes_first_then_the_soonest_deadline():
    rows = [
        _row(1, deadline=NOW + timedelta(hours=1)),
        _row(2, overdue_since=NOW - timedelta(days=2)),
        _row(3, overdue_since=NOW - timedelta(hours=1), deadline=NOW + timedelta(days=3)),
        _row(4),
    ]
    assert _numbers(_page(rows, DeskSort.DEADLINE)) == [2, 3, 1, 4]


def test_statuses_sort_the_way_work_flows_and_counts_ignore_only_the_status_filter():
    rows = [
        _row(1, status=Status.RESOLVED),
        _row(2, status=Status.IN_PROGRESS, executor_id="ex-ivan"),
        _row(3),
        _row(4, status=Status.IN_PROGRESS, category="roads.signs"),
    ]
    assert _numbers(_page(rows, DeskSort.STATUS)) == [3, 2, 4, 1]
    wanted = DeskFilter(statuses=frozenset({Status.IN_PROGRESS}), categories=frozenset({"roads"}))
    page = _page(rows, DeskSort.NUMBER, wanted=wanted)
    assert _numbers(page) == [2, 4]
    assert page.counts[Status.RECEIVED] == 1
    assert page.counts[Status.RESOLVED] == 1
    assert page.total == 2
    assert page.open_total == 4
    assert page.owners == ["ex-ivan"]
    signs = _page(rows, DeskSort.NUMBER, wanted=DeskFilter(categories=frozenset({"roads.signs"})))
    assert _numbers(signs) == [4]


def test_pages_neither_repeat_nor_skip_among_equal_values():
    rows = [_row(n, subject="Same words") for n in range(1, 8)]
    seen, offset = [], 0
    while offset is not None:
        page = _page(rows, DeskSort.SUBJECT, descending=True, offset=offset, limit=3)
        seen += _numbers(page)
        offset = page.next_offset
    assert sorted(seen) == list(range(1, 8))
    assert len(seen) == 7


def test_age_sorts_youngest_first_ascending():
    rows = [_row(5), _row(1), _row(3)]
    assert _numbers(_page(rows, DeskSort.AGE)) == [1, 3, 5]
    assert _numbers(_page(rows, DeskSort.AGE, descending=True)) == [5, 3, 1]

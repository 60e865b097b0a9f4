"""Manager reports: the stored figures of a period (written by the nightly export pass), and
the live workload from the open-card counters. No table scan per request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chalicelib.domain import report_figures
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import TooManyRequests, ValidationFailed
from chalicelib.domain.rate_limits import RateLimit, Window
from chalicelib.ports import (
    CardRepository,
    Clock,
    Directory,
    ExportRunner,
    ExportStore,
    RateLimiter,
)
from chalicelib.services.casework import department_workload
from chalicelib.services.exports import REPORTS_PREFIX, taken_out_by

MAX_DAYS = 366 * 3
# The figures read every card: asked for by hand, once in ten minutes for the whole town.
REFRESH_LIMIT = RateLimit("reports_refresh", (Window(timedelta(minutes=10), 1),))


def report(
    principal: Principal,
    start: date,
    end: date,
    department: str | None,
    *,
    store: ExportStore,
    cards: CardRepository,
    directory: Directory,
) -> dict[str, Any]:
    if start > end:
        raise ValidationFailed.single("to", "is before from")
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed.single("to", f"a report covers at most {MAX_DAYS} days")
    scope = taken_out_by(principal, department, directory, what="reports")
    months = [
        store.get_json(f"{REPORTS_PREFIX}/{m}.json")
        for m in report_figures.months_between(start, end)
    ]
    stored = [m for m in months if m is not None]
    summary = report_figures.summarize(stored, start, end, scope)
    shown = sorted(scope) if scope is not None else [d.id for d in directory.departments()]
    per_department = {
        d: department_workload(principal, d, cards=cards, directory=directory) for d in shown
    }
    workload = [
        {
            "department": d,
            "staff": [
                {
                    "staff_id": r.member.id,
                    "name": r.member.name,
                    "open": r.open,
                    "overdue": r.overdue,
                }
                for r in rows
            ],
        }
        for d, rows in per_department.items()
    ]
    # One line a person: their open cards are counted once, whatever their departments.
    people: dict[str, dict[str, Any]] = {}
    for d, rows in per_department.items():
        for r in rows:
            person = people.setdefault(
                r.member.id,
                {
                    "staff_id": r.member.id,
                    "name": r.member.name,
                    "departments": [],
                    "open": r.open,
                    "overdue": r.overdue,
                },
            )
            person["departments"].append(d)
    as_of = max((m["generated_at"] for m in stored), default=None)
    return {
        "period_from": start,
        "period_to": end,
        "departments": shown,
        "figures_as_of": as_of,
        **summary,
        "workload": workload,
        "people": sorted(people.values(), key=lambda p: (-p["open"], p["name"])),
    }


def refresh(
    principal: Principal,
    *,
    limiter: RateLimiter,
    runner: ExportRunner,
    clock: Clock,
    directory: Directory,
) -> dict[str, Any]:
    """Start the figures' aggregation now (the nightly pass's, without its files), for anyone
    who may read reports; the town's one refresh in ten minutes, else refused with the wait."""
    taken_out_by(principal, None, directory, what="reports")
    now = clock.now()
    allowed = limiter.take(REFRESH_LIMIT, "town", at=now)
    if not allowed.granted:
        wait = max(1, int(allowed.retry_after.total_seconds()))
        raise TooManyRequests("the figures were recomputed a moment ago", retry_after=wait)
    job = {"kind": "figures", "requested_by": principal.staff_id, "requested_at": now.isoformat()}
    runner.start(job)
    return {**job, "status": "queued"}


@dataclass(frozen=True)
class Reports:
    """Manager reports wired to their ports (built once by the container). The runner is
    looked up only when a refresh is asked for."""

    store: ExportStore
    cards: CardRepository
    directory: Directory
    limiter: RateLimiter
    clock: Clock
    runner: Callable[[], ExportRunner]

    def refresh(self, principal: Principal) -> dict[str, Any]:
        return refresh(
            principal,
            limiter=self.limiter,
            runner=self.runner(),
            clock=self.clock,
            directory=self.directory,
        )

    def report(
        self, principal: Principal, start: date, end: date, department: str | None
    ) -> dict[str, Any]:
        return report(
            principal,
            start,
            end,
            department,
            store=self.store,
            cards=self.cards,
            directory=self.directory,
        )

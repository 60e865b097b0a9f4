"""Manager reports: the stored figures of a period (written by the nightly export pass), and
the live workload from the open-card counters. No table scan per request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.domain import report_figures
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import ValidationFailed
from chalicelib.ports import CardRepository, Directory, ExportStore
from chalicelib.services.casework import department_workload
from chalicelib.services.exports import REPORTS_PREFIX, taken_out_by

MAX_DAYS = 366 * 3


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
                for r in department_workload(principal, d, cards=cards, directory=directory)
            ],
        }
        for d in shown
    ]
    as_of = max((m["generated_at"] for m in stored), default=None)
    return {
        "period_from": start,
        "period_to": end,
        "departments": shown,
        "figures_as_of": as_of,
        **summary,
        "workload": workload,
    }


@dataclass(frozen=True)
class Reports:
    """Manager reports wired to their ports (built once by the container)."""

    store: ExportStore
    cards: CardRepository
    directory: Directory

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

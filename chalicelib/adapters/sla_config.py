"""The SLA matrix from configuration (data, validated on load; errors name the field).

Durations are written "1h", "30m", "1d", "3d"; a day is ``working_day_hours`` of working time.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from chalicelib.domain.card import Priority
from chalicelib.domain.errors import FieldProblem, ValidationFailed
from chalicelib.domain.requester_waits import WaitingRules, WhenUnanswered
from chalicelib.domain.sla import SlaMatrix, SlaTargets, TimerKind

SEED_PATH = Path(__file__).resolve().parent.parent / "seed" / "sla.json"
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([mhd])$")


def load_sla(document: dict[str, Any], known_categories: set[str]) -> SlaMatrix:
    problems: list[FieldProblem] = []
    day_hours = document.get("working_day_hours", 8)
    if not isinstance(day_hours, int | float) or not 0 < day_hours <= 24:
        problems.append(FieldProblem("working_day_hours", "must be a number of hours, 0 to 24"))
        day_hours = 8
    day = timedelta(hours=day_hours)
    base = _row(document.get("defaults"), "defaults", day, problems, required=True)
    defaults = {
        p: _targets(
            {
                **base,
                **_row(
                    (document.get("priorities") or {}).get(p.value),
                    f"priorities.{p.value}",
                    day,
                    problems,
                ),
            },
            f"priorities.{p.value}",
            problems,
        )
        for p in Priority
    }
    by_category: dict[str, dict[Priority, SlaTargets]] = {}
    for category, row in (document.get("categories") or {}).items():
        where = f"categories.{category}"
        if category not in known_categories:
            problems.append(FieldProblem(where, f"unknown category {category!r}"))
            continue
        override = _row(row, where, day, problems)
        by_category[category] = {
            p: _targets({**_as_row(defaults[p]), **override}, where, problems)
            for p in Priority
            if p != Priority.URGENT
        } | {Priority.URGENT: defaults[Priority.URGENT]}
    if problems:
        raise ValidationFailed(problems)
    return SlaMatrix(
        defaults=defaults, by_category=by_category, working_day=timedelta(hours=day_hours)
    )


def load_seed_sla(known_categories: set[str], path: Path = SEED_PATH) -> SlaMatrix:
    return load_sla(json.loads(path.read_text("utf-8")), known_categories)


def _row(
    row: Any, where: str, day: timedelta, problems: list[FieldProblem], *, required: bool = False
) -> dict[TimerKind, timedelta]:
    if row is None:
        if required:
            problems.append(FieldProblem(where, "is required"))
        return {}
    if not isinstance(row, dict):
        problems.append(FieldProblem(where, "must be an object of timer: duration"))
        return {}
    parsed: dict[TimerKind, timedelta] = {}
    for name, text in row.items():
        if name not in TimerKind.__members__.values():
            problems.append(
                FieldProblem(
                    f"{where}.{name}", "unknown timer; use " + ", ".join(k.value for k in TimerKind)
                )
            )
            continue
        duration = _duration(text, f"{where}.{name}", day, problems)
        if duration is not None:
            parsed[TimerKind(name)] = duration
    if required:
        for kind in TimerKind:
            if kind not in parsed:
                problems.append(FieldProblem(f"{where}.{kind.value}", "is required"))
    return parsed


def _duration(
    text: Any, where: str, day: timedelta, problems: list[FieldProblem]
) -> timedelta | None:
    match = _DURATION.match(str(text).strip())
    if match is None or float(match.group(1)) <= 0:
        problems.append(FieldProblem(where, f"{text!r} is not a duration like 1h, 30m, 3d"))
        return None
    amount, unit = float(match.group(1)), match.group(2)
    return {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": day * amount}[unit]


def load_waiting(
    document: dict[str, Any], known_categories: set[str], *, working_day: timedelta
) -> WaitingRules:
    """The ``waiting`` section: how long a requester has to answer a question (by topic), when
    they are reminded, what their silence does, and how long a resolution may be objected to.
    Absent: the defaults (five working days, a reminder a day before, back to staff, 14 days)."""
    section = document.get("waiting", {})
    problems: list[FieldProblem] = []
    if not isinstance(section, dict):
        raise ValidationFailed.single("waiting", "must be an object")
    defaults = WaitingRules()
    values: dict[str, Any] = {}
    for name in ("reply_within", "remind_before"):
        if name in section:
            values[name] = _duration(section[name], f"waiting.{name}", working_day, problems)
    by_category = {}
    for category, text in (section.get("categories") or {}).items():
        if category not in known_categories:
            problems.append(FieldProblem(f"waiting.categories.{category}", "unknown category"))
            continue
        by_category[category] = _duration(
            text, f"waiting.categories.{category}", working_day, problems
        )
    when = section.get("when_unanswered", defaults.when_unanswered.value)
    if when not in {w.value for w in WhenUnanswered}:
        problems.append(
            FieldProblem(
                "waiting.when_unanswered",
                "must be " + " or ".join(w.value for w in WhenUnanswered),
            )
        )
    days = section.get("objection_days", defaults.objection_days)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 90:
        problems.append(FieldProblem("waiting.objection_days", "must be a whole number, 1 to 90"))
    unknown = set(section) - {*_WAITING_FIELDS, "categories"}
    problems.extend(FieldProblem(f"waiting.{name}", "unknown setting") for name in sorted(unknown))
    if problems:
        raise ValidationFailed(problems)
    rules = WaitingRules(
        reply_within_by_category={k: v for k, v in by_category.items() if v is not None},
        when_unanswered=WhenUnanswered(when),
        objection_days=days,
        **values,
    )
    if rules.remind_before >= rules.reply_within:
        # The reminder would go out with the question itself.
        raise ValidationFailed.single(
            "waiting.remind_before", "must be shorter than waiting.reply_within"
        )
    return rules


_WAITING_FIELDS = ("reply_within", "remind_before", "when_unanswered", "objection_days")


def load_seed_waiting(
    known_categories: set[str], *, working_day: timedelta, path: Path = SEED_PATH
) -> WaitingRules:
    return load_waiting(
        json.loads(path.read_text("utf-8")), known_categories, working_day=working_day
    )


def _targets(
    row: dict[TimerKind, timedelta], where: str, problems: list[FieldProblem]
) -> SlaTargets:
    fallback = timedelta(hours=1)
    targets = SlaTargets(**{k.value: row.get(k, fallback) for k in TimerKind})
    both_given = TimerKind.CLOSURE in row and TimerKind.DECISION in row
    if both_given and targets.closure < targets.decision:
        problems.append(FieldProblem(f"{where}.closure", "must not be shorter than decision"))
    return targets


def _as_row(targets: SlaTargets) -> dict[TimerKind, timedelta]:
    return {kind: targets.budget(kind) for kind in TimerKind}

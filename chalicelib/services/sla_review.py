"""The weekly review: categories where deadlines slipped more than once in a week.

One Query per week (breaches are kept by ISO week as they are recorded), never a scan.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.message_templates import TOWN
from chalicelib.domain.notifications import StaffNoticeKind
from chalicelib.ports import BreachLog, Directory, Mailer, NotificationTemplates
from chalicelib.services.notifications import render_kind
from chalicelib.services.outgoing_mail import compose
from chalicelib.services.policies import MailPolicy

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
REPEATED = 2  # breaches in one category in one week that make it "repeated"


@dataclass(frozen=True)
class BreachGroup:
    category: str
    label: str
    count: int
    numbers: tuple[str, ...]


def repeated_breaches(
    week: str,
    *,
    breaches: BreachLog,
    directory: Directory,
    locale: str = "en",
    departments: frozenset[str] | None = None,
) -> list[BreachGroup]:
    """Categories with at least two missed deadlines in ``week``, the most first; only those of
    ``departments`` when given."""
    _check_week(week)
    by_category: dict[str, list[str]] = defaultdict(list)
    for breach in breaches.week(week):
        if departments is None or breach.department in departments:
            by_category[breach.category].append(breach.number)
    tree = directory.categories()
    groups = [
        BreachGroup(
            category=category,
            label=tree.label(category, locale),
            count=len(numbers),
            numbers=tuple(sorted(set(numbers))),
        )
        for category, numbers in by_category.items()
        if len(numbers) >= REPEATED
    ]
    return sorted(groups, key=lambda g: (-g.count, g.category))


def review_for(
    principal: Principal, week: str, *, breaches: BreachLog, directory: Directory, locale: str
) -> list[BreachGroup]:
    """The review in the console: controllers and administrators see the town, managers their
    departments."""
    access.require_reports(principal)
    town_wide = principal.has(Role.CONTROLLER, Role.ADMIN)
    return repeated_breaches(
        week,
        breaches=breaches,
        directory=directory,
        locale=locale,
        departments=None if town_wide else principal.departments,
    )


def iso_week(moment: datetime, timezone: tzinfo) -> str:
    """``2026-W47``: the ISO week of ``moment`` in the town's time zone."""
    year, week, _ = moment.astimezone(timezone).isocalendar()
    return f"{year}-W{week:02d}"


def last_week(now: datetime, policy: MailPolicy) -> str:
    return iso_week(now - timedelta(days=7), policy.timezone)


def send_weekly_review(
    week: str,
    *,
    breaches: BreachLog,
    directory: Directory,
    mailer: Mailer,
    templates: NotificationTemplates,
    policy: MailPolicy,
    now: datetime,
) -> int:
    """Mail the review to every controller; returns how many were sent."""
    locale = policy.default_locale
    groups = repeated_breaches(week, breaches=breaches, directory=directory, locale=locale)
    controllers = [m for m in directory.staff() if Role.CONTROLLER in m.roles]
    for member in controllers:
        review = render_kind(
            templates,
            StaffNoticeKind.REPEATED_BREACHES.value,
            locale,
            TOWN,
            {
                "recipient_name": member.name,
                "week": week,
                "groups": groups,
                "town_name": policy.town_name,
            },
        )
        mailer.send(
            compose(
                review.subject,
                review.text,
                review.html,
                member.email,
                locale=locale,
                policy=policy,
                now=now,
            )
        )
    return len(controllers)


def _check_week(week: str) -> None:
    match = WEEK_PATTERN.match(week)
    if match is None or not 1 <= int(match.group(2)) <= 53:
        raise ValidationFailed.single("week", "must be an ISO week like 2026-W47")

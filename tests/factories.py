"""Cards and principals for unit tests, built through the real use cases where possible."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

from chalicelib.adapters.calendar_config import load_seed_calendar
from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.memory_cards import InMemoryCardRepository
from chalicelib.adapters.memory_rules import InMemoryRoutingRules
from chalicelib.adapters.memory_templates import InMemoryTemplates
from chalicelib.adapters.rules_config import load_seed_rules
from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.adapters.telemetry import RecordingTelemetry
from chalicelib.domain.access import Principal
from chalicelib.domain.business_calendar import BusinessCalendar
from chalicelib.domain.card import Card, RoutingRecord
from chalicelib.domain.directory import Role
from chalicelib.domain.routing import Assignment, Rule, RuleSet
from chalicelib.domain.signed_links import LinkPurpose, sign
from chalicelib.ports import CardRepository, Directory, RoutingRules
from chalicelib.services import intake
from chalicelib.services.commands import CardCreate
from chalicelib.services.notifications import Notifier, NotifyPolicy
from chalicelib.services.policies import IntakePolicy, SlaPolicy
from chalicelib.services.routing import Arrival, Routed, Router, RoutingPolicy, place, router
from tests.conftest import START, card_form


def principal(staff_id: str, *roles: Role, departments: tuple[str, ...] = ()) -> Principal:
    return Principal(
        staff_id=staff_id,
        name=f"Name of {staff_id}",
        roles=frozenset(roles),
        departments=frozenset(departments),
    )


OPERATOR = principal("op-olga", Role.OPERATOR, departments=("front_office",))
EXECUTOR = principal("ex-ivan", Role.EXECUTOR, departments=("roads",))
OTHER_EXECUTOR = principal("ex-pavel", Role.EXECUTOR, departments=("lighting",))
MANAGER = principal("mgr-sergey", Role.MANAGER, departments=("roads", "parks"))
CONTROLLER = principal("ctl-elena", Role.CONTROLLER, departments=("front_office",))


@functools.cache
def seed_calendar() -> BusinessCalendar:
    return load_seed_calendar()


@functools.cache
def seed_sla_policy() -> SlaPolicy:
    """The shipped SLA matrix and waiting rules on the town's calendar."""
    from chalicelib.adapters.sla_config import load_seed_sla, load_seed_waiting

    tree = StaticDirectory.from_file().categories()
    known = set(tree.leaf_codes) | {c.code for c in tree.categories}
    matrix = load_seed_sla(known)
    waiting = load_seed_waiting(known, working_day=matrix.working_day)
    return SlaPolicy(calendar=seed_calendar(), matrix=matrix, waiting=waiting)


def memory_router(
    cards: CardRepository, directory: Directory, rules: RoutingRules | None = None
) -> Router:
    """Routing over the shipped rules and the town's calendar, on in-memory twins."""
    return router(
        rules=rules or InMemoryRoutingRules(lambda: load_seed_rules(START)),
        cards=cards,
        directory=directory,
        policy=RoutingPolicy(calendar=seed_calendar()),
    )


def queue_router(directory: Directory) -> Router:
    """Every card waits unassigned in its topic's department queue: for tests of what happens
    after intake (lifecycle, deadlines, access), which start from an unowned card. Routing
    itself is tested with ``memory_router`` and the shipped rules."""

    def route(arrival: Arrival) -> Routed:
        return Routed(
            department=directory.categories().department_for(arrival.category),
            executor_id=None,
            priority=arrival.priority,
            location=place(arrival.location, directory.territory()),
            routing=RoutingRecord(rule_id="test-queue", rules_version=1, reason="test: queue"),
            manual_control=(),
            sensitive=directory.categories().is_sensitive(arrival.category),
            repeat_of=None,
        )

    return route


def queue_only_rules() -> InMemoryRoutingRules:
    """Rules of a town that leaves every card unassigned in its topic's department queue."""
    ruleset = RuleSet(
        version=1,
        triage_department="front_office",
        rules=(Rule(id="all-to-queue", assign=Assignment.QUEUE),),
        saved_at=START,
        saved_by="test",
    )
    return InMemoryRoutingRules(lambda: ruleset)


LINK_SECRET = b"test-link-secret-of-at-least-32-bytes!"


def notifier(directory: Directory, **policy: Any) -> Notifier:
    """Composes real messages from the shipped templates (links signed with a test key)."""
    return Notifier(
        directory=directory,
        templates=InMemoryTemplates(lambda: START),  # none edited: the shipped ones
        policy=NotifyPolicy(
            town_name="Test Town",
            public_base_url="https://portal.town.example",
            link_secret=LINK_SECRET,
            **policy,
        ),
    )


def submit(
    cards: CardRepository,
    clock: ManualClock,
    directory: Directory,
    key: str | None = None,
    *,
    route: Router | None = None,
    notify: Notifier | None = None,
    **overrides: Any,
) -> intake.IntakeReceipt:
    return intake.submit_request(
        CardCreate.model_validate(card_form(**overrides)),
        idempotency_key=key,
        cards=cards,
        directory=directory,
        clock=clock,
        telemetry=RecordingTelemetry(),
        policy=IntakePolicy(),
        route=route or queue_router(directory),
        receipt=notify.receipt if notify else None,
        # A repeat gets a fresh signed key, as deployed.
        replay_token=lambda number: sign(
            LINK_SECRET, LinkPurpose.STATUS, number, clock.now() + timedelta(days=90)
        ),
    )


def new_card(clock: ManualClock, directory: StaticDirectory, **overrides: Any) -> Card:
    return submit(InMemoryCardRepository(), clock, directory, **overrides).card


def memory_town(settings: Any, clock: ManualClock, **overrides: Any) -> Any:
    """The product's own container over in-memory twins: every use case wired as deployed,
    no AWS at all (``town.casework.assign(...)``). ``overrides`` replace any port."""
    from chalicelib import bootstrap
    from chalicelib.adapters.memory_access_codes import InMemoryAccessCodes
    from chalicelib.adapters.memory_blobs import InMemoryBlobStore
    from chalicelib.adapters.memory_exports import InMemoryExportStore
    from chalicelib.adapters.memory_mail import (
        InMemoryMailLog,
        InMemoryRawMailStore,
        RecordingMailer,
    )
    from chalicelib.adapters.memory_rate_limits import InMemoryRateLimiter
    from chalicelib.adapters.memory_sla import (
        InMemoryBreachLog,
        InMemoryEscalations,
        InMemoryNoticeLog,
        InMemoryTimerScheduler,
    )
    from chalicelib.adapters.memory_sms import RecordingSmsSender
    from chalicelib.adapters.memory_surveys import InMemorySurveyResults

    cards = InMemoryCardRepository()
    twins: dict[str, Any] = {
        "clock": clock,
        "cards": cards,
        "directory": StaticDirectory.from_file(),
        "routing_rules": queue_only_rules(),
        "templates": InMemoryTemplates(clock.now),
        "outbox": cards.outbox,  # written in the same "transaction" as the cards
        "blobs": InMemoryBlobStore(),
        "access_codes": InMemoryAccessCodes(),
        "surveys": InMemorySurveyResults(),
        "telemetry": RecordingTelemetry(),
        "mailer": RecordingMailer(),
        "sms": RecordingSmsSender(),
        "mail_log": InMemoryMailLog(),
        "limiter": InMemoryRateLimiter(),
        "raw_mail": InMemoryRawMailStore(),
        "export_store": InMemoryExportStore(),
        "notices": InMemoryNoticeLog(),
        "breaches": InMemoryBreachLog(),
        "scheduler": InMemoryTimerScheduler(),
        "escalations": InMemoryEscalations(),
        "link_secret": LINK_SECRET,
    }
    return bootstrap.build(settings, **{**twins, **overrides})

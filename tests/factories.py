"""Cards and principals for unit tests, built through the real use cases where possible."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.memory_cards import InMemoryCardRepository
from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.adapters.telemetry import RecordingTelemetry
from chalicelib.domain.access import Principal
from chalicelib.domain.card import Card
from chalicelib.domain.directory import Role
from chalicelib.ports import CardRepository
from chalicelib.services import intake
from chalicelib.services.commands import CardCreate
from chalicelib.services.policies import IntakePolicy
from tests.conftest import card_form


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


def submit(
    cards: CardRepository,
    clock: ManualClock,
    directory: StaticDirectory,
    key: str | None = None,
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
    )


def new_card(clock: ManualClock, directory: StaticDirectory, **overrides: Any) -> Card:
    return submit(InMemoryCardRepository(), clock, directory, **overrides).card

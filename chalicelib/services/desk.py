"""The desk: a department's open cards as a table to work through (filtered, counted, sorted,
paged), and one change asked of several cards at once, each card checked as if alone."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.desk import (
    DeskFilter,
    DeskNames,
    DeskPage,
    DeskRow,
    DeskSort,
    desk_page,
    without_personal_data,
)
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import DomainError, PermissionDenied
from chalicelib.ports import CardRepository, Clock, Directory
from chalicelib.services.card_changes import StaffCard
from chalicelib.services.casework import Casework
from chalicelib.services.commands import BulkChange
from chalicelib.services.duplicates import Duplicates


@dataclass(frozen=True)
class DeskView:
    """What the table asks for: which department, which cards, in what order, which page."""

    department: str
    wanted: DeskFilter
    sort: DeskSort = DeskSort.DEADLINE
    descending: bool = False
    offset: int = 0
    limit: int = 50
    locale: str = "en"


@dataclass(frozen=True)
class BulkOutcome:
    """One card of a bulk change: changed (``card``) or refused (``error``, as if alone)."""

    number: str
    card: StaffCard | None = None
    error: DomainError | None = None


@dataclass(frozen=True)
class Desk:
    cards: CardRepository
    directory: Directory
    clock: Clock
    casework: Casework
    duplicates: Duplicates

    def page(self, principal: Principal, view: DeskView) -> DeskPage:
        access.require_queue(principal, view.department)
        rows = [_as_seen(principal, row) for row in self.cards.desk(view.department)]
        return desk_page(
            rows,
            view.wanted,
            sort=view.sort,
            descending=view.descending,
            offset=view.offset,
            limit=view.limit,
            names=self.names(view.locale),
            now=self.clock.now(),
        )

    def names(self, locale: str) -> DeskNames:
        """Topic, owner and district names in ``locale``; an unknown id stands for itself."""
        tree = self.directory.categories()
        territory = self.directory.territory()
        staff = {m.id: m.name for m in self.directory.staff()}
        return DeskNames(
            topic=lambda code: tree.label(code, locale),
            owner=lambda staff_id: staff.get(staff_id, staff_id) if staff_id else "",
            district=lambda d: territory.district_name(d, locale) or d or "",
        )

    def bulk(self, principal: Principal, change: BulkChange) -> list[BulkOutcome]:
        """Each card changed as if alone (its own version, rules and history entry); a refusal
        stops nothing but that card. Managers (and administrators) only: a clerk's slip should
        not move fifty cards."""
        if not principal.has(Role.MANAGER, Role.ADMIN):
            raise PermissionDenied("only a manager may change several cards at once")
        outcomes = []
        for target in change.cards:
            try:
                if change.assign is not None:
                    card = self.casework.assign(
                        principal, target.number, change.assign.at(target.version)
                    )
                elif change.merge is not None:
                    card = self.duplicates.merge(
                        principal, target.number, change.merge.at(target.version)
                    )
                else:
                    assert change.transition is not None  # BulkChange asks for one of three
                    card = self.casework.transition(
                        principal, target.number, change.transition.at(target.version)
                    )
            except DomainError as error:
                outcomes.append(BulkOutcome(target.number, error=error))
            else:
                outcomes.append(BulkOutcome(target.number, card=card))
        return outcomes


def _as_seen(principal: Principal, row: DeskRow) -> DeskRow:
    if access.can_see_personal_data(principal, row):
        return row
    return without_personal_data(row)

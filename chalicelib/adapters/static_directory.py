"""Directory read from JSON documents (the seed shipped in chalicelib/seed/)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.directory import Category, CategoryTree, Department, StaffMember
from chalicelib.domain.duty import DutyShift
from chalicelib.domain.territory import StreetEntry, Territory, districts_from_geojson

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
SEED_PATH = SEED_DIR / "directory.json"
DISTRICTS_PATH = SEED_DIR / "districts.geojson"
STREETS_PATH = SEED_DIR / "streets.json"


class DirectoryDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    departments: tuple[Department, ...]
    categories: tuple[Category, ...]
    staff: tuple[StaffMember, ...]
    duty_shifts: tuple[DutyShift, ...] = ()


class StreetsDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    streets: tuple[StreetEntry, ...]


@dataclass(frozen=True)
class DirectorySource:
    """A directory as files hold it: the document, the districts' GeoJSON, the street table."""

    document: DirectoryDocument
    districts: dict[str, Any]  # a GeoJSON FeatureCollection
    streets: StreetsDocument

    @property
    def digest(self) -> str:
        """A fingerprint of the content: publishing the same files twice is publishing once."""
        canonical = json.dumps(
            [
                self.document.model_dump(mode="json"),
                self.districts,
                self.streets.model_dump(mode="json"),
            ],
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def build(self) -> StaticDirectory:
        """The directory these documents describe; ValueError names what is inconsistent."""
        territory = Territory(districts_from_geojson(self.districts), self.streets.streets)
        return StaticDirectory(self.document, territory)


def read_source(
    path: Path = SEED_PATH, districts: Path = DISTRICTS_PATH, streets: Path = STREETS_PATH
) -> DirectorySource:
    return DirectorySource(
        document=DirectoryDocument.model_validate(json.loads(path.read_text("utf-8"))),
        districts=json.loads(districts.read_text("utf-8")),
        streets=StreetsDocument.model_validate_json(streets.read_text("utf-8")),
    )


class StaticDirectory:
    def __init__(self, document: DirectoryDocument, territory: Territory | None = None) -> None:
        self._doc = document
        self._territory = territory or Territory((), ())
        known = {d.id for d in document.departments}
        unknown = (
            {c.department for c in document.categories}
            | {d for s in document.staff for d in s.departments}
            | {s.department for s in document.duty_shifts}
        ) - known
        if unknown:
            raise ValueError(f"directory names unknown departments: {sorted(unknown)}")
        staff = {s.id: s for s in document.staff}
        for shift in document.duty_shifts:
            member = staff.get(shift.staff_id)
            if member is None or shift.department not in member.departments:
                raise ValueError(
                    f"duty shift of {shift.staff_id!r}: not a staff member of {shift.department!r}"
                )

    @classmethod
    def from_file(
        cls,
        path: Path = SEED_PATH,
        districts: Path = DISTRICTS_PATH,
        streets: Path = STREETS_PATH,
    ) -> StaticDirectory:
        return read_source(path, districts, streets).build()

    @cached_property
    def _tree(self) -> CategoryTree:
        return CategoryTree(self._doc.categories)

    @cached_property
    def _staff_by_id(self) -> dict[str, StaffMember]:
        return {s.id: s for s in self._doc.staff}

    def categories(self) -> CategoryTree:
        return self._tree

    def departments(self) -> list[Department]:
        return list(self._doc.departments)

    def department(self, department_id: str) -> Department | None:
        return next((d for d in self._doc.departments if d.id == department_id), None)

    def staff_member(self, staff_id: str) -> StaffMember | None:
        return self._staff_by_id.get(staff_id)

    def staff(self) -> list[StaffMember]:
        return list(self._doc.staff)

    def territory(self) -> Territory:
        return self._territory

    def duty_shifts(self) -> list[DutyShift]:
        return list(self._doc.duty_shifts)

"""Directory read from a JSON document (the seed shipped in chalicelib/seed/)."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.directory import Category, CategoryTree, Department, StaffMember

SEED_PATH = Path(__file__).resolve().parent.parent / "seed" / "directory.json"


class DirectoryDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    departments: tuple[Department, ...]
    categories: tuple[Category, ...]
    staff: tuple[StaffMember, ...]


class StaticDirectory:
    def __init__(self, document: DirectoryDocument) -> None:
        self._doc = document
        known = {d.id for d in document.departments}
        unknown = (
            {c.department for c in document.categories}
            | {d for s in document.staff for d in s.departments}
        ) - known
        if unknown:
            raise ValueError(f"directory names unknown departments: {sorted(unknown)}")

    @classmethod
    def from_file(cls, path: Path = SEED_PATH) -> StaticDirectory:
        return cls(DirectoryDocument.model_validate(json.loads(path.read_text("utf-8"))))

    @cached_property
    def _tree(self) -> CategoryTree:
        return CategoryTree(self._doc.categories)

    def categories(self) -> CategoryTree:
        return self._tree

    def departments(self) -> list[Department]:
        return list(self._doc.departments)

    def department(self, department_id: str) -> Department | None:
        return next((d for d in self._doc.departments if d.id == department_id), None)

    def staff_member(self, staff_id: str) -> StaffMember | None:
        return next((s for s in self._doc.staff if s.id == staff_id), None)

    def staff(self) -> list[StaffMember]:
        return list(self._doc.staff)

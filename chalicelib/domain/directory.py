"""Who and what the town is made of: departments, a two-level category tree, staff."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

CATEGORY_SEPARATOR = " › "


class Role(StrEnum):
    OPERATOR = "operator"
    EXECUTOR = "executor"
    MANAGER = "manager"
    CONTROLLER = "controller"
    ADMIN = "admin"


class LocalizedName(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    en: str
    ru: str

    def get(self, locale: str) -> str:
        return self.ru if locale == "ru" else self.en


class Department(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: LocalizedName
    # Where requesters may ask about their request (printed in every message to them).
    phone: str | None = None
    email: str | None = None

    @property
    def public_contacts(self) -> tuple[str, ...]:
        return tuple(c for c in (self.phone, self.email) if c)


class Subcategory(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    name: LocalizedName
    # Health, social support: the requester's personal data is shown to the assigned group only.
    sensitive: bool = False
    # Complaints about staff: the department's manager owns the card and approves every answer.
    manual_control: bool = False
    # A catch-all ("General question", where mail lands): two of them from one person are not
    # a repeat of the same topic.
    general: bool = False
    # How far apart two reports of this topic may be and still be one fault (metres); 0: the
    # topic is not about a place and is never looked at for duplicates.
    duplicate_radius_m: int = Field(default=250, ge=0, le=600)


class Category(BaseModel):
    """A top-level topic with its subtopics; cards are filed under a subtopic."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    name: LocalizedName
    department: str
    children: tuple[Subcategory, ...] = Field(min_length=1)


class StaffMember(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    email: str
    roles: frozenset[Role]
    departments: frozenset[str]


class CategoryTree:
    """Lookup over the two-level tree by leaf code (``roads.potholes``)."""

    def __init__(self, categories: tuple[Category, ...]) -> None:
        self.categories = categories
        self._leaves: dict[str, tuple[Category, Subcategory]] = {}
        for top in categories:
            for leaf in top.children:
                code = f"{top.code}.{leaf.code}"
                if code in self._leaves:
                    raise ValueError(f"category {code} is defined twice")
                self._leaves[code] = (top, leaf)

    def __contains__(self, code: object) -> bool:
        return code in self._leaves

    @property
    def leaf_codes(self) -> list[str]:
        return list(self._leaves)

    def label(self, code: str, locale: str = "en") -> str:
        """``Roads › Potholes``; the code itself if the category was retired since."""
        if code not in self._leaves:
            return code
        top, leaf = self._leaves[code]
        return f"{top.name.get(locale)}{CATEGORY_SEPARATOR}{leaf.name.get(locale)}"

    def department_for(self, code: str) -> str:
        return self._leaves[code][0].department

    def is_sensitive(self, code: str) -> bool:
        return code in self._leaves and self._leaves[code][1].sensitive

    def needs_manual_control(self, code: str) -> bool:
        return code in self._leaves and self._leaves[code][1].manual_control

    def duplicate_radius(self, code: str) -> int:
        """Metres within which reports of the topic are likely one fault (0: never looked at)."""
        return self._leaves[code][1].duplicate_radius_m if code in self._leaves else 0

    def is_general(self, code: str) -> bool:
        return code in self._leaves and self._leaves[code][1].general

    def top_code(self, code: str) -> str:
        return code.split(".", 1)[0]

    def knows(self, code: str) -> bool:
        """A leaf (``roads.potholes``) or a top-level topic (``roads``)."""
        return code in self._leaves or any(top.code == code for top in self.categories)

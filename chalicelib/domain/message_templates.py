"""Templates administrators edit: one source per kind, locale and scope (the whole town, or one
department), versioned. A department's version overrides the town's, which overrides the
shipped default; a version without a source withdraws the override."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

TOWN = "town"  # the scope every department falls back to


class TemplateVersion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    locale: str
    scope: str
    version: int = Field(ge=1)
    source: str | None  # None: use the next scope's (withdrawn override)
    saved_at: datetime
    saved_by: str


def scopes_for(department: str) -> tuple[str, ...]:
    """Where a department's template is looked for, first match wins."""
    return (department, TOWN) if department != TOWN else (TOWN,)

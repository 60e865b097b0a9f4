"""Keys of the programs that file requests for people (Open311 clients): issued and revoked by
an administrator, each with a name, whose it is and how many requests an hour it may send.
Only a key's SHA-256 is kept: a leaked table does not give anyone a working key. Pure."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

PREFIX = "cd311_"  # says what a key is when one turns up in a log or a repository


class ApiKey(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="The start of the key's hash: for lists, logs and revoking.")
    name: str = Field(description="The client, as cards record it (e.g. 'FixMyStreet').")
    owner: str = Field(description="Who answers for the client: a name and a contact.")
    per_hour: int = Field(ge=1, le=100_000, description="New requests it may send an hour.")
    issued_at: datetime
    issued_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    # SHA-256 of the key, hex: stored as the item's key, never shown.
    digest: str = Field(default="", exclude=True)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def new_key() -> str:
    return PREFIX + secrets.token_urlsafe(30)


def digest_of(key: str) -> str:
    return hashlib.sha256(key.strip().encode("utf-8")).hexdigest()


def short_id(digest: str) -> str:
    return digest[:12]

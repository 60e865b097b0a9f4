"""API keys for the programs that file requests for people (Open311 clients): an administrator
issues one (the key is shown once; only its hash is kept), lists them and revokes one."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.api_keys import ApiKey, digest_of, new_key, short_id
from chalicelib.ports import ApiKeys, Clock
from chalicelib.services.commands import ApiKeyCreate


@dataclass(frozen=True)
class IssuedKey:
    key: str  # shown once, to the administrator who asked
    record: ApiKey


@dataclass(frozen=True)
class ApiKeyAdmin:
    keys: ApiKeys
    clock: Clock

    def issue(self, principal: Principal, asked: ApiKeyCreate) -> IssuedKey:
        access.require_admin(principal)
        return self.issue_as(principal.staff_id, asked)

    def issue_as(self, who: str, asked: ApiKeyCreate) -> IssuedKey:
        """Also the command line's way (an operator at the town's account, not a person
        signed in to the console)."""
        key = new_key()
        digest = digest_of(key)
        record = ApiKey(
            id=short_id(digest),
            name=asked.name,
            owner=asked.owner,
            per_hour=asked.per_hour,
            issued_at=self.clock.now(),
            issued_by=who,
            digest=digest,
        )
        self.keys.add(record)
        return IssuedKey(key=key, record=record)

    def every(self, principal: Principal) -> list[ApiKey]:
        access.require_admin(principal)
        return self.keys.every()

    def revoke(self, principal: Principal, key_id: str) -> ApiKey:
        access.require_admin(principal)
        return self.keys.revoke(key_id, by=principal.staff_id, at=self.clock.now())

"""Configuration from the environment, read once per warm Lambda."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# The town's face (seed/town.json, checked by domain/town.py): its name and consent version.
from chalicelib.adapters.town_config import shipped_town


class AuthMode(StrEnum):
    # API Gateway's Cognito authorizer verified the token; the app reads its claims.
    COGNITO = "cognito"
    # Local stack and tests: the app itself verifies HS256 dev tokens signed with a secret.
    DEV = "dev"


@dataclass(frozen=True)
class Settings:
    table_name: str = "civicdesk-cards"
    attachments_bucket: str = "civicdesk-attachments"
    auth_mode: AuthMode = AuthMode.COGNITO
    dev_token_secret: str | None = None
    # The staff user pool (deployed): asked whether a manager has an authenticator app.
    user_pool_id: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    consent_version: str = "2026-01"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    max_body_bytes: int = 64 * 1024
    inbound_bucket: str = "civicdesk-inbound-mail"
    mail_from: str = "requests@town.example"
    town_name: str = "Town Hall"
    own_addresses: frozenset[str] = frozenset()
    mail_reopen_days: int = 30
    default_locale: str = "en"
    email_category: str = "other.question"
    mail_max_bytes: int = 25 * 1024 * 1024
    # Deadline timers: the Scheduler group and what each card's schedule invokes, and the
    # escalation state machine (all from the stack; empty locally, where twins stand in).
    schedule_group: str = ""
    timer_function_arn: str = ""
    scheduler_role_arn: str = ""
    timer_dead_letter_arn: str = ""
    escalation_state_machine: str = ""
    # Signs status and survey links: the secret itself (local), or the Secrets Manager secret
    # holding it (deployed: read once per cold start).
    link_secret: str | None = None
    link_secret_arn: str = ""
    # SMS: numbers written nationally get the town's country code in place of the trunk prefix.
    sms_country_code: str = "7"
    sms_trunk_prefix: str = "8"
    sms_sender_id: str = ""
    # Search: the OpenSearch domain's endpoint when deployed; without one, the embedded index
    # (in ``search_path``, or in memory when that is empty).
    search_endpoint: str = ""
    search_index: str = "civicdesk-cards"
    search_path: str = ""
    # Exports for BI tools, and the function that writes them (none: the local stack runs them).
    exports_bucket: str = "civicdesk-exports"
    export_function: str = ""
    # Keys the requester pseudonyms in exports (Secrets Manager when deployed; locally derived
    # from the link secret).
    export_secret_arn: str = ""
    # Rate limits changed from their defaults (domain/rate_limits.py), as JSON:
    # {"new_requests": [[3600, 20], [86400, 60]]} (window seconds, most uses).
    limits: dict[str, list[list[int]]] = field(default_factory=dict)
    # Geocoding for the portal's map: "amazon" (Amazon Location's Places API, the API's role
    # may call it), else the town's street table.
    geocoding: str = ""
    # Open311: the town's jurisdiction_id (clients may send it; another one is refused).
    jurisdiction_id: str = "town.example"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        defaults = cls()
        mode = AuthMode(env.get("CIVICDESK_AUTH_MODE", AuthMode.COGNITO.value))
        secret = env.get("CIVICDESK_DEV_TOKEN_SECRET") or None
        if mode == AuthMode.DEV and (secret is None or len(secret) < 32):
            raise ValueError(
                "CIVICDESK_AUTH_MODE=dev needs CIVICDESK_DEV_TOKEN_SECRET of at least 32 characters"
            )
        return cls(
            table_name=env.get("CIVICDESK_TABLE", defaults.table_name),
            attachments_bucket=env.get("CIVICDESK_ATTACHMENTS_BUCKET", defaults.attachments_bucket),
            auth_mode=mode,
            dev_token_secret=secret,
            user_pool_id=env.get("CIVICDESK_USER_POOL_ID", ""),
            public_base_url=env.get("CIVICDESK_PUBLIC_BASE_URL", defaults.public_base_url).rstrip(
                "/"
            ),
            consent_version=env.get("CIVICDESK_CONSENT_VERSION") or shipped_town().consent.version,
            timezone=ZoneInfo(env.get("CIVICDESK_TIMEZONE") or calendar_timezone()),
            max_body_bytes=int(env.get("CIVICDESK_MAX_BODY_BYTES", defaults.max_body_bytes)),
            schedule_group=env.get("CIVICDESK_SCHEDULE_GROUP", ""),
            timer_function_arn=env.get("CIVICDESK_TIMER_FUNCTION_ARN", ""),
            scheduler_role_arn=env.get("CIVICDESK_SCHEDULER_ROLE_ARN", ""),
            timer_dead_letter_arn=env.get("CIVICDESK_TIMER_DLQ_ARN", ""),
            escalation_state_machine=env.get("CIVICDESK_ESCALATION_STATE_MACHINE", ""),
            link_secret=_link_secret(env, mode, secret),
            link_secret_arn=env.get("CIVICDESK_LINK_SECRET_ARN", ""),
            sms_country_code=env.get("CIVICDESK_SMS_COUNTRY_CODE", defaults.sms_country_code),
            sms_trunk_prefix=env.get("CIVICDESK_SMS_TRUNK_PREFIX", defaults.sms_trunk_prefix),
            sms_sender_id=env.get("CIVICDESK_SMS_SENDER_ID", ""),
            search_endpoint=env.get("CIVICDESK_SEARCH_ENDPOINT", ""),
            search_index=env.get("CIVICDESK_SEARCH_INDEX", defaults.search_index),
            search_path=env.get("CIVICDESK_SEARCH_PATH", ""),
            exports_bucket=env.get("CIVICDESK_EXPORTS_BUCKET", defaults.exports_bucket),
            export_function=env.get("CIVICDESK_EXPORT_FUNCTION", ""),
            export_secret_arn=env.get("CIVICDESK_EXPORT_SECRET_ARN", ""),
            limits=json.loads(env.get("CIVICDESK_LIMITS") or "{}"),
            geocoding=env.get("CIVICDESK_GEOCODING", ""),
            jurisdiction_id=env.get("CIVICDESK_JURISDICTION_ID", defaults.jurisdiction_id),
            **_mail_settings(env, defaults),
        )


def _link_secret(env: dict[str, str], mode: AuthMode, dev_secret: str | None) -> str | None:
    secret = env.get("CIVICDESK_LINK_SECRET") or None
    if secret is not None and len(secret) < 32:
        raise ValueError("CIVICDESK_LINK_SECRET must be at least 32 characters")
    if secret is None and mode == AuthMode.DEV and dev_secret:
        # Locally one secret is enough; derived, so a staff token is never a link key.
        return hmac.new(dev_secret.encode(), b"status-links", hashlib.sha256).hexdigest()
    return secret


def _mail_settings(env: dict[str, str], defaults: Settings) -> dict[str, Any]:
    mail_from = env.get("CIVICDESK_MAIL_FROM", defaults.mail_from).strip().lower()
    own = {
        a.strip().lower() for a in env.get("CIVICDESK_OWN_ADDRESSES", "").split(",") if a.strip()
    }
    return {
        "inbound_bucket": env.get("CIVICDESK_INBOUND_BUCKET", defaults.inbound_bucket),
        "mail_from": mail_from,
        "town_name": env.get("CIVICDESK_TOWN_NAME")
        or shipped_town().name.get(env.get("CIVICDESK_DEFAULT_LOCALE", defaults.default_locale)),
        "own_addresses": frozenset(own | {mail_from}),
        "mail_reopen_days": int(env.get("CIVICDESK_MAIL_REOPEN_DAYS", defaults.mail_reopen_days)),
        "default_locale": env.get("CIVICDESK_DEFAULT_LOCALE", defaults.default_locale),
        "email_category": env.get("CIVICDESK_EMAIL_CATEGORY", defaults.email_category),
        "mail_max_bytes": int(env.get("CIVICDESK_MAIL_MAX_BYTES", defaults.mail_max_bytes)),
    }


def calendar_timezone() -> str:
    """The town's zone is its business calendar's; only that field is read (no holiday data)."""
    seed = Path(__file__).resolve().parent / "seed" / "calendar.json"
    return str(json.loads(seed.read_text("utf-8"))["timezone"])

"""Open311 GeoReport v2: what apps towns and citizens already use can list the town's services,
file a request with a key, and follow it by token or number. A request filed this way goes
through the same intake as every channel (routing, deadlines, receipts, duplicates, exactly
once); what any client reads is the public line, never a person."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from chalicelib.domain import geo
from chalicelib.domain.api_keys import ApiKey, digest_of
from chalicelib.domain.card import Channel
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.open311 import (
    DANGER,
    DEFAULT_LIMIT,
    DESCRIPTION_MAX,
    SPECIFICATION,
    Open311Error,
    RequestLine,
    bulk_row,
    open_or_closed,
    parse_w3c,
    period,
    request_document,
    request_line,
    service_definition,
    service_list,
    update_document,
    w3c,
)
from chalicelib.domain.rate_limits import RateLimit, Window
from chalicelib.observability import logger
from chalicelib.ports import ApiKeys, BlobStore, CardRepository, Clock, Directory, RateLimiter
from chalicelib.services.attachments import public_photo_link
from chalicelib.services.commands import EMAIL_PATTERN, PHONE_PATTERN, CardCreate
from chalicelib.services.intake import Intake

BAD_KEY = "Invalid api_key received -- can't proceed with create_request."
MOST_IDS = 100  # service_request_id=a,b,c: at most this many at once
MEDIA_LINK_SECONDS = 3600
DEFAULT_RADIUS = 500


@dataclass(frozen=True)
class Open311Policy:
    jurisdiction_id: str
    endpoint_url: str  # this API's Open311 root, as discovery names it
    token_secret: bytes
    consent_version: str
    contact: str
    changeset: str = "2026-11-30 00:00"


def token_for(secret: bytes, number: str) -> str:
    """A request's token: its number with a signature (nothing is stored per token)."""
    mac = hmac.new(secret, f"open311|{number}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"{number}-{mac}"


def number_of(secret: bytes, token: str) -> str | None:
    found = re.fullmatch(r"(\d{4}-\d{6})-([0-9a-f]{16})", token)
    if found is None or not hmac.compare_digest(token_for(secret, found[1]), token):
        return None
    return found[1]


@dataclass(frozen=True)
class Open311:
    cards: CardRepository
    directory: Directory
    clock: Clock
    intake: Intake
    keys: ApiKeys
    limiter: RateLimiter
    blobs: BlobStore
    policy: Open311Policy

    # ---- reading

    def discovery(self) -> dict[str, Any]:
        return {
            "changeset": self.policy.changeset,
            "contact": self.policy.contact,
            "key_service": "API keys are issued by the town's administrator: "
            + self.policy.contact,
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": self.policy.endpoint_url,
                    "changeset": self.policy.changeset,
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        }

    def services(self, locale: str) -> list[dict[str, Any]]:
        return service_list(self.directory.categories(), locale)

    def definition(self, code: str, locale: str) -> dict[str, Any]:
        return service_definition(code, self.directory.categories(), locale)

    def request(self, number: str, locale: str) -> list[dict[str, Any]]:
        line = self._line(number)
        if line is None:
            raise Open311Error(404, f"service_request_id {number} not found")
        return [self._document(line, locale)]

    def token(self, token: str) -> list[dict[str, Any]]:
        number = number_of(self.policy.token_secret, token)
        if number is None or self._line(number) is None:
            raise Open311Error(404, f"token {token} not found")
        return [{"service_request_id": number, "token": token}]

    def requests(self, asked: Mapping[str, str], locale: str) -> list[dict[str, Any]]:
        """``GET requests``: by ids (which override everything else), or the last 90 days (or
        the range asked, at most 90 days), filtered by service codes, status and the place
        (``lat``, ``long``, ``radius`` in metres), newest first, ``page_size`` (at most 1,000)
        a ``page``."""
        ids = _listed(asked.get("service_request_id"))
        if ids:
            if len(ids) > MOST_IDS:
                raise Open311Error(400, f"at most {MOST_IDS} service_request_id at once")
            lines = [line for n in ids if (line := self._line(n)) is not None]
            return [self._document(line, locale) for line in lines]
        wanted = self._wanted(asked)
        size = _whole(asked.get("page_size"), "page_size", DEFAULT_LIMIT, most=DEFAULT_LIMIT)
        page = _whole(asked.get("page"), "page", 1, most=10_000)
        span = period(asked.get("start_date"), asked.get("end_date"), self.clock.now())
        lines = self.cards.requested(span.start, span.end, limit=size * page, wanted=wanted)
        return [self._document(line, locale) for line in lines[size * (page - 1) :]]

    def bulk(self, asked: Mapping[str, str]) -> list[dict[str, Any]]:
        """The listing as GeoReport bulk rows (the exports' first columns), for open data."""
        ids = _listed(asked.get("service_request_id"))
        if ids:
            lines = [line for n in ids[:MOST_IDS] if (line := self._line(n)) is not None]
        else:
            span = period(asked.get("start_date"), asked.get("end_date"), self.clock.now())
            size = _whole(asked.get("page_size"), "page_size", DEFAULT_LIMIT, most=DEFAULT_LIMIT)
            lines = self.cards.requested(
                span.start, span.end, limit=size, wanted=self._wanted(asked)
            )
        tree = self.directory.categories()
        return [bulk_row(line, tree=tree, agency=self._agency(line, "en")) for line in lines]

    def _agency(self, line: RequestLine, locale: str) -> str:
        department = self.directory.department(line.department)
        return department.name.get(locale) if department else line.department

    def updates(self, asked: Mapping[str, str]) -> list[dict[str, Any]]:
        """FixMyStreet's ``servicerequestupdates``: the public status changes between
        ``start_date`` and ``end_date`` (default: the last day; at most 90 days), oldest
        first, at most 1,000."""
        now = self.clock.now()
        end = parse_w3c(asked["end_date"], "end_date") if asked.get("end_date") else now
        start = (
            parse_w3c(asked["start_date"], "start_date")
            if asked.get("start_date")
            else end - timedelta(days=1)
        )
        span = period(w3c(start), w3c(end), now)
        found = self.cards.updates(span.start, span.end, limit=DEFAULT_LIMIT)
        return [update_document(u) for u in found]

    def _wanted(self, asked: Mapping[str, str]) -> Callable[[RequestLine], bool]:
        codes = set(_listed(asked.get("service_code")))
        statuses = set(_listed(asked.get("status")))
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status is open or closed (comma separated)")
        near = _near(asked)

        def wanted(line: RequestLine) -> bool:
            if codes and line.category not in codes:
                return False
            if statuses and open_or_closed(line.status) not in statuses:
                return False
            return near is None or near(line)

        return wanted

    def _line(self, number: str) -> RequestLine | None:
        try:
            card = self.cards.get(number)
        except NotFound:
            return None
        return request_line(card)

    def _document(self, line: RequestLine, locale: str) -> dict[str, Any]:
        notice = (
            f"The town answers by {line.expected_at.strftime('%Y-%m-%d %H:%M UTC')}"
            if line.expected_at
            else ""
        )
        return request_document(
            line,
            tree=self.directory.categories(),
            agency=self._agency(line, locale),
            notice=notice,
            media_url=(
                public_photo_link(line.photo, blobs=self.blobs, expires_in=MEDIA_LINK_SECONDS)
                if line.photo
                else None
            ),
            locale=locale,
        )

    # ---- filing

    def create(self, form: Mapping[str, str], locale: str) -> list[dict[str, Any]]:
        """``POST requests``: a request from a client with a key, through intake."""
        key = self._key(form.get("api_key"))
        self.check_jurisdiction(form.get("jurisdiction_id"))
        self._within_allowance(key)
        card_form = self._card_form(form, key, locale)
        # A client's retry of the same post (the same fields) makes no second card.
        fingerprint = hashlib.sha256(
            repr(sorted((k, v) for k, v in form.items() if k != "api_key")).encode()
        ).hexdigest()[:40]
        try:
            receipt = self.intake.submit(
                card_form,
                key=f"OPEN311:{key.id}:{fingerprint}",
                channel=Channel.API,
                name_known=bool(form.get("first_name") or form.get("last_name")),
                client=key.name,
            )
        except ValidationFailed as refused:
            raise Open311Error(400, _problems(refused)) from None
        card = receipt.card
        logger.info("open311 request filed", extra={"client": key.id})
        return [
            {
                "service_request_id": card.number,
                "token": token_for(self.policy.token_secret, card.number),
                "service_notice": (
                    f"The town answers by {card.first_response_due.strftime('%Y-%m-%d %H:%M UTC')}"
                ),
                "account_id": form.get("account_id") or None,
            }
        ]

    def check_jurisdiction(self, given: str | None) -> None:
        if given and given.strip() != self.policy.jurisdiction_id:
            raise Open311Error(
                404, f"jurisdiction_id {given!r} is not served here ({self.policy.jurisdiction_id})"
            )

    def _key(self, given: str | None) -> ApiKey:
        key = self.keys.by_digest(digest_of(given)) if given else None
        if key is None or not key.active:
            raise Open311Error(403, BAD_KEY)
        return key

    def _within_allowance(self, key: ApiKey) -> None:
        allowance = RateLimit(f"open311-{key.id}", (Window(timedelta(hours=1), key.per_hour),))
        verdict = self.limiter.take(allowance, key.id, at=self.clock.now())
        if not verdict.granted:
            raise Open311Error(
                429,
                f"this key may file {key.per_hour} requests an hour; "
                f"try again in {verdict.retry_after_seconds} seconds",
            )

    def _card_form(self, form: Mapping[str, str], key: ApiKey, locale: str) -> CardCreate:
        problems: list[str] = []
        code = (form.get("service_code") or "").strip()
        if not code:
            raise Open311Error(400, "service_code was not provided")
        if code not in self.directory.categories():
            raise Open311Error(404, f"service_code {code!r} not found")
        latitude = _number(form.get("lat"), "lat", -90, 90, problems)
        longitude = _number(form.get("long"), "long", -180, 180, problems)
        if (latitude is None) != (longitude is None):
            problems.append("lat and long go together")
        address = (form.get("address_string") or form.get("address_id") or "").strip()[:300]
        if latitude is None and not address:
            problems.append("a location is required: lat and long, address_string or address_id")
        description = (form.get("description") or "").strip()
        if len(description) > DESCRIPTION_MAX:
            problems.append(f"description is longer than {DESCRIPTION_MAX} characters")
        email = (form.get("email") or "").strip() or None
        phone = (form.get("phone") or "").strip() or None
        if email and not re.match(EMAIL_PATTERN, email):
            problems.append("email is not an address")
        if phone and not re.match(PHONE_PATTERN, phone):
            problems.append("phone is not a phone number")
        if not email and not phone:
            problems.append("email or phone is required: the town answers every request")
        danger = (form.get(f"attribute[{DANGER}]") or "no").strip().lower()
        if danger not in ("yes", "no"):
            problems.append(f"attribute[{DANGER}] is yes or no")
        media = (form.get("media_url") or "").strip()
        if media and (not re.match(r"^https?://\S+$", media) or len(media) > 500):
            problems.append("media_url is not an http(s) link")
        if problems:
            raise Open311Error(400, "; ".join(problems))
        name = " ".join(
            p
            for p in ((form.get("first_name") or "").strip(), (form.get("last_name") or "").strip())
            if p
        )
        tree = self.directory.categories()
        words = description or tree.label(code, locale)
        if media:
            words += f"\n\nPhoto sent by {key.name}: {media}"
        # The subject is the description's first line, or the topic when that says too little.
        first_line = description.splitlines()[0][:120].strip() if description else ""
        subject = first_line if len(first_line) >= 3 else tree.label(code, locale)
        try:
            return CardCreate.model_validate(
                {
                    "subject": subject,
                    "description": words[:5000],
                    "category": code,
                    "requester": {
                        "full_name": name[:200] if len(name) >= 2 else f"Sent by {key.name}"[:200],
                        "email": email,
                        "phone": phone,
                        "preferred_channel": "email" if email else "sms",
                        "locale": locale if locale in ("en", "ru") else None,
                    },
                    # The client's key holds it to asking the person's consent (its terms).
                    "consent": {"accepted": True, "text_version": self.policy.consent_version},
                    "location": {
                        "address": address or None,
                        "latitude": latitude,
                        "longitude": longitude,
                    },
                    "danger": danger == "yes",
                }
            )
        except ValidationError as invalid:
            fields = sorted({".".join(str(p) for p in e["loc"]) for e in invalid.errors()})
            raise Open311Error(400, "invalid: " + ", ".join(fields)) from None


def _listed(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _whole(value: str | None, field: str, default: int, *, most: int) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit() or not 1 <= int(value) <= most:
        raise Open311Error(400, f"{field} is a whole number from 1 to {most}")
    return int(value)


def _number(
    value: str | None, field: str, low: float, high: float, problems: list[str]
) -> float | None:
    if value is None or value.strip() == "":
        return None
    try:
        number = float(value)
    except ValueError:
        problems.append(f"{field} is not a number")
        return None
    if not low <= number <= high or number != number:
        problems.append(f"{field} is between {low:g} and {high:g}")
        return None
    return round(number, 7)


def _near(asked: Mapping[str, str]) -> Callable[[RequestLine], bool] | None:
    """The ``lat``/``long``/``radius`` extension: requests within ``radius`` metres."""
    if not asked.get("lat") and not asked.get("long"):
        return None
    problems: list[str] = []
    latitude = _number(asked.get("lat"), "lat", -90, 90, problems)
    longitude = _number(asked.get("long"), "long", -180, 180, problems)
    radius = _whole(asked.get("radius"), "radius", DEFAULT_RADIUS, most=50_000)
    if problems or latitude is None or longitude is None:
        raise Open311Error(400, "; ".join(problems) or "lat and long go together")

    def near(line: RequestLine) -> bool:
        if line.latitude is None or line.longitude is None:
            return False
        return geo.distance_metres(latitude, longitude, line.latitude, line.longitude) <= radius

    return near


def _problems(refused: ValidationFailed) -> str:
    return "; ".join(f"{p.field}: {p.problem}" for p in refused.problems)

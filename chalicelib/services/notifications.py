"""Writing the requester's messages: which change warrants one, filled from the card's public
facts, rendered once for every channel, and handed to the outbox with the change itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from chalicelib import templating
from chalicelib.domain.card import Card, Follower, FollowerSource
from chalicelib.domain.history import HistoryEntry
from chalicelib.domain.lifecycle import Change
from chalicelib.domain.notifications import (
    FOLLOWER_KINDS,
    NotificationKind,
    Occasion,
    UnitContact,
    context,
    destinations,
    follower_hears,
    occasion_for,
    reach,
)
from chalicelib.domain.outbox import (
    DeliveryChannel,
    Destination,
    EmailContent,
    OutboxMessage,
    message_id,
)
from chalicelib.domain.signed_links import (
    LinkPurpose,
    sign,
    status_page_url,
    unfollow_url,
    verify,
)
from chalicelib.observability import logger
from chalicelib.ports import Directory, NotificationTemplates


@dataclass(frozen=True)
class NotifyPolicy:
    town_name: str = "Town Hall"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    default_locale: str = "en"
    public_base_url: str = "http://127.0.0.1:8000"
    link_secret: bytes = b""
    status_link_days: int = 90
    survey_link_days: int = 60


# A stop link lasts this long after the message that carried it (each message brings a new one).
UNFOLLOW_LINK_DAYS = 365


class Notifier:
    """Composes requester messages; sending is the outbox dispatcher's job."""

    def __init__(
        self, *, directory: Directory, templates: NotificationTemplates, policy: NotifyPolicy
    ) -> None:
        self._directory = directory
        self._templates = templates
        self._policy = policy

    @property
    def templates(self) -> NotificationTemplates:
        return self._templates

    def for_change(self, before: Card, change: Change) -> list[OutboxMessage]:
        occasion = occasion_for(before, change.card, change.entry)
        return self.compose(change.card, change.entry, occasion) if occasion else []

    def compose(
        self,
        card: Card,
        entry: HistoryEntry,
        occasion: Occasion,
        *,
        access_token: str | None = None,
    ) -> list[OutboxMessage]:
        """The message ``occasion`` warrants, or none when the requester left no contact."""
        message_key = message_id(card.number, entry.seq, occasion.kind.value)
        found = self._message(card, occasion, message_key, entry.at, access_token)
        return ([found] if found else []) + self.for_followers(card, entry)

    def for_followers(self, card: Card, entry: HistoryEntry) -> list[OutboxMessage]:
        """What the card's followers hear of ``entry``: one message each, in their language,
        with the public page (never the requester's private link) and their own stop link."""
        if not follower_hears(card, entry):
            return []
        occasion = Occasion(NotificationKind.FOLLOWER_UPDATE)
        told = (self._to_follower(card, f, occasion, entry.seq, entry.at) for f in card.followers)
        return [message for message in told if message is not None]

    def merged(self, card: Card, entry: HistoryEntry, main: Card) -> list[OutboxMessage]:
        """The notice to a merged card's requester: their request joined ``main``, whose news
        they get from now on, with the link to stop them (they follow it now)."""
        occasion = occasion_for(card, card, entry)
        if occasion is None:
            return []
        joined = next(
            (
                f
                for f in main.followers
                if f.origin == card.number and f.source == FollowerSource.MERGED
            ),
            None,
        )
        stop = self._unfollow_url(main.number, joined.id, entry.at) if joined is not None else ""
        key = message_id(card.number, entry.seq, occasion.kind.value)
        found = self._message(card, occasion, key, entry.at, None, unfollow=stop)
        return [found] if found else []

    def _unfollow_url(self, number: str, follower_id: str, at: datetime) -> str:
        token = sign(
            self._policy.link_secret,
            LinkPurpose.UNFOLLOW,
            f"{number}/{follower_id}",
            at + timedelta(days=UNFOLLOW_LINK_DAYS),
        )
        return unfollow_url(self._policy.public_base_url, number, follower_id, token)

    def following(self, card: Card, follower: Follower, entry: HistoryEntry) -> list[OutboxMessage]:
        """The confirmation a new follower gets, with the link to stop."""
        occasion = Occasion(NotificationKind.FOLLOWING)
        welcome = self._to_follower(card, follower, occasion, entry.seq, entry.at)
        return [welcome] if welcome else []

    def _to_follower(
        self, card: Card, follower: Follower, occasion: Occasion, seq: int, at: datetime
    ) -> OutboxMessage | None:
        return self._message(
            card,
            occasion,
            message_id(card.number, seq, f"{occasion.kind.value}.{follower.id[:12]}"),
            at,
            None,
            locale=follower.locale or self._policy.default_locale,
            reach=reach(follower.email, follower.phone, follower.preferred_channel),
            unfollow=self._unfollow_url(card.number, follower.id, at),
        )

    def unfollow_token_valid(self, number: str, follower_id: str, token: str, at: datetime) -> bool:
        return verify(
            self._policy.link_secret, LinkPurpose.UNFOLLOW, f"{number}/{follower_id}", token, now=at
        )

    def public_url(self, number: str) -> str:
        return f"{self._policy.public_base_url}/r/{quote(number)}"

    def receipt(self, card: Card, entry: HistoryEntry, access_token: str) -> list[OutboxMessage]:
        """The confirmation of a new card, with its private link (the only time we have it)."""
        return self.compose(
            card, entry, Occasion(NotificationKind.RECEIPT), access_token=access_token
        )

    def mail_receipt(
        self,
        card: Card,
        entry: HistoryEntry,
        access_token: str,
        *,
        recipient: str,
        locale: str,
        thread: dict[str, str],
    ) -> OutboxMessage:
        """The answer to a mail that made a card: to the sender, in the mail's language and
        thread, marked as an automatic reply (RFC 3834)."""
        occasion = Occasion(NotificationKind.MAIL_RECEIPT)
        key = message_id(card.number, entry.seq, NotificationKind.RECEIPT.value)
        message = self._message(
            card,
            occasion,
            key,
            entry.at,
            access_token,
            locale=locale,
            reach=(Destination(channel=DeliveryChannel.EMAIL, address=recipient),),
        )
        if message is None or message.email is None:  # cannot be: a destination was given
            raise RuntimeError("a mail receipt without mail")
        email = message.email.model_copy(
            update={"auto_submitted": "auto-replied", "thread_headers": thread}
        )
        return message.model_copy(update={"email": email, "kind": NotificationKind.RECEIPT.value})

    def access_code(
        self, card: Card, code: str, *, serial: int, at: datetime
    ) -> OutboxMessage | None:
        """The one-time code, to the contact on file (None when there is none); ``serial``
        tells the card's codes apart."""
        occasion = Occasion(NotificationKind.ACCESS_CODE, code=code)
        key = f"{card.number}.k{serial:04d}.access_code"
        return self._message(card, occasion, key, at, None)

    def _message(
        self,
        card: Card,
        occasion: Occasion,
        key: str,
        at: datetime,
        access_token: str | None,
        *,
        locale: str | None = None,
        reach: tuple[Destination, ...] | None = None,
        unfollow: str = "",
    ) -> OutboxMessage | None:
        # Given (a follower's contact): only there, never the requester's in its place.
        reach = destinations(card) if reach is None else reach
        if not reach:
            logger.info("no contact to notify", extra={"kind": occasion.kind.value})
            return None
        locale = locale or card.requester.locale or self._policy.default_locale
        rendered = self._render(card, occasion, locale, at, access_token, unfollow=unfollow)
        return OutboxMessage(
            id=key,
            card_number=card.number,
            kind=occasion.kind.value,
            locale=locale,
            destinations=reach,
            email=EmailContent(subject=rendered.subject, text=rendered.text, html=rendered.html),
            sms=rendered.sms,
            next_attempt_at=at,
            created_at=at,
            updated_at=at,
        )

    def preview(self, card: Card, occasion: Occasion, *, at: datetime) -> templating.Rendered:
        """What the requester would receive for ``occasion``, in their language; nothing is
        queued (the link in it is a real, signed one)."""
        locale = card.requester.locale or self._policy.default_locale
        return self._render(card, occasion, locale, at, None)

    def status_url(self, number: str, *, at: datetime, access_token: str | None = None) -> str:
        """The private status link: the receipt's own token, later a signed one."""
        token = access_token or self.status_token(number, at)
        return status_page_url(self._policy.public_base_url, number, token)

    def status_token(self, number: str, at: datetime) -> str:
        """A signed key to the status page, valid for the policy's days from ``at``."""
        expires = at + timedelta(days=self._policy.status_link_days)
        return sign(self._policy.link_secret, LinkPurpose.STATUS, number, expires)

    def survey_url(self, number: str, *, at: datetime) -> str:
        token = sign(
            self._policy.link_secret,
            LinkPurpose.SURVEY,
            number,
            at + timedelta(days=self._policy.survey_link_days),
        )
        return status_page_url(self._policy.public_base_url, number, token, survey=True)

    def objection_url(self, number: str, *, at: datetime) -> str:
        """The status page opened at the objection form (a signed status link: the objection
        needs what opens the status page)."""
        token = self.status_token(number, at)
        return status_page_url(self._policy.public_base_url, number, token, objection=True)

    def _render(
        self,
        card: Card,
        occasion: Occasion,
        locale: str,
        at: datetime,
        access_token: str | None,
        *,
        unfollow: str = "",
    ) -> templating.Rendered:
        variables = context(
            card,
            occasion,
            unit=self._unit(card.department, locale),
            tz=self._policy.timezone,
            status_url=(
                self.public_url(card.number)
                if occasion.kind in FOLLOWER_KINDS
                else self.status_url(card.number, at=at, access_token=access_token)
            ),
            town_name=self._policy.town_name,
            survey_url=(
                self.survey_url(card.number, at=at)
                if occasion.kind == NotificationKind.SURVEY
                else None
            ),
            objection_url=(
                self.objection_url(card.number, at=at)
                if card.objection_until and occasion.kind not in FOLLOWER_KINDS
                else None
            ),
            topic=self._directory.categories().label(card.category, locale),
            public_url=self.public_url(card.number),
            main_url=self.public_url(occasion.main_number) if occasion.main_number else "",
            unfollow_url=unfollow,
        )
        return render_kind(self._templates, occasion.kind.value, locale, card.department, variables)

    def _unit(self, department_id: str, locale: str) -> UnitContact:
        department = self._directory.department(department_id)
        if department is None:
            return UnitContact(name=self._policy.town_name, phone=None, email=None)
        return UnitContact(
            name=department.name.get(locale),
            phone=department.phone,
            email=department.email,
        )


def render_kind(
    templates: NotificationTemplates,
    kind: str,
    locale: str,
    department: str,
    variables: Mapping[str, object],
) -> templating.Rendered:
    """``kind`` from the department's template (else the town's, else the shipped one)."""
    source = templates.source(kind, locale, department)
    try:
        return templating.render_source(source, variables)
    except Exception:
        # An edited template that breaks at render time must not cost the message: the
        # shipped one says the same thing.
        logger.exception("template failed; using the default", extra={"kind": kind})
        return templating.render_source(templates.shipped(kind, locale), variables)

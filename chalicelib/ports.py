"""The outside world as the services see it. Each port has an AWS adapter and an in-memory twin,
and both pass the same contract suite (tests/contract)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.access_codes import AccessCode
from chalicelib.domain.api_keys import ApiKey
from chalicelib.domain.card import Card, Status
from chalicelib.domain.desk import DeskRow
from chalicelib.domain.directory import CategoryTree, Department, StaffMember
from chalicelib.domain.duplicates import Sought, Twin
from chalicelib.domain.duty import DutyShift
from chalicelib.domain.history import HistoryEntry
from chalicelib.domain.inbound_mail import MailClaim
from chalicelib.domain.message_templates import TemplateVersion
from chalicelib.domain.nearby import PlacedCard
from chalicelib.domain.open311 import RequestLine, RequestUpdate
from chalicelib.domain.outbox import OutboxMessage
from chalicelib.domain.places import Place
from chalicelib.domain.rate_limits import Allowance, RateLimit
from chalicelib.domain.routing import RuleSet
from chalicelib.domain.satisfaction import SurveyAnswer
from chalicelib.domain.territory import Territory

if TYPE_CHECKING:
    # Search types only annotate the port: functions that never search do not import them.
    from chalicelib.domain.search import Scope, SearchDoc, SearchQuery, SearchResult


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


@dataclass(frozen=True)
class IdempotencyRecord:
    """A remembered intake: the key, a hash of the request it came with, and the card it made;
    while the first attempt is still registering, whose claim it is (``claim``) and until when.

    It keeps no access token: a client whose first response was lost gets a fresh signed
    status link on retry. Adapters expire the record after a day.
    """

    key: str
    request_hash: str
    card_number: str | None = None
    claim: str | None = None
    claimed_until: datetime | None = None

    @property
    def done(self) -> bool:
        return self.card_number is not None


@dataclass(frozen=True)
class QueuePage:
    cards: list[Card]
    cursor: str | None
    # On the overdue list: when each card's earliest unmet deadline passed, by number.
    overdue_since: dict[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class PriorCard:
    """A requester's earlier card, as the repeat check needs it."""

    number: str
    created_at: datetime


@dataclass(frozen=True)
class DuePage:
    """Cards whose deadlines need a look, earliest first (numbers only: the index keeps keys)."""

    numbers: list[str]
    cursor: str | None


@dataclass(frozen=True)
class MissedDeadline:
    """A card's earliest missed and still unmet deadline: what the overdue list shows."""

    department: str
    due_at: datetime


class CardRepository(Protocol):
    """Cards and their append-only history, with optimistic locking on ``Card.version``."""

    def next_number(self, year: int) -> int:
        """Atomically take the next sequence number of ``year`` (1, 2, 3, ...)."""
        ...

    def numbers_taken(self, years: Iterable[int]) -> int:
        """How many numbers were taken in ``years``: about how many cards there are (a number
        taken by a write that then failed is counted too), without reading the cards."""
        ...

    def find_idempotent(self, key: str) -> IdempotencyRecord | None: ...

    def claim_idempotent(self, claim: IdempotencyRecord, *, now: datetime) -> IdempotencyRecord:
        """Claim ``claim.key`` before any number is taken: ``claim`` itself when the key is
        ours (new, or a claim whose lease lapsed), otherwise the record in the way (done:
        the card it made; not done: another attempt still at work)."""
        ...

    def release_idempotent(self, claim: IdempotencyRecord) -> None:
        """Give up our claim (the attempt failed), so that a retry need not wait the lease."""
        ...

    def create(
        self,
        card: Card,
        entry: HistoryEntry,
        idempotency: IdempotencyRecord | None = None,
        messages: Sequence[OutboxMessage] = (),
    ) -> None:
        """Write a new card with its first history entry (completing our idempotency claim,
        and with the messages it sends) atomically.

        Raises ConflictError if the number exists or the claim is no longer ours.
        """
        ...

    def get(self, number: str) -> Card:
        """Raises NotFound."""
        ...

    def get_with_history(self, number: str) -> tuple[Card, list[HistoryEntry]]:
        """The card and its history in order, in one read. Raises NotFound."""
        ...

    def rewrite(self, card: Card, history: Sequence[HistoryEntry], entry: HistoryEntry) -> None:
        """Replace the card's stored history entries with ``history`` (same seqs), then save
        ``card`` with ``entry`` at its version (ConflictError if it moved). The entries go
        first, in batches, so a card with any history fits; a run cut short leaves the card
        unmarked and is simply run again (rewriting an entry twice gives the same entry)."""
        ...

    def save(self, card: Card, entry: HistoryEntry, messages: Sequence[OutboxMessage] = ()) -> None:
        """Write ``card`` (version n+1), ``entry`` and the outbox ``messages`` the change sends
        atomically if the stored card is version n.

        Raises ConflictError carrying the stored version when it is not.
        """
        ...

    def queue(
        self, department: str, status: Status, *, limit: int, cursor: str | None = None
    ) -> QueuePage:
        """Cards of a department in a status, most urgent first, then earliest deadline."""
        ...

    def due(self, until: datetime, *, limit: int, cursor: str | None = None) -> DuePage:
        """Cards whose next deadline check is at or before ``until``.

        Every write of a card makes it due at once (its timers may have moved); a check then
        sets the exact next moment with ``set_next_check``. Cards with nothing left to watch
        are not in the index at all.
        """
        ...

    def set_next_check(
        self,
        number: str,
        version: int,
        at: datetime | None,
        missed: MissedDeadline | None = None,
        *,
        deadline: datetime | None = None,
    ) -> bool:
        """Move the card's next check to ``at`` (``None``: nothing left to watch), put it on
        its department's overdue list while ``missed`` is set and show ``deadline`` (the
        nearest one still running) on its desk line, if it is still at ``version``; False
        when the card changed meanwhile (that write made it due again)."""
        ...

    def desk(self, department: str) -> list[DeskRow]:
        """Every open card of the department as a queue line (``domain.desk``)."""
        ...

    def refresh_derived_keys(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Give cards written before an index existed the keys it reads; how many changed."""
        ...

    def overdue(self, department: str, *, limit: int, cursor: str | None = None) -> QueuePage:
        """The department's cards with a missed, unmet deadline, longest overdue first (as of
        each card's last deadline check: a write takes a card off until its check, which
        follows the write within a minute)."""
        ...

    def awaiting_approval(
        self, department: str, *, limit: int, cursor: str | None = None
    ) -> QueuePage:
        """The department's cards with a reply waiting for the manager, oldest draft first."""
        ...

    def every_card(
        self, *, limit: int, cursor: str | None = None, segment: tuple[int, int] | None = None
    ) -> QueuePage:
        """Every card, in no particular order, a page at a time (``overdue_since`` set for the
        cards on an overdue list): what a search reindex or an export reads. ``segment``
        (n, of): only the n-th of ``of`` disjoint shares of the cards (a parallel scan's)."""
        ...

    def open_counts(self, staff_ids: Sequence[str]) -> dict[str, int]:
        """Open (not resolved, not closed) cards owned by each person: counters kept in the
        same transaction as every card write, so reading them costs one request."""
        ...

    def latest_from(self, contact_key: str, category: str) -> PriorCard | None:
        """The requester's most recent card in ``category`` (by ``Requester.contact_key``)."""
        ...

    def create_subtask(
        self, parent: Card, parent_entry: HistoryEntry, child: Card, child_entry: HistoryEntry
    ) -> None:
        """Save the parent (as ``save`` does) and create the child card, atomically."""
        ...

    def of_contact(self, contact_key: str) -> list[str]:
        """Every card (number) whose requester is this contact (``card.contact_key``)."""
        ...

    def from_phone(self, phone: str, *, limit: int) -> list[PriorCard]:
        """The latest cards registered with this phone number (compared by its last ten
        digits), newest first."""
        ...

    def placed_in(self, cells: Sequence[str], *, since: datetime, limit: int) -> list[PlacedCard]:
        """Public pins in these geohash cells: open cards, and cards finished since ``since``;
        at most ``limit`` a cell. One Query a cell, whatever the number of cards."""
        ...

    def twins(self, sought: Sought, *, since: datetime, limit: int) -> list[Twin]:
        """Cards filed for the duplicate look-up under ``sought``'s topic in the cells its
        radius touches (and at its address): open ones and those finished since ``since``,
        at most ``limit`` a key, newest first. Unfiltered by distance: the caller ranks."""
        ...

    def requested(
        self,
        start: datetime,
        end: datetime,
        *,
        limit: int,
        wanted: Callable[[RequestLine], bool] = lambda _: True,
    ) -> list[RequestLine]:
        """Public request lines that came in ``[start, end]`` and are ``wanted``, newest
        first, at most ``limit`` (Queries of the months of the range, page by page until
        enough are found; never a sensitive card or a subtask)."""
        ...

    def updates(self, start: datetime, end: datetime, *, limit: int) -> list[RequestUpdate]:
        """Public status changes of public requests in ``[start, end]``, oldest first, at most
        ``limit`` (one Query a day of the range)."""
        ...

    def save_together(
        self, changes: Sequence[tuple[Card, HistoryEntry]], messages: Sequence[OutboxMessage] = ()
    ) -> None:
        """Several cards changed at once (a merge, a split), each only if it is still at the
        version before its change (else ConflictError naming it), with the messages."""
        ...


class Outbox(Protocol):
    """Messages to requesters and what became of them. New messages are written with the card
    change that causes them (``CardRepository.save``); this port reads and advances them."""

    def get(self, message_id: str) -> OutboxMessage:
        """Raises NotFound."""
        ...

    def due(self, until: datetime, *, limit: int) -> list[OutboxMessage]:
        """Queued messages whose next attempt is at or before ``until``, earliest first."""
        ...

    def update(self, message: OutboxMessage) -> None:
        """Store ``message`` (version n+1) if the stored one is version n; ConflictError when
        another sender moved it first."""
        ...

    def for_card(self, number: str) -> list[OutboxMessage]:
        """The card's messages, oldest first."""
        ...

    def add(self, message: OutboxMessage) -> None:
        """Queue a message that no card change causes (a one-time code); ConflictError if a
        message with its id exists."""
        ...

    def failed(self, *, limit: int) -> list[OutboxMessage]:
        """Messages no channel could take (failed or bounced), for an administrator to re-run."""
        ...

    def forget_card(self, number: str) -> int:
        """Delete every message of the card, sent or waiting (their text and address are the
        requester's): how many went."""
        ...


class NotificationTemplates(Protocol):
    """The template sources of requester messages: a department's own, else the town's."""

    def source(self, kind: str, locale: str, department: str) -> str:
        """The source in force for ``kind`` in ``locale`` for cards of ``department``."""
        ...

    def shipped(self, kind: str, locale: str) -> str:
        """The template shipped with CivicDesk (English when the locale has none); LookupError
        for a kind that has none."""
        ...


class AccessCodes(Protocol):
    """The live one-time code of each card (a hash), with its tries and issue times."""

    def get(self, number: str) -> AccessCode | None: ...

    def put(self, code: AccessCode) -> None:
        """Store ``code`` if the stored one is ``code.version - 1`` (or absent for version 1);
        ConflictError when another request changed it first."""
        ...


class ApiKeys(Protocol):
    """The keys of API clients (their SHA-256 only)."""

    def add(self, key: ApiKey) -> None: ...

    def by_digest(self, digest: str) -> ApiKey | None: ...

    def every(self) -> list[ApiKey]:
        """Every key ever issued, revoked ones too, oldest first."""
        ...

    def revoke(self, key_id: str, *, by: str, at: datetime) -> ApiKey:
        """NotFound for an unknown id; revoking twice keeps the first revocation."""
        ...


class SurveyResults(Protocol):
    """Requesters' ratings, one per card, kept by the card number's year for reports."""

    def record(self, answer: SurveyAnswer) -> None:
        """Keep ``answer``; ConflictError if the card was rated already."""
        ...

    def of_year(self, year: int) -> list[SurveyAnswer]:
        """Every rating of the cards numbered in ``year``."""
        ...


class TemplateStore(NotificationTemplates, Protocol):
    """Administrators' versions of the templates; ``source`` resolves department → town →
    shipped default."""

    def current(self, kind: str, locale: str, scope: str) -> TemplateVersion | None:
        """The latest saved version in ``scope`` (None: never edited there)."""
        ...

    def versions(self, kind: str, locale: str, scope: str) -> list[TemplateVersion]:
        """Every saved version in ``scope``, oldest first."""
        ...

    def save(self, template: TemplateVersion) -> None:
        """Store ``template`` as the new current version if the current one is
        ``template.version - 1`` (0: none); ConflictError when someone saved meanwhile."""
        ...


class SmsSender(Protocol):
    """Sends a text message (SNS / End User Messaging when deployed)."""

    def send(self, phone: str, text: str) -> str:
        """The provider's message id. Raises DeliveryFailed (``permanent`` when retrying the
        same number cannot help)."""
        ...


class RoutingRules(Protocol):
    """The routing rules, versioned: each save is a new version, the old ones stay readable."""

    def current(self) -> RuleSet:
        """The rules in force (the shipped seed, as version 1, until an administrator saves)."""
        ...

    def version(self, version: int) -> RuleSet:
        """An earlier (or the current) version. Raises NotFound."""
        ...

    def save(self, ruleset: RuleSet) -> None:
        """Store ``ruleset`` as the new current version if the current one is
        ``ruleset.version - 1``; raises ConflictError when someone saved meanwhile."""
        ...


class NoticeLog(Protocol):
    """Which deadline notices went out, by card; each notice is claimed by one sender only."""

    def sent(self, number: str) -> frozenset[str]:
        """Keys of the notices claimed for the card."""
        ...

    def claim(self, number: str, key: str, *, at: datetime) -> bool:
        """Take the right to send notice ``key``; False if someone already has."""
        ...

    def release(self, number: str, key: str) -> None:
        """Give a claim back after the send failed, so that a later check sends it."""
        ...


@dataclass(frozen=True)
class BreachRecord:
    """One missed deadline, kept by week for the weekly review of repeated breaches."""

    number: str
    category: str
    department: str
    timer: str
    breached_at: datetime


class BreachLog(Protocol):
    def record(self, week: str, breach: BreachRecord) -> None:
        """Remember a breach under its ISO week (``2026-W47``); recording it twice is once."""
        ...

    def week(self, week: str) -> list[BreachRecord]: ...


class TimerScheduler(Protocol):
    """One one-time timer per card that runs its deadline check (EventBridge Scheduler)."""

    def set(self, number: str, at: datetime) -> None:
        """Create or move the card's timer."""
        ...

    def cancel(self, number: str) -> None:
        """Remove the card's timer if it has one."""
        ...


@dataclass(frozen=True)
class EscalationStart:
    """The post-breach chain of one timer of one card: the manager now, the controller later."""

    number: str
    timer: str
    round_started_at: datetime
    breached_at: datetime
    controller_at: datetime

    @property
    def name(self) -> str:
        """Unique per card, timer and round, so starting it twice is starting it once."""
        stamp = self.round_started_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return f"{self.number}-{self.timer}-{stamp}"


class EscalationWorkflow(Protocol):
    """Runs escalation chains (a Step Functions state machine when deployed)."""

    def start(self, escalation: EscalationStart) -> bool:
        """Start the chain; False if this chain was already started."""
        ...


@dataclass(frozen=True)
class UploadTicket:
    """A multipart/form-data POST straight to storage: send ``fields`` then the file as ``file``.

    Storage itself refuses a file over the declared size or of another content type.
    """

    url: str
    fields: dict[str, str]
    expires_in: int


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str
    sha256: str


class BlobStore(Protocol):
    """Attachment storage (S3 when deployed)."""

    def upload_ticket(
        self, key: str, *, content_type: str, size: int, expires_in: int
    ) -> UploadTicket: ...

    def inspect(self, key: str) -> StoredObject:
        """Size, type and sha256 of a stored object. Raises NotFound."""
        ...

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        """A short-lived link that downloads the object under ``filename``."""
        ...

    def put(self, key: str, content: bytes, *, content_type: str) -> StoredObject:
        """Store bytes the system itself received (mail attachments) or made (thumbnails)."""
        ...

    def read(self, key: str) -> bytes:
        """A stored object's bytes (a photo, to make its thumbnail). Raises NotFound."""
        ...

    def delete(self, key: str) -> None: ...


class Thumbnailer(Protocol):
    def thumbnail(self, content: bytes, content_type: str) -> bytes | None:
        """A small JPEG of a photo, without its metadata; None for anything else."""
        ...


class DirectoryPublisher(Protocol):
    """The directory's stored versions: a deploy publishes the shipped files as the next one."""

    def publish_if_changed(self, source: Any) -> int | None:
        """Store ``source`` (the shipped directory files) as the next version, if it differs
        from the stored one; returns the new version, or ``None`` when unchanged."""
        ...

    def stored_version(self) -> int | None: ...


class Directory(Protocol):
    """Departments, categories and staff."""

    def categories(self) -> CategoryTree: ...

    def departments(self) -> list[Department]: ...

    def department(self, department_id: str) -> Department | None: ...

    def staff_member(self, staff_id: str) -> StaffMember | None: ...

    def staff(self) -> list[StaffMember]: ...

    def territory(self) -> Territory:
        """Districts (polygons) and the street table."""
        ...

    def duty_shifts(self) -> list[DutyShift]: ...


class SecondFactors(Protocol):
    """Whether a signed-in staff member has a second factor (an authenticator app) set up.
    Cognito's ID token does not say; the user pool does (``adapters/cognito_second_factors``).
    Locally the dev token says (``adapters/dev_tokens``)."""

    def enrolled(self, claims: Mapping[str, Any]) -> bool: ...


class Geocoder(Protocol):
    """Addresses and points (the portal's map). Never on the intake path."""

    def search(self, text: str, *, locale: str) -> list[Place]:
        """Points for an address, best first (at most a few)."""
        ...

    def reverse(self, latitude: float, longitude: float, *, locale: str) -> Place:
        """The address at a point (``address`` None when no street is near), its district."""
        ...


class Telemetry(Protocol):
    """Business metrics (CloudWatch EMF when deployed)."""

    def card_created(self, *, channel: str, category: str) -> None: ...

    def card_changed(self, *, closed: bool, deadlines_missed: int) -> None:
        """A card written: whether the change closed it, and how many deadlines it marks missed."""
        ...

    def message_settled(self, *, channel: str, status: str) -> None:
        """An outbox message's attempt ended: sent, failed for good, or queued to retry."""
        ...

    def export_finished(self, *, kind: str) -> None:
        """An export's files are all written (``nightly`` or ``on_demand``)."""
        ...

    def mail_handled(self, *, outcome: str) -> None: ...

    def mail_decoded(self, *, steps: Sequence[str]) -> None:
        """Which step of the charset chain decoded each text of one mail."""
        ...


@dataclass(frozen=True)
class MailRecord:
    """What became of one mail, by Message-ID (ours or a sender's)."""

    message_id: str
    card_number: str | None
    outcome: str


class MailLog(Protocol):
    """Which mail was already handled, and which card a Message-ID belongs to."""

    def claim(self, message_id: str, digest: str, *, at: datetime, lease: timedelta) -> MailClaim:
        """Mark the received mail with content ``digest`` as being handled until ``at`` +
        ``lease``; what stands in the way otherwise (see MailClaim)."""
        ...

    def settle(self, message_id: str, *, outcome: str, card_number: str | None) -> None:
        """Record what became of a claimed mail."""
        ...

    def release(self, message_id: str) -> None:
        """End a claim whose handling failed at once (its lease lapses now), so that a re-run
        takes it over at once, as a retry of a work left half done (``TAKEN_OVER``)."""
        ...

    def remember_sent(self, message_id: str, card_number: str, *, at: datetime) -> None:
        """Our own outgoing Message-ID, so that replies to it thread onto the card."""
        ...

    def find(self, message_ids: tuple[str, ...]) -> list[MailRecord]:
        """Records for those ids that exist, in the order asked."""
        ...

    def mark_undeliverable(self, address: str, *, at: datetime) -> None:
        """A bounce said mail to ``address`` cannot be delivered."""
        ...

    def is_undeliverable(self, address: str) -> bool: ...

    def forget_address(self, address: str) -> None:
        """Drop what is kept about ``address`` itself (its undeliverable mark): a requester's
        erasure request."""
        ...


class RateLimiter(Protocol):
    """Counts uses per subject against a limit: auto-replies, receipts, codes, client writes."""

    def take(self, limit: RateLimit, subject: str, *, at: datetime) -> Allowance:
        """Count one use of ``limit`` by ``subject`` in every window if each has room;
        otherwise count nothing and say when the fullest window opens again."""
        ...

    def take_all(self, uses: Sequence[tuple[RateLimit, str]], *, at: datetime) -> Allowance:
        """``take`` for several (limit, subject) pairs at once: all counted, or none (and
        ``refused_by`` names the limit that was full)."""
        ...


@dataclass(frozen=True)
class OutgoingMail:
    """A composed message; ``raw`` is the complete MIME document."""

    message_id: str
    recipient: str
    raw: bytes


class Mailer(Protocol):
    """Sends raw MIME (SES when deployed)."""

    def send(self, mail: OutgoingMail) -> None:
        """Raises DeliveryFailed (``permanent`` when the address or message is refused)."""
        ...


@dataclass(frozen=True)
class ShelvedMail:
    """A raw mail set aside (dead letter, quarantine, rejected) with why, for admins to see."""

    message_id: str
    shelf: str
    reason: str
    verdicts: dict[str, str]


class RawMailStore(Protocol):
    """Raw MIME as SES stored it (inbound/<messageId>), and the shelves mail is moved to."""

    def read(self, message_id: str, *, max_bytes: int) -> bytes:
        """The raw mail; PayloadTooLarge (before reading it) when over ``max_bytes``; NotFound
        when no mail of that id waits in inbound/."""
        ...

    def shelve(self, message_id: str, shelf: str, *, reason: str, verdicts: dict[str, str]) -> None:
        """Move the raw mail from inbound/ to ``shelf``/, recording the reason and verdicts.
        A mail that is not in inbound/ (SES's copy missing or deleted) is shelved as a record
        of its id and reason, so that it is listed and can be run again once it is there."""
        ...

    def shelved(self, shelf: str) -> list[ShelvedMail]: ...

    def read_shelved(self, message_id: str, shelf: str, *, max_bytes: int) -> bytes:
        """A shelved mail's raw MIME, where it lies (for a person to judge it). NotFound, also
        for the record of a mail that was never stored."""
        ...

    def restore(self, message_id: str, shelf: str) -> ShelvedMail:
        """Move a shelved mail back to inbound/ for another run (the record of a missing mail
        just leaves the shelf: a copy that arrived meanwhile stays). Raises NotFound."""
        ...


class SearchIndex(Protocol):
    """Full-text search over every card, current and old (OpenSearch deployed; an embedded
    index on the local stack). Writes are idempotent by card id and version."""

    def index(self, docs: Sequence[SearchDoc]) -> list[str]:
        """Write ``docs``; a doc older than the one stored for its card changes nothing.
        Returns the ids that could not be written (to be tried again)."""
        ...

    def search(self, query: SearchQuery, scope: Scope) -> SearchResult:
        """Ranked hits with highlights and facet counts, within what ``scope`` may find."""
        ...

    def version_of(self, card_id: str) -> int | None:
        """The stored version of a card's doc (None: not indexed)."""
        ...


class RowSink(Protocol):
    """Where export rows go, batch by batch (files on disk, then uploaded)."""

    rows: int

    def write(self, rows: Sequence[dict[str, Any]]) -> None: ...

    def close(self) -> list[Path]:
        """Finish the files; returns their paths."""
        ...


class ExportStore(Protocol):
    """Where exports land for BI tools (an S3 prefix when deployed), with their status."""

    def upload(self, path: Path, key: str) -> None:
        """Store a finished file (streamed from disk; large files in parts)."""
        ...

    def put_json(self, key: str, data: dict[str, Any]) -> None: ...

    def get_json(self, key: str) -> dict[str, Any] | None:
        """The stored object, or None when there is none."""
        ...

    def download_url(self, key: str, *, expires_in: int) -> str: ...

    def location(self, key: str) -> str:
        """The object's address for BI tools (``s3://bucket/key``)."""
        ...


class ExportRunner(Protocol):
    """Starts an export job in the background (the export function, invoked asynchronously)."""

    def start(self, job: dict[str, Any]) -> None: ...

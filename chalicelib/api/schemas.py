"""Response bodies of the API (request bodies are the commands in services/commands.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.api_keys import ApiKey
from chalicelib.domain.attention import is_ping_pong
from chalicelib.domain.card import (
    ApprovalReason,
    Attachment,
    Card,
    Channel,
    ControlReason,
    Location,
    Priority,
    Reply,
    Requester,
    RoutingRecord,
    RoutingWhy,
    Status,
)
from chalicelib.domain.desk import DeskNames, DeskRow, DeskSort
from chalicelib.domain.directory import CategoryTree, LocalizedName
from chalicelib.domain.duplicates import Likely
from chalicelib.domain.duplicates import reason as duplicate_reason
from chalicelib.domain.history import HistoryEntry
from chalicelib.domain.lifecycle import next_statuses
from chalicelib.domain.outbox import DeliveryChannel, OutboxMessage, OutboxStatus
from chalicelib.domain.personal_data import Shown
from chalicelib.domain.places import Place, Precision
from chalicelib.domain.routing import Naming, Rule, RuleSet, describe
from chalicelib.domain.search import Facet
from chalicelib.domain.sla import Timer, TimerKind, TimerState
from chalicelib.services.attachments import PendingUpload
from chalicelib.services.card_changes import StaffCard
from chalicelib.services.routing import Routed
from chalicelib.services.template_admin import InForce


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class IntakeReceiptView(_View):
    number: str
    status: Status
    access_token: str
    status_url: str
    submitted_at: datetime
    first_response_due: datetime


class CardSummary(_View):
    number: str
    subject: str
    category: str
    category_label: str
    priority: Priority
    status: Status
    department: str
    executor_id: str | None
    channel: Channel
    created_at: datetime
    first_response_due: datetime
    version: int

    personal_data_hidden: bool = Field(
        default=False,
        description="A sensitive card seen from outside its department: personal data hidden.",
    )
    overdue_since: datetime | None = Field(
        default=None,
        description="On the overdue list: when the earliest deadline it has not met passed.",
    )
    reply_by: datetime | None = Field(
        default=None,
        description="Waiting for the requester: the date they were asked to answer by.",
    )
    no_answer_at: datetime | None = Field(
        default=None,
        description="Came back from waiting because the requester did not answer in time "
        "(until the card next changes status or the requester writes).",
    )

    @classmethod
    def of(cls, shown: Shown, tree: CategoryTree, *, overdue_since: datetime | None = None) -> Self:
        """``shown``: the card as the caller may see it (the services decided; this renders)."""
        card = shown.card
        return cls(
            overdue_since=overdue_since,
            number=card.number,
            subject=card.subject,
            personal_data_hidden=shown.personal_data_hidden,
            category=card.category,
            category_label=tree.label(card.category),
            priority=card.priority,
            status=card.status,
            department=card.department,
            executor_id=card.executor_id,
            channel=card.channel,
            created_at=card.created_at,
            first_response_due=card.first_response_due,
            version=card.version,
            reply_by=card.reply_by,
            no_answer_at=card.no_answer_at,
        )


class CardRead(CardSummary):
    """The whole card for staff, with its full history (public and internal marked)."""

    id: str
    description: str
    requester: Requester
    consent_text_version: str | None
    location: Location | None
    attachments: tuple[Attachment, ...]
    open_question: str | None
    resolution: str | None
    objection_until: datetime | None = Field(
        description="Resolved: the card closes by itself then unless the requester objects."
    )
    closure_reason: str | None
    reopen_count: int
    updated_at: datetime
    routing: RoutingRecord | None
    manual_control: tuple[ControlReason, ...]
    approval_required: bool
    sensitive: bool
    transfers: int
    ping_pong: bool = Field(
        description="Moved between departments too often: the controller is told."
    )
    parent: str | None
    subtasks: tuple[str, ...]
    subtask_progress: list[SubtaskView] = Field(
        default_factory=list, description="Each subtask's department, owner and status."
    )
    related_to: str | None
    client: str | None = Field(
        description="The API client that filed it (an Open311 key's name), if one did."
    )
    duplicate_of: str | None = Field(
        description="Merged: the card this one joined as its duplicate (it is closed)."
    )
    merged: tuple[str, ...] = Field(description="Cards merged into this one as duplicates.")
    followers: int = Field(
        description="People told of this card's progress besides its requester (who they are "
        "is not shown)."
    )
    possible_duplicates: tuple[str, ...] = Field(
        description="What intake found this card may repeat (see /duplicates for now)."
    )
    replies: tuple[Reply, ...] = Field(
        description="Replies written to the requester; those awaiting approval wait here."
    )
    history: list[HistoryEntryRead]
    timers: list[TimerRead]
    next_statuses: list[NextStatusView] = Field(
        description="Where the card may go now and the text field each move needs "
        "(permissions are checked when the move is made)."
    )

    @classmethod
    def of_card(cls, shown: StaffCard, tree: CategoryTree) -> CardRead:
        """``shown``: the card as the caller may see it (the services decided; this renders)."""
        card, history = shown.card, shown.history
        summary = CardSummary.of(
            Shown(card, history, shown.personal_data_hidden),
            tree,
            overdue_since=shown.overdue_since,
        ).model_dump()
        return cls(
            **summary,
            id=card.id,
            description=card.description,
            requester=card.requester,
            consent_text_version=card.consent.text_version if card.consent else None,
            location=card.location,
            attachments=card.attachments,
            open_question=card.open_question,
            resolution=card.resolution,
            objection_until=card.objection_until,
            closure_reason=card.closure_reason,
            reopen_count=card.reopen_count,
            updated_at=card.updated_at,
            routing=card.routing,
            manual_control=card.manual_control,
            approval_required=card.approval_required,
            sensitive=card.sensitive,
            transfers=card.transfers,
            ping_pong=is_ping_pong(card),
            parent=card.parent,
            subtasks=card.subtasks,
            subtask_progress=[SubtaskView.of(s) for s in shown.subtasks],
            related_to=card.related_to,
            client=card.client,
            duplicate_of=card.duplicate_of,
            merged=card.merged,
            followers=len(card.followers),
            possible_duplicates=card.possible_duplicates,
            replies=card.replies,
            history=[HistoryEntryRead.of(entry) for entry in history],
            timers=[TimerRead.of(timer) for timer in shown.timers],
            next_statuses=[
                NextStatusView(to=n.to, requires=n.requires, blocked_by=n.blocked_by)
                for n in next_statuses(
                    card, open_subtasks=any(not s.status.is_final for s in shown.subtasks)
                )
            ],
        )


class NextStatusView(_View):
    to: Status
    requires: str | None = Field(description="The Transition field this move needs, if any.")
    blocked_by: str | None = Field(
        description="What must happen first (executor_id: assign someone), if anything."
    )


class SubtaskView(_View):
    number: str
    department: str
    executor_id: str | None
    status: Status

    @classmethod
    def of(cls, card: Card) -> SubtaskView:
        return cls(
            number=card.number,
            department=card.department,
            executor_id=card.executor_id,
            status=card.status,
        )


class TimerRead(_View):
    """One SLA timer as staff see it: due time (none while paused), share used, state."""

    kind: TimerKind
    state: TimerState
    due_at: datetime | None
    share_used: float
    met_at: datetime | None
    budget_minutes: int
    used_minutes: int

    @classmethod
    def of(cls, timer: Timer) -> TimerRead:
        return cls(
            kind=timer.kind,
            state=timer.state,
            due_at=timer.due_at,
            share_used=round(timer.share_used, 3),
            met_at=timer.met_at,
            budget_minutes=int(timer.budget.total_seconds() // 60),
            used_minutes=int(timer.used.total_seconds() // 60),
        )


class HistoryEntryRead(HistoryEntry):
    public: bool

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryEntryRead:
        return cls(**entry.model_dump(), public=entry.is_public)


class QueueView(_View):
    department: str
    status: Status
    cards: list[CardSummary]
    cursor: str | None


class CardListView(_View):
    """A department's list of cards (overdue, or waiting for approval), one page."""

    department: str
    cards: list[CardSummary]
    cursor: str | None


class WorkloadRowView(_View):
    staff_id: str
    name: str
    roles: list[str]
    open: int = Field(description="Open cards they own (not resolved, not closed).")
    overdue: int = Field(description="Of those, cards with a missed, unmet deadline.")


class WorkloadView(_View):
    department: str
    staff: list[WorkloadRowView]


class BreachGroupView(_View):
    category: str
    label: str
    count: int
    numbers: list[str]


class RepeatedBreachesView(_View):
    """Categories with more than one missed deadline in an ISO week."""

    week: str
    categories: list[BreachGroupView]


class UploadTicketView(_View):
    attachment_id: str
    url: str
    fields: dict[str, str]
    expires_in: int
    confirm_path: str

    @classmethod
    def of(cls, pending: PendingUpload, confirm_base: str) -> UploadTicketView:
        """``confirm_base``: the attachments path the upload is recorded under."""
        return cls(
            attachment_id=pending.attachment_id,
            url=pending.ticket.url,
            fields=pending.ticket.fields,
            expires_in=pending.ticket.expires_in,
            confirm_path=f"{confirm_base}/{pending.attachment_id}",
        )


class DownloadLinkView(_View):
    url: str
    expires_in: int


class AttachmentConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    filename: str


class SubcategoryView(_View):
    code: str
    name: LocalizedName


class CategoryView(_View):
    code: str
    name: LocalizedName
    children: list[SubcategoryView]


class CategoriesView(_View):
    categories: list[CategoryView]
    consent_version: str

    @classmethod
    def of(cls, tree: CategoryTree, consent_version: str) -> CategoriesView:
        return cls(
            consent_version=consent_version,
            categories=[
                CategoryView(
                    code=top.code,
                    name=top.name,
                    children=[
                        SubcategoryView(code=f"{top.code}.{leaf.code}", name=leaf.name)
                        for leaf in top.children
                    ],
                )
                for top in tree.categories
            ],
        )


class DepartmentView(_View):
    id: str
    name: LocalizedName


class StaffMeView(_View):
    staff_id: str
    name: str
    roles: list[str]
    departments: list[str]
    queues: list[DepartmentView] = Field(
        description="Departments whose queue and lists this person may open (town-wide roles: "
        "every department)."
    )
    second_factor: Literal["not_required", "enrolled", "missing"] = Field(
        description="An authenticator app: managers, controllers and administrators need one "
        "(`missing`: every other staff route answers 403 `second_factor_required` until it is "
        "set up); operators and executors may."
    )


class RuleView(Rule):
    sentence: str = Field(description="The rule read as one sentence.")


class RulesView(_View):
    version: int
    triage_department: str
    saved_at: datetime
    saved_by: str
    rules: list[RuleView]

    @classmethod
    def of(cls, ruleset: RuleSet, naming: Naming) -> RulesView:
        return cls(
            version=ruleset.version,
            triage_department=ruleset.triage_department,
            saved_at=ruleset.saved_at,
            saved_by=ruleset.saved_by,
            rules=[
                RuleView(**rule.model_dump(), sentence=describe(rule, naming))
                for rule in ruleset.rules
            ],
        )


class RoutingPreviewView(_View):
    department: str
    executor_id: str | None
    priority: Priority
    district: str | None
    rule_id: str | None
    rules_version: int
    reason: str
    why: RoutingWhy | None = Field(
        default=None, description="The reason's parts, to say it in the reader's language."
    )
    manual_control: tuple[ControlReason, ...]
    sensitive: bool

    @classmethod
    def of(cls, routed: Routed) -> RoutingPreviewView:
        return cls(
            department=routed.department,
            executor_id=routed.executor_id,
            priority=routed.priority,
            district=routed.location.district if routed.location else None,
            rule_id=routed.routing.rule_id,
            rules_version=routed.routing.rules_version,
            reason=routed.routing.reason,
            why=routed.routing.why,
            manual_control=routed.manual_control,
            sensitive=routed.sensitive,
        )


CardRead.model_rebuild()


class OutboxMessageView(_View):
    """One message to the requester and what became of it (addresses are on the card)."""

    id: str
    kind: str
    status: OutboxStatus
    channel: DeliveryChannel = Field(description="The channel being tried (or that took it).")
    sent_via: DeliveryChannel | None
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, message: OutboxMessage) -> OutboxMessageView:
        return cls(
            id=message.id,
            kind=message.kind,
            status=message.status,
            channel=message.destination.channel,
            sent_via=message.sent_via,
            attempts=message.attempts,
            next_attempt_at=message.next_attempt_at,
            last_error=message.last_error,
            created_at=message.created_at,
            updated_at=message.updated_at,
        )


class OutboxMessagesView(_View):
    messages: list[OutboxMessageView]


class AccessCodeSentView(_View):
    message: str


class AccessGrantedView(_View):
    """A status key for a day: send it as X-Access-Token, or open ``status_url``."""

    access_token: str
    status_url: str
    expires_at: datetime


class TemplateKindView(_View):
    kind: str
    audience: str = Field(description="requester (never internal data) or staff")
    blocks: list[str] = Field(description="The blocks a template of this kind must have.")
    variables: dict[str, str] = Field(description="Variables it may use, and what each holds.")
    internal_variables: dict[str, str] = Field(description="Refused by name, with the reason.")


class TemplateCatalogueView(_View):
    """What templates exist and what each may say."""

    locales: list[str]
    kinds: list[TemplateKindView]


class TemplateVersionInfo(_View):
    version: int
    saved_at: datetime
    saved_by: str
    withdrawn: bool = Field(description="This version withdrew the override.")


class TemplateInForceView(_View):
    kind: str
    locale: str
    scope: str = Field(description="A department id, or town.")
    from_scope: str = Field(
        description="Where the source in force comes from: the scope, town or default."
    )
    source: str
    version: int = Field(
        description="The scope's latest version (0: never edited); send it to save."
    )
    versions: list[TemplateVersionInfo]

    @classmethod
    def of(cls, kind: str, locale: str, scope: str, found: InForce) -> TemplateInForceView:
        return cls(
            kind=kind,
            locale=locale,
            scope=scope,
            from_scope=found.from_scope,
            source=found.source,
            version=found.versions[-1].version if found.versions else 0,
            versions=[
                TemplateVersionInfo(
                    version=v.version,
                    saved_at=v.saved_at,
                    saved_by=v.saved_by,
                    withdrawn=v.source is None,
                )
                for v in found.versions
            ],
        )


class RenderedView(_View):
    subject: str
    text: str
    html: str
    sms: str
    sms_segments: int


class CallScriptView(_View):
    category: str
    locale: str
    questions: list[str]


class ReplyPreviewView(RenderedView):
    approval_reasons: list[ApprovalReason] = Field(
        description="Why it would wait for the manager (empty: it would leave at once)."
    )
    personal_data: list[str] = Field(description="Personal data found that is not the requester's.")


class SearchHitView(_View):
    number: str
    subject: str = Field(description='"hidden" for a sensitive card of another department')
    status: Status
    category: str
    category_label: str
    department: str
    district: str | None
    channel: Channel
    created_at: datetime
    overdue: bool
    score: float
    highlights: dict[str, list[str]] = Field(
        description="Per field (subject, description, public, internal, address, people): a "
        "fragment with the matched words between « and »."
    )


class SearchView(_View):
    total: int
    hits: list[SearchHitView]
    facets: dict[Facet, dict[str, int]] = Field(
        description="Counts over every match (not only this page), per value."
    )
    cursor: str | None = Field(description="Pass as ?cursor= for the next page; null at the end.")


class ExportView(_View):
    export_id: str
    status: str = Field(description="queued, running, done or failed")
    period_from: date
    period_to: date
    formats: list[str]
    departments: list[str] | None = Field(
        default=None, description="The departments exported; null: the whole town."
    )
    requested_at: datetime
    rows: int | None = None
    finished_at: datetime | None = None
    reason: str | None = Field(default=None, description="Why it failed (it is retried first).")
    links: dict[str, str] = Field(
        default_factory=dict, description="Per format, a short-lived download link (when done)."
    )
    links_expire_in: int | None = None


class TimingView(_View):
    count: int
    average_hours: float | None
    p90_hours: float | None = Field(description="90th percentile, to the histogram's precision")


class CategoryShareView(_View):
    category: str
    received: int
    overdue: int
    share: float | None


class OverdueFiguresView(_View):
    count: int
    share: float | None = Field(
        description="Of the requests received, those that missed a deadline"
    )
    by_category: list[CategoryShareView]


class DayCountView(_View):
    day: date
    received: int
    closed: int


class SatisfactionView(_View):
    count: int
    average: float | None
    by_rating: dict[str, int]


class ReportWorkerView(_View):
    staff_id: str
    name: str
    open: int
    overdue: int


class DepartmentWorkloadView(_View):
    department: str
    staff: list[ReportWorkerView]


class ReportPersonView(_View):
    """One person once, with every department of the report they work in."""

    staff_id: str
    name: str
    departments: list[str]
    open: int = Field(description="Open cards they own, counted once.")
    overdue: int


class RefreshView(_View):
    kind: Literal["figures"]
    status: Literal["queued"]
    requested_by: str
    requested_at: datetime


class DuplicateTopicView(_View):
    category: str
    merged: int
    followers: int


class DuplicateFiguresView(_View):
    merged: int
    followers: int
    by_category: list[DuplicateTopicView]


class ReportView(_View):
    """A period's figures (as of the last nightly pass) and the workload now."""

    period_from: date
    period_to: date
    departments: list[str]
    figures_as_of: datetime | None = Field(
        description="When the figures were computed (the nightly export); null: never yet"
    )
    received: int
    closed: int
    per_day: list[DayCountView]
    first_reply: TimingView
    resolution: TimingView
    overdue: OverdueFiguresView
    per_district: dict[str, int]
    per_channel: dict[str, int]
    repeat_requests: int
    duplicates: DuplicateFiguresView = Field(
        description="Reports merged into another request (not counted in received, overdue "
        "or closed: their main request is) and people following requests."
    )
    satisfaction: SatisfactionView
    workload: list[DepartmentWorkloadView]
    people: list[ReportPersonView] = Field(
        description="The workload once per person, with their departments (a person in two "
        "departments is in both lists of ``workload``)."
    )


class SetAsideMailView(_View):
    message_id: str
    reason: str = Field(description="Why it was set aside (auto_submitted, mailing_list, ...).")
    sender: str | None
    subject: str


class SetAsideView(_View):
    mail: list[SetAsideMailView]


class MailCardView(_View):
    outcome: str
    number: str | None = Field(description="The card made, if one was.")
    reason: str | None


class DistrictView(_View):
    id: str
    name: LocalizedName


class PlaceView(_View):
    address: str | None = Field(description="Street and house (or street) in the asked language.")
    latitude: float
    longitude: float
    district: DistrictView | None = Field(description="The town's district the point lies in.")
    precision: Precision = Field(
        description="house: interpolated along its street; street: the street's middle; "
        "point: no street near (only the point and its district)."
    )

    @classmethod
    def of(cls, place: Place) -> PlaceView:
        district = place.district
        return cls(
            address=place.address,
            latitude=place.latitude,
            longitude=place.longitude,
            district=DistrictView(id=district.id, name=district.name) if district else None,
            precision=place.precision,
        )


class PlacesView(_View):
    places: list[PlaceView]


class TownMapView(BaseModel):
    """GeoJSON: the town's districts (``kind`` district) and streets (``kind`` street)."""

    model_config = ConfigDict(frozen=True)

    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


class NearbyRequestView(_View):
    """A request near the point, as anyone may see it: no words, no person."""

    number: str
    category: str
    topic: str = Field(description="The topic's name in the asked language.")
    status: Status
    age_days: int
    latitude: float
    longitude: float
    distance_metres: int


class NearbyView(_View):
    requests: list[NearbyRequestView]


class DeskRowView(_View):
    """One line of the queue table: names for the reader, ids for links and filters."""

    number: str
    subject: str
    category: str
    category_label: str
    priority: Priority
    status: Status
    department: str
    executor_id: str | None
    owner_name: str | None
    channel: Channel
    district: str | None
    district_name: str | None
    address: str | None
    created_at: datetime
    deadline: datetime | None = Field(
        description="The nearest deadline still running, as the last deadline check saw it."
    )
    overdue_since: datetime | None = Field(
        description="Overdue: when the earliest deadline it missed (and has not met) passed."
    )
    reply_by: datetime | None
    no_answer_at: datetime | None
    awaiting_approval: bool
    version: int
    personal_data_hidden: bool

    @classmethod
    def of(cls, row: DeskRow, names: DeskNames) -> Self:
        """``names``: in the reader's language (``Desk.names``)."""
        return cls(
            number=row.number,
            subject=row.subject,
            category=row.category,
            category_label=names.topic(row.category),
            priority=row.priority,
            status=row.status,
            department=row.department,
            executor_id=row.executor_id,
            owner_name=names.owner(row.executor_id) or None,
            channel=row.channel,
            district=row.district,
            district_name=names.district(row.district) or None,
            address=row.address,
            created_at=row.created_at,
            deadline=row.deadline,
            overdue_since=row.overdue_since,
            reply_by=row.reply_by,
            no_answer_at=row.no_answer_at,
            awaiting_approval=row.awaiting_approval,
            version=row.version,
            personal_data_hidden=row.personal_data_hidden,
        )


class StaffNameView(_View):
    id: str
    name: str


class DeskView(_View):
    department: str
    total: int = Field(description="Cards matching every filter.")
    open_total: int = Field(description="Every open card of the department, filters aside.")
    counts: dict[Status, int] = Field(
        description="Per status, the cards matching every filter but the status one."
    )
    sort: DeskSort
    order: Literal["asc", "desc"]
    offset: int
    rows: list[DeskRowView]
    cursor: str | None = Field(description="The next page; none on the last.")
    owners: list[StaffNameView] = Field(description="Who owns cards here, for the filter.")


class FieldProblemView(_View):
    field: str
    problem: str
    code: str


class ErrorView(_View):
    code: str
    message: str
    fields: list[FieldProblemView] = []


class BulkResultView(_View):
    number: str
    ok: bool
    version: int | None = Field(default=None, description="Changed: the card's new version.")
    status: Status | None = None
    executor_id: str | None = None
    error: ErrorView | None = Field(
        default=None, description="Refused: what the card alone would have answered."
    )
    http_status: int | None = Field(default=None, description="Refused: that answer's status.")


class BulkView(_View):
    changed: int
    refused: int
    results: list[BulkResultView]


class LikelyDuplicateView(_View):
    """A card that likely reports the same thing, and why we think so."""

    number: str
    category: str
    topic: str
    status: Status
    created_at: datetime
    finished_at: datetime | None
    address: str | None
    distance_metres: int | None = Field(description="None: the same address, no points.")
    days_older: int = Field(description="How much older it is (negative: newer).")
    similar_words: float = Field(description="0 to 1: how alike the words are.")
    score: float
    reason: str = Field(description='In English, e.g. "same topic, 40 m, 2 days older".')
    followers: int

    @classmethod
    def of(cls, found: Likely, tree: CategoryTree, locale: str) -> LikelyDuplicateView:
        twin = found.twin
        return cls(
            number=twin.number,
            category=twin.category,
            topic=tree.label(twin.category, locale),
            status=twin.status,
            created_at=twin.created_at,
            finished_at=twin.finished_at,
            address=twin.address,
            distance_metres=(
                None if found.distance_metres is None else round(found.distance_metres)
            ),
            days_older=found.days_older,
            similar_words=round(found.similarity, 2),
            score=found.score,
            reason=duplicate_reason(found),
            followers=twin.followers,
        )


class CardDuplicatesView(_View):
    number: str
    likely: list[LikelyDuplicateView] = Field(description="Best first.")
    repeat_of: str | None = Field(
        description="The same requester's earlier card on the same topic (routing's check)."
    )
    duplicate_of: str | None
    merged: tuple[str, ...]
    followers: int


class SimilarRequestView(_View):
    """A request the citizen may follow instead of filing: nothing personal, no words."""

    number: str
    category: str
    topic: str
    status: Status
    age_days: int
    address: str | None
    latitude: float | None
    longitude: float | None
    distance_metres: int | None
    followers: int
    photo_url: str | None = Field(description="A short-lived link to a photo's thumbnail.")


class SimilarView(_View):
    requests: list[SimilarRequestView]


class FollowView(_View):
    number: str = Field(description="The request followed (the main one if it was merged).")
    already: bool = Field(description="True: this contact already followed it.")


class UnfollowView(_View):
    number: str


class ApiKeyView(_View):
    id: str
    name: str
    owner: str
    per_hour: int
    issued_at: datetime
    issued_by: str
    revoked_at: datetime | None
    revoked_by: str | None
    active: bool

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyView:
        return cls(**key.model_dump(), active=key.active)


class IssuedKeyView(ApiKeyView):
    key: str = Field(description="The key: shown this once; give it to the client's owner.")


class ApiKeysView(_View):
    keys: list[ApiKeyView]


class FileHeldView(_View):
    filename: str
    content_type: str
    url: str = Field(description="A download link that works for an hour.")


class CardHeldView(_View):
    number: str
    card: dict[str, Any] = Field(description="The card as stored, every field.")
    history: list[dict[str, Any]] = Field(description="Every history entry, as stored.")
    messages: list[dict[str, Any]] = Field(description="Messages to the requester still kept.")
    files: list[FileHeldView]


class HeldAboutView(_View):
    """Everything held about a contact as a requester (an answer to their access request)."""

    cards: list[CardHeldView]


class ErasureView(_View):
    erased: list[str] = Field(description="Cards whose requester's personal data was removed.")
    already: list[str] = Field(description="Cards already without it (earlier request, retention).")
    were_open: list[str] = Field(
        description="Erased while still open: the town can no longer write to the requester."
    )
    messages_deleted: int
    files_deleted: int

"""Inputs to the use cases, validated for shape. Entry points build these; the API publishes
them as its request schemas."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib.domain.card import (
    ContactChannel,
    ControlReason,
    Priority,
    ReplyKind,
    RequesterKind,
    Status,
)
from chalicelib.domain.notifications import TEMPLATE_KINDS
from chalicelib.domain.routing import MAX_RULES, Rule
from chalicelib.domain.sla_overdue import NextStep, OverdueReason

# No spaces of any kind, in Python's sense and in JSON Schema's (ECMA) alike: the document
# must refuse exactly what the server refuses.
_NOT_AT_OR_SPACE = r"[^@\s\x1c-\x1f\x85\ufeff]"
EMAIL_PATTERN = rf"^{_NOT_AT_OR_SPACE}+@{_NOT_AT_OR_SPACE}+\.{_NOT_AT_OR_SPACE}+$"
PHONE_PATTERN = r"^\+?[0-9()\-][0-9 ()\-]{3,18}[0-9()\-]$"

EmailAddress = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=EMAIL_PATTERN)
]
PhoneNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
DESCRIPTION_MAX = 5000
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=DESCRIPTION_MAX)
]
# How a call card's description joins what was already checked to the essence.
CHECKED_PREFIX = "\n\nAlready checked: "
Version = Annotated[int, Field(ge=1, description="The card version you read; a stale one is 409.")]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReachIn(_Command):
    """How to reach someone, as they give it: an address or a phone for their channel."""

    email: EmailAddress | None = None
    phone: PhoneNumber | None = None
    preferred_channel: ContactChannel = ContactChannel.EMAIL
    locale: Literal["en", "ru"] | None = Field(
        default=None, description="Language of the messages we send (default: the town's)."
    )

    # The same rule for the document: a text message needs a phone, the rest an email.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {
                "properties": {"preferred_channel": {"enum": ["sms", "phone"]}},
                "required": ["preferred_channel"],
            },
            "then": {"required": ["phone"], "properties": {"phone": {"type": "string"}}},
            "else": {"required": ["email"], "properties": {"email": {"type": "string"}}},
        }
    )

    @model_validator(mode="after")
    def _reachable_on_preferred_channel(self) -> Self:
        needs = "email" if self.preferred_channel == ContactChannel.EMAIL else "phone"
        if getattr(self, needs) is None:
            code = (
                "needs_email_for_email_updates"
                if needs == "email"
                else "needs_phone_for_phone_updates"
            )
            raise PydanticCustomError(
                code, f"preferred_channel {self.preferred_channel.value} needs {needs}"
            )
        return self


class ContactIn(ReachIn):
    """Who the requester is and how to reach them, as they give it."""

    full_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)
    ]


class RequesterIn(ContactIn):
    """A requester as a channel or staff record them (the public form cannot set ``kind``)."""

    kind: RequesterKind = Field(
        default=RequesterKind.INDIVIDUAL,
        description="Priority groups and collective requests may be routed differently.",
    )


class ConsentIn(_Command):
    accepted: bool = Field(
        description="The requester agreed to personal-data processing (required: true).",
        json_schema_extra={"const": True},
    )
    text_version: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)
    ] = Field(
        description="The version of the notice they agreed to: the one in force.",
        json_schema_extra={"x-directory": "consent_version"},
    )


class LocationIn(_Command):
    # Coordinates come in pairs, for the document too (``_coordinates_in_pairs``).
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {one: {"type": "number"}}, "required": [one]},
                    "then": {"required": [other], "properties": {other: {"type": "number"}}},
                }
                for one, other in (("latitude", "longitude"), ("longitude", "latitude"))
            ]
        }
    )

    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    district: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, max_length=100),
            Field(json_schema_extra={"x-directory": "district_names"}),
        ]
        | None
    ) = None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None

    @field_validator("latitude", "longitude")
    @classmethod
    def _to_a_centimetre(cls, degrees: float | None) -> float | None:
        # Seven decimals are about a centimetre; finer is noise (and 1e-300 is no number a
        # table can store).
        return None if degrees is None else round(degrees, 7)

    @model_validator(mode="after")
    def _coordinates_in_pairs(self) -> LocationIn:
        if (self.latitude is None) != (self.longitude is None):
            raise PydanticCustomError("coordinates_in_pairs", "latitude and longitude go together")
        return self


# Codes the town's directory defines: the served OpenAPI document lists the values in force
# (``api/openapi.py`` fills in every field marked ``x-directory``).
Category = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9_]+\.[a-z0-9_]+$"),
    Field(json_schema_extra={"x-directory": "categories"}),
]
DepartmentId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    Field(json_schema_extra={"x-directory": "departments"}),
]
DANGER = "Danger to people: the department's manager reviews it first (not a priority)."


def _consent_required(schema: dict[str, Any]) -> None:
    """The document says what intake checks: consent is given, not null."""
    given = schema["properties"]["consent"]
    schema["properties"]["consent"] = {
        **next(b for b in given["anyOf"] if b.get("type") != "null"),
        "description": "Required: the requester's consent to personal-data processing.",
    }
    schema["required"] = [*schema.get("required", []), "consent"]


class RequestCreate(_Command):
    """A new request as the public web form (or an API client) sends it. Priority comes from
    the routing rules and staff, the requester's kind from staff: a citizen sets neither, but
    may say there is danger to people."""

    subject: ShortText
    description: LongText
    category: Category = Field(
        description="Leaf code of the two-level category tree, e.g. roads.potholes"
    )
    requester: ContactIn
    # Required on the web form and the API; checked with the business rules, so that a form
    # missing it hears of every other problem in the same answer.
    consent: ConsentIn | None = None
    location: LocationIn | None = None
    danger: bool = Field(default=False, description=DANGER)
    model_config = ConfigDict(json_schema_extra=_consent_required)

    def as_card(self) -> CardCreate:
        return CardCreate.model_validate(self.model_dump())


class CardCreate(RequestCreate):
    """A new request as intake takes it from any channel: the public form's fields, and what
    only channels staff speak through set (priority, the requester's kind)."""

    model_config = ConfigDict(json_schema_extra=None)
    requester: RequesterIn
    # Recorded elsewhere on channels staff speak through (the operator reads the notice).
    priority: Priority = Priority.NORMAL
    participants: list[
        Annotated[
            str, StringConstraints(strip_whitespace=True, max_length=254, pattern=EMAIL_PATTERN)
        ]
    ] = Field(
        default_factory=list,
        max_length=10,
        description="Other addresses of the requester's that may add to the card by mail (the "
        "mail channel: a From address that differs from the Reply-To replies go to).",
    )


class MessageCreate(_Command):
    text: LongText


class ObjectionCreate(MessageCreate):
    """What is still wrong after the resolution, in the requester's words: the request is
    reopened with them."""


class AttachmentRequest(_Command):
    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    content_type: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True)]
    size: Annotated[int, Field(gt=0)]


def _one_given(*names: str, only: bool = False) -> dict[str, Any]:
    """JSON Schema for "at least one of these, not null" (``only``: exactly one)."""
    given = [{"required": [n], "properties": {n: {"not": {"type": "null"}}}} for n in names]
    return {"oneOf" if only else "anyOf": given}


class AssignChange(_Command):
    """Who owns the card next (a bulk assignment gives it to each card)."""

    model_config = ConfigDict(json_schema_extra=_one_given("executor_id", "department"))

    executor_id: Text | None = Field(
        default=None, description="The new owner; none: send the card to the department's queue."
    )
    department: Text | None = Field(
        default=None, description="Move ownership too; defaults to the executor's."
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = (
        Field(default=None, description="Required when the card already has an owner.")
    )

    @model_validator(mode="after")
    def _someone_or_somewhere(self) -> Self:
        if self.executor_id is None and self.department is None:
            raise ValueError("name an executor_id, a department, or both")
        return self

    def at(self, version: int) -> Assign:
        return Assign(**self.model_dump(), version=version)


class Assign(AssignChange):
    version: Version


class TransitionChange(_Command):
    """Where the card moves next (a bulk move asks it of each card)."""

    to: Status
    question: Annotated[str, StringConstraints(max_length=2000)] | None = None
    resolution: Annotated[str, StringConstraints(max_length=5000)] | None = None
    closure_reason: Annotated[str, StringConstraints(max_length=2000)] | None = None
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None
    reply_by: AwareDatetime | None = Field(
        default=None,
        description="A question to the requester (needs_clarification, awaiting_requester): "
        "when they are asked to answer by, at most 90 days ahead; default: the topic's "
        "allowance of working days. Past it the card comes back to staff marked "
        "'no answer' (or closes, as the town set).",
    )

    def at(self, version: int) -> Transition:
        return Transition(**self.model_dump(), version=version)


class Transition(TransitionChange):
    version: Version


MAX_BULK = 100  # cards one bulk change may name: a street's reports, a crew's day


class BulkCard(_Command):
    number: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{6}$")] = Field(
        description="e.g. 2026-000042"
    )
    version: Version


class BulkChange(_Command):
    """One change asked of several cards; each card is still checked as if changed alone."""

    model_config = ConfigDict(
        json_schema_extra=_one_given("assign", "transition", "merge", only=True)
    )

    cards: list[BulkCard] = Field(
        min_length=1, max_length=MAX_BULK, description="Each card once, at the version you read."
    )
    assign: AssignChange | None = None
    transition: TransitionChange | None = None
    merge: MergeTarget | None = Field(
        default=None, description="Merge each card into this one as its duplicate."
    )

    @field_validator("cards")
    @classmethod
    def _each_once(cls, cards: list[BulkCard]) -> list[BulkCard]:
        numbers = [c.number for c in cards]
        if len(set(numbers)) != len(numbers):
            raise PydanticCustomError("repeated", "names a card more than once")
        return cards

    @model_validator(mode="after")
    def _one_change(self) -> Self:
        given = [c for c in (self.assign, self.transition, self.merge) if c is not None]
        if len(given) != 1:
            raise PydanticCustomError("one_change", "give assign, transition or merge, one of them")
        return self


class MergeInto(_Command):
    """Merge this card into another as its duplicate (the merge follows a merged card to the
    card it joined)."""

    into: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{6}$")] = Field(
        description="The main card's number, e.g. 2026-000042"
    )
    version: Version


class MergeTarget(_Command):
    into: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{6}$")] = Field(
        description="The main card's number, e.g. 2026-000042"
    )

    def at(self, version: int) -> MergeInto:
        return MergeInto(into=self.into, version=version)


class SplitOff(_Command):
    """Undo a merge: the card back to the state it had, its requester back from the main card."""

    version: Version
    reason: ShortText = Field(description="Why it is not the same problem (internal).")


class FollowCreate(ReachIn):
    """ "Me too": follow a request someone else made, to hear of its progress."""

    consent: ConsentIn = Field(
        description="Consent to processing the contact given here (required)."
    )


class ApiKeyCreate(_Command):
    """A key for a program that files requests for people (an Open311 client)."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=80)] = (
        Field(description="The client as cards record it, e.g. FixMyStreet.")
    )
    owner: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)
    ] = Field(description="Who answers for it: a name and a contact.")
    per_hour: int = Field(default=100, ge=1, le=100_000, description="New requests an hour.")


class DataRequestIn(_Command):
    """Whom a requester's data request is about: the email or phone their requests carry
    (both finds cards made with either)."""

    # One of them, said in the document too (the service names ``contact`` when neither).
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["email"], "properties": {"email": {"type": "string"}}},
                {"required": ["phone"], "properties": {"phone": {"type": "string"}}},
            ]
        }
    )

    email: EmailAddress | None = None
    phone: PhoneNumber | None = None


class ErasureIn(DataRequestIn):
    """A requester's request to erase what is held about them, as the administrator records
    it: every card of theirs loses their personal data (its figures stay), their messages and
    files are deleted. It cannot be undone."""

    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=5, max_length=500)
    ] = Field(description="The request as received: its date, reference and how it came.")


class CommentCreate(_Command):
    text: LongText
    public: bool = Field(default=False, description="Public comments are shown to the requester.")
    mentions: list[Text] = Field(
        default_factory=list,
        max_length=20,
        description="Staff ids of colleagues to call in (internal notes only); each is told.",
    )
    version: Version


class AccessCodeCheck(_Command):
    """The one-time code the requester received."""

    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")] = Field(
        description="six digits"
    )


class CallOutcome(StrEnum):
    CONSULTATION = "consultation"  # answered on the phone: the card is closed with the answer
    CARD_CREATED = "card_created"  # work to do: the card is routed like any other
    FORWARDED = "forwarded"  # handed to a department's queue during the call


class CallRecord(_Command):
    """An operator's record of a call: who, the essence, what was checked, how it ended, and
    the details still missing (the card then waits for them, with the questions)."""

    # What each outcome needs, for the document too (``_outcome_has_what_it_needs``).
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"outcome": {"const": "consultation"}}},
                    "then": {
                        "required": ["answer"],
                        "properties": {
                            "answer": {"type": "string", "pattern": r"\S"},
                            "missing": {"maxItems": 0},
                        },
                    },
                },
                {
                    "if": {"properties": {"outcome": {"const": "forwarded"}}},
                    "then": {
                        "required": ["forwarded_to"],
                        "properties": {"forwarded_to": {"type": "string"}},
                    },
                },
            ]
        }
    )

    caller: RequesterIn
    essence: LongText
    category: Category = Field(description="The topic: a leaf code, e.g. roads.potholes")
    priority: Priority = Priority.NORMAL
    location: LocationIn | None = None
    checked: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = (
        Field(default=None, description="What was already checked during the call.")
    )
    outcome: CallOutcome
    answer: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = (
        Field(default=None, description="The consultation given (outcome consultation).")
    )
    forwarded_to: DepartmentId | None = Field(
        default=None, description="The department the call was handed to (outcome forwarded)."
    )
    missing: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=3)]] = Field(
        default_factory=list,
        max_length=10,
        description="Questions for details the caller could not give: the card waits.",
    )

    @field_validator("checked")
    @classmethod
    def _fits_the_card_with_the_essence(
        cls, checked: str | None, info: ValidationInfo
    ) -> str | None:
        # The card's description is the essence, then what was checked.
        essence = info.data.get("essence") or ""
        if checked and len(essence) + len(CHECKED_PREFIX) + len(checked) > DESCRIPTION_MAX:
            raise ValueError(
                f"the essence and what was checked make the card's description, at most "
                f"{DESCRIPTION_MAX} characters together"
            )
        return checked

    @model_validator(mode="after")
    def _outcome_has_what_it_needs(self) -> CallRecord:
        if self.outcome == CallOutcome.CONSULTATION and not self.answer:
            raise ValueError("a consultation needs the answer given (answer)")
        if self.outcome == CallOutcome.FORWARDED and not self.forwarded_to:
            raise ValueError("a forwarded call needs the department (forwarded_to)")
        if self.outcome == CallOutcome.CONSULTATION and self.missing:
            raise ValueError("a consultation is closed at once: it cannot wait for details")
        return self


class OutboxRetry(_Command):
    card: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{6,}$")] | None = Field(
        default=None, description="Only this card's failed messages (default: all)."
    )


class TemplateUpdate(_Command):
    """A new version of one template in one scope; ``source`` null withdraws the override."""

    source: Annotated[str, StringConstraints(min_length=1, max_length=20_000)] | None
    version: int = Field(ge=0, description="The scope's version you edited (0: none yet).")


class TemplatePreview(_Command):
    kind: Text = Field(
        description="Which template the draft is for (its variables and samples).",
        json_schema_extra={"enum": list[JsonValue](sorted(TEMPLATE_KINDS))},
    )

    source: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]

    @field_validator("kind")
    @classmethod
    def _a_known_kind(cls, kind: str) -> str:
        if kind not in TEMPLATE_KINDS:
            known = ", ".join(sorted(TEMPLATE_KINDS))
            raise ValueError(f"no template {kind!r}; there are: {known}")
        return kind


class SurveyCreate(_Command):
    """The requester's rating of how their request was handled."""

    rating: int = Field(ge=1, le=5, description="1 (bad) to 5 (excellent)")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class ReplyCreate(_Command):
    """A reply to the requester, written into the template of its kind."""

    kind: ReplyKind = Field(
        description="answer (with a next step), final (resolves the card) or refusal (closes it)"
    )
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=5000)]
    next_step: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = (
        None
    )
    next_step_due: AwareDatetime | None = None
    legal: bool = Field(default=False, description="A legal answer: needs the manager's approval.")
    attachments: list[Text] = Field(
        default_factory=list,
        max_length=10,
        description="Ids of staff files on the card the requester may download once it is sent.",
    )
    version: Version


class ReplyDecision(_Command):
    """The manager's decision on a reply awaiting approval; rejecting needs a reason."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    version: Version


class RiskFlags(_Command):
    """The card's risk flags, as a whole: flags not listed are cleared (managers only)."""

    flags: list[ControlReason] = Field(
        max_length=3, description="safety, personal_data, public_resonance"
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
    version: Version


class SubtaskCreate(_Command):
    """Ask another department for part of the work; the requester still sees one request."""

    department: DepartmentId
    text: LongText = Field(description="What the other department is asked to do.")
    category: Category | None = Field(
        default=None,
        description="The subtask's topic, one of that department's; default: its first topic.",
    )
    executor_id: Text | None = Field(
        default=None, description="An executor there; default: the department's queue."
    )
    version: Version


class OverdueExplain(_Command):
    reason: OverdueReason
    next_step: NextStep
    reason_text: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None
    ) = None
    new_deadline: AwareDatetime | None = Field(
        default=None, description="With next_step new_deadline: agreed by a manager."
    )
    version: Version


class RulesUpdate(_Command):
    """A new version of the routing rules: the whole ordered list, based on ``version``."""

    version: Annotated[int, Field(ge=1, description="The rules version you read; stale is 409.")]
    triage_department: DepartmentId = Field(description="Where cards no rule matches go.")
    rules: list[Rule] = Field(max_length=MAX_RULES)


class RoutingPreview(_Command):
    """A card as routing sees it, to try the rules in force without creating anything."""

    category: Category
    priority: Priority = Priority.NORMAL
    requester_kind: RequesterKind = RequesterKind.INDIVIDUAL
    requester_email: (
        Annotated[str, StringConstraints(max_length=254, pattern=EMAIL_PATTERN)] | None
    ) = Field(default=None, description="To see whether it would count as a repeat.")
    location: LocationIn | None = None
    at: AwareDatetime | None = Field(default=None, description="Arrival time; default now.")


class ExportFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


class ExportCommand(_Command):
    """Export the requests received in a period (the town's days, both ends included)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: date = Field(alias="from", description="first day, e.g. 2026-01-01")
    end: date = Field(alias="to", description="last day, included")
    formats: list[ExportFormat] = Field(
        default_factory=lambda: [ExportFormat.CSV, ExportFormat.PARQUET], min_length=1
    )
    department: DepartmentId | None = Field(
        default=None,
        description="one department; without it, every department you may report on",
    )


class PhotoShown(_Command):
    """One of the requester's photos taken off the request's public page, or put back."""

    attachment_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
    ] = Field(description="The photo's id, as the card lists it.")
    public: bool = Field(description="false: hide it from the public page; true: show it again.")
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)
    ] = Field(description="Why (what the photo shows), kept as an internal note.")
    version: Version


class CardCorrection(_Command):
    """What intake recorded, put right by staff: give only what changes, and why."""

    category: Category | None = Field(
        default=None, description="The right topic (leaf code); deadlines follow the new one."
    )
    priority: Priority | None = Field(
        default=None, description="Operators and the department's manager only."
    )
    location: LocationIn | None = Field(
        default=None, description="The right place; its district is found again."
    )
    full_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
        | None
    ) = Field(default=None, description="The requester's name, as they gave it.")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)]
    version: Version

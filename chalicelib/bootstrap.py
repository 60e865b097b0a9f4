"""The one place CivicDesk is wired: builds the ports once per warm Lambda, and from them each
capability's ready use cases (``c.intake.submit(form, key=...)``, ``c.casework.assign(...)``,
``c.sla.check_card(number)``): routes and handlers parse, call one of these, and render.
Tests pass overrides (in-memory twins, a manual clock).

Importing this module creates no client: each AWS client is made the first time a use case
needs it, so a status view never pays for an S3 client.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from chalicelib.domain.rate_limits import Limits
from chalicelib.ports import (
    AccessCodes,
    ApiKeys,
    BlobStore,
    BreachLog,
    CardRepository,
    Clock,
    Directory,
    EscalationWorkflow,
    ExportRunner,
    ExportStore,
    Geocoder,
    Mailer,
    MailLog,
    NoticeLog,
    Outbox,
    RateLimiter,
    RawMailStore,
    RoutingRules,
    SearchIndex,
    SecondFactors,
    SmsSender,
    SurveyResults,
    Telemetry,
    TemplateStore,
    Thumbnailer,
    TimerScheduler,
)
from chalicelib.services.policies import (
    AttachmentPolicy,
    IntakePolicy,
    MailPolicy,
    SlaPolicy,
)

if TYPE_CHECKING:
    from datetime import datetime

    from chalicelib.adapters.dynamodb_directory import DynamoDirectory
    from chalicelib.domain.business_calendar import BusinessCalendar
    from chalicelib.domain.card import Card, Priority
    from chalicelib.domain.history import HistoryEntry
    from chalicelib.domain.phone import PhoneConfig
    from chalicelib.domain.routing import RuleSet
    from chalicelib.domain.sla import SlaMatrix, Timer
    from chalicelib.services.access_codes import CodeSender
    from chalicelib.services.admission import Admission
    from chalicelib.services.api_keys import ApiKeyAdmin
    from chalicelib.services.calls import Calls
    from chalicelib.services.card_changes import CardShowing
    from chalicelib.services.casework import Casework
    from chalicelib.services.desk import Desk
    from chalicelib.services.duplicates import Duplicates
    from chalicelib.services.exports import ExportPolicy, ExportPorts, Exports
    from chalicelib.services.intake import Intake
    from chalicelib.services.mail_delivery import MailIntake
    from chalicelib.services.mail_intake import MailPolicies, MailPorts
    from chalicelib.services.notifications import Notifier, NotifyPolicy
    from chalicelib.services.open311 import Open311
    from chalicelib.services.outbox_dispatch import DispatchPorts, OutboxDispatch
    from chalicelib.services.phone import Phone, PhonePolicy, PhonePorts
    from chalicelib.services.places import Places
    from chalicelib.services.privacy import Privacy
    from chalicelib.services.replies import Replies
    from chalicelib.services.reports import Reports
    from chalicelib.services.requester import Requester
    from chalicelib.services.routing import Router, RoutingPolicy
    from chalicelib.services.routing_admin import RoutingAdmin
    from chalicelib.services.search import Search
    from chalicelib.services.seeding import Seeding
    from chalicelib.services.sla import Sla, SlaPolicies, SlaPorts
    from chalicelib.services.staff_files import StaffFiles
    from chalicelib.services.template_admin import TemplateAdmin
from chalicelib.settings import AuthMode, Settings


class Container:
    def __init__(self, settings: Settings, **overrides: Any) -> None:
        self.settings = settings
        # Anything the container builds can be replaced; nothing else can be passed.
        buildable = {n for n, v in vars(Container).items() if isinstance(v, cached_property)}
        unknown = set(overrides) - buildable
        if unknown:
            raise TypeError(f"unknown overrides: {sorted(unknown)}")
        for name, value in overrides.items():
            self.__dict__[name] = value  # pre-fills the cached_property of that name

    @cached_property
    def dynamodb_client(self) -> Any:
        return _aws_client("dynamodb")

    @cached_property
    def s3_client(self) -> Any:
        from botocore.config import Config

        # SigV4 presigning is required for uploads to a KMS-encrypted bucket.
        return _aws_client("s3", config=Config(signature_version="s3v4"))

    @cached_property
    def ses_client(self) -> Any:
        return _aws_client("ses")

    @cached_property
    def cards(self) -> CardRepository:
        from chalicelib.adapters.dynamodb_cards import DynamoCardRepository
        from chalicelib.adapters.measured_cards import MeasuredCards

        stored = DynamoCardRepository(self.dynamodb_client, self.settings.table_name)
        # Protocol members the wrapper does not define reach the table through __getattr__.
        return cast(CardRepository, MeasuredCards(stored, self.telemetry))

    @cached_property
    def search_index(self) -> SearchIndex:
        s = self.settings
        if s.search_endpoint:
            from chalicelib.adapters.opensearch_index import OpenSearchIndex, aws_client

            region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
            return OpenSearchIndex(aws_client(s.search_endpoint, region), s.search_index)
        from chalicelib.adapters.embedded_search import EmbeddedSearchIndex

        return EmbeddedSearchIndex(Path(s.search_path) if s.search_path else ":memory:")

    @cached_property
    def export_store(self) -> ExportStore:
        from chalicelib.adapters.s3_exports import S3ExportStore

        return S3ExportStore(self.s3_client, self.settings.exports_bucket)

    @cached_property
    def export_runner(self) -> ExportRunner:
        from chalicelib.adapters.s3_exports import LambdaExportRunner

        if not self.settings.export_function:
            raise RuntimeError("CIVICDESK_EXPORT_FUNCTION is not set: exports cannot start")
        return LambdaExportRunner(_aws_client("lambda"), self.settings.export_function)

    @cached_property
    def export_ports(self) -> ExportPorts:
        from chalicelib.adapters.export_files import RowFiles
        from chalicelib.services.exports import ExportPorts

        return ExportPorts(
            cards=self.cards,
            directory=self.directory,
            store=self.export_store,
            clock=self.clock,
            surveys=self.surveys,
            files=RowFiles,
            telemetry=self.telemetry,
        )

    @cached_property
    def export_policy(self) -> ExportPolicy:
        import hashlib

        from chalicelib.services.exports import ExportPolicy

        # A secret of its own when deployed (the export function cannot sign status links);
        # locally derived from the link secret. Pseudonyms are stable across exports and say
        # nothing without it.
        if self.settings.export_secret_arn:
            secret = _aws_client("secretsmanager").get_secret_value(
                SecretId=self.settings.export_secret_arn
            )["SecretString"]
            key = hashlib.sha256(str(secret).encode()).digest()
        else:
            key = hashlib.sha256(b"civicdesk export pseudonyms\0" + self.link_secret).digest()
        return ExportPolicy(pseudonym_key=key, zone=self.settings.timezone)

    @cached_property
    def blobs(self) -> BlobStore:
        from chalicelib.adapters.s3_blobs import S3BlobStore

        return S3BlobStore(self.s3_client, self.settings.attachments_bucket)

    @cached_property
    def directory_store(self) -> DynamoDirectory:
        """The directory's versions in the table (published by the deploy's seeding)."""
        from chalicelib.adapters.dynamodb_directory import DynamoDirectory
        from chalicelib.adapters.static_directory import read_source

        return DynamoDirectory(
            self.dynamodb_client, self.settings.table_name, seed=read_source, clock=self.clock
        )

    @cached_property
    def directory(self) -> Directory:
        return self.directory_store

    @cached_property
    def second_factors(self) -> SecondFactors:
        if self.settings.auth_mode == AuthMode.DEV:
            from chalicelib.adapters.dev_tokens import ClaimedSecondFactors

            return ClaimedSecondFactors()
        from chalicelib.adapters.cognito_second_factors import CognitoSecondFactors

        if not self.settings.user_pool_id:
            raise RuntimeError(
                "CIVICDESK_USER_POOL_ID is not set: second factors cannot be checked"
            )
        return CognitoSecondFactors(
            _aws_client("cognito-idp"), self.settings.user_pool_id, self.clock
        )

    @cached_property
    def clock(self) -> Clock:
        from chalicelib.adapters.clock import SystemClock

        return SystemClock()

    @cached_property
    def telemetry(self) -> Telemetry:
        from chalicelib.adapters.telemetry import PowertoolsTelemetry
        from chalicelib.observability import metrics_namespace

        return PowertoolsTelemetry(metrics_namespace())

    @cached_property
    def intake_policy(self) -> IntakePolicy:
        return IntakePolicy(
            consent_version=self.settings.consent_version,
            timezone=self.settings.timezone,
            first_response_due=self._first_response_due,
        )

    def _first_response_due(self, category: str, priority: Priority, at: datetime) -> datetime:
        # Late-bound: the calendar loads when the first card is made, not with the policy.
        return self.sla_policy.first_response_due(category, priority, at)

    @cached_property
    def routing_rules(self) -> RoutingRules:
        from chalicelib.adapters.dynamodb_rules import DynamoRoutingRules

        return DynamoRoutingRules(
            self.dynamodb_client, self.settings.table_name, seed=self._seed_rules
        )

    def _seed_rules(self) -> RuleSet:
        from chalicelib.adapters.rules_config import load_seed_rules

        return load_seed_rules(self.clock.now())

    @cached_property
    def routing_policy(self) -> RoutingPolicy:
        from chalicelib.services.routing import RoutingPolicy

        return RoutingPolicy(calendar=self.calendar)

    @cached_property
    def router(self) -> Router:
        from chalicelib.services.routing import router

        return router(
            rules=self.routing_rules,
            cards=self.cards,
            directory=self.directory,
            policy=self.routing_policy,
        )

    @cached_property
    def attachment_policy(self) -> AttachmentPolicy:
        return AttachmentPolicy()

    @cached_property
    def calendar(self) -> BusinessCalendar:
        from chalicelib.adapters.calendar_config import load_seed_calendar

        return load_seed_calendar()

    @cached_property
    def sla_matrix(self) -> SlaMatrix:
        from chalicelib.adapters.sla_config import load_seed_sla

        tree = self.directory.categories()
        return load_seed_sla(set(tree.leaf_codes) | {c.code for c in tree.categories})

    @cached_property
    def sla_policy(self) -> SlaPolicy:
        from chalicelib.adapters.sla_config import load_seed_waiting

        tree = self.directory.categories()
        waiting = load_seed_waiting(
            set(tree.leaf_codes) | {c.code for c in tree.categories},
            working_day=self.sla_matrix.working_day,
        )
        return SlaPolicy(calendar=self.calendar, matrix=self.sla_matrix, waiting=waiting)

    def card_timers(self, card: Card, history: list[HistoryEntry]) -> list[Timer]:
        return self.sla_policy.timers(card, history, self.clock.now())

    @cached_property
    def scheduler_client(self) -> Any:
        return _aws_client("scheduler")

    @cached_property
    def sfn_client(self) -> Any:
        return _aws_client("stepfunctions")

    @cached_property
    def notices(self) -> NoticeLog:
        from chalicelib.adapters.dynamodb_sla import DynamoNoticeLog

        return DynamoNoticeLog(self.dynamodb_client, self.settings.table_name)

    @cached_property
    def breaches(self) -> BreachLog:
        from chalicelib.adapters.dynamodb_sla import DynamoBreachLog

        return DynamoBreachLog(self.dynamodb_client, self.settings.table_name)

    @cached_property
    def scheduler(self) -> TimerScheduler:
        from chalicelib.adapters.eventbridge_scheduler import (
            EventBridgeTimerScheduler,
            TimerTarget,
        )

        s = self.settings
        target = TimerTarget(
            group=s.schedule_group,
            function_arn=s.timer_function_arn,
            role_arn=s.scheduler_role_arn,
            dead_letter_arn=s.timer_dead_letter_arn,
        )
        return EventBridgeTimerScheduler(self.scheduler_client, target)

    @cached_property
    def escalations(self) -> EscalationWorkflow:
        from chalicelib.adapters.step_functions import StepFunctionsEscalations

        return StepFunctionsEscalations(self.sfn_client, self.settings.escalation_state_machine)

    @cached_property
    def sla_ports(self) -> SlaPorts:
        from chalicelib.services.sla import SlaPorts

        return SlaPorts(
            cards=self.cards,
            notices=self.notices,
            breaches=self.breaches,
            mailer=self.mailer,
            directory=self.directory,
            scheduler=self.scheduler,
            escalations=self.escalations,
            clock=self.clock,
            templates=self.templates,
            # Only a message to a requester needs it (and the link secret it signs with).
            notify=lambda: self.notifier,
        )

    @cached_property
    def sla_policies(self) -> SlaPolicies:
        from chalicelib.services.sla import SlaPolicies

        return SlaPolicies(deadlines=self.sla_policy, mail=self.mail_policy)

    @cached_property
    def mail_log(self) -> MailLog:
        from chalicelib.adapters.dynamodb_mail import DynamoMailLog

        return DynamoMailLog(self.dynamodb_client, self.settings.table_name)

    @cached_property
    def limiter(self) -> RateLimiter:
        from chalicelib.adapters.dynamodb_rate_limits import DynamoRateLimiter

        return DynamoRateLimiter(self.dynamodb_client, self.settings.table_name)

    @cached_property
    def limits(self) -> Limits:
        return Limits.overridden(self.settings.limits)

    def api_document(self) -> dict[str, Any]:
        """The served OpenAPI document, with the codes the town's directory defines in force
        (built per request: the directory changes while a function stays warm)."""
        from chalicelib.api.openapi import openapi_document

        return openapi_document(
            directory=self.directory, consent_version=self.settings.consent_version
        )

    @cached_property
    def codes_sent(self) -> CodeSender:
        from chalicelib.services.access_codes import CodeSender

        return CodeSender(
            cards=self.cards,
            codes=self.access_codes,
            outbox=self.outbox,
            notify=self.notifier,
            clock=self.clock,
            limiter=self.limiter,
            limits=self.limits,
        )

    @cached_property
    def admission(self) -> Admission:
        from chalicelib.services.admission import Admission

        return Admission(limiter=self.limiter, limits=self.limits, clock=self.clock)

    @cached_property
    def mailer(self) -> Mailer:
        from chalicelib.adapters.ses_mailer import SesMailer

        return SesMailer(self.ses_client)

    @cached_property
    def raw_mail(self) -> RawMailStore:
        from chalicelib.adapters.s3_raw_mail import S3RawMailStore

        return S3RawMailStore(self.s3_client, self.settings.inbound_bucket)

    @cached_property
    def mail_ports(self) -> MailPorts:
        from chalicelib.services.mail_intake import MailPorts

        return MailPorts(
            cards=self.cards,
            mail_log=self.mail_log,
            limiter=self.limiter,
            mailer=self.mailer,
            blobs=self.blobs,
            directory=self.directory,
            clock=self.clock,
            telemetry=self.telemetry,
            route=self.router,
            outbox=self.outbox,
            notify=self.notifier,
            thumbnails=self.thumbnails,
            find_duplicates=self.duplicates.likely_for_new,
        )

    @cached_property
    def mail_policy(self) -> MailPolicy:
        s = self.settings
        return MailPolicy(
            from_address=s.mail_from,
            town_name=s.town_name,
            own_addresses=s.own_addresses,
            default_locale=s.default_locale,
            default_category=s.email_category,
            reopen_within_days=s.mail_reopen_days,
            max_raw_bytes=s.mail_max_bytes,
            status_base_url=s.public_base_url,
            timezone=s.timezone,
            auto_replies=self.limits.auto_replies,
        )

    @cached_property
    def outbox(self) -> Outbox:
        from chalicelib.adapters.dynamodb_outbox import DynamoOutbox
        from chalicelib.adapters.retention_config import shipped_retention

        return DynamoOutbox(
            self.dynamodb_client, self.settings.table_name, retention=shipped_retention()
        )

    @cached_property
    def access_codes(self) -> AccessCodes:
        from chalicelib.adapters.dynamodb_access_codes import DynamoAccessCodes

        return DynamoAccessCodes(self.dynamodb_client, self.settings.table_name)

    @cached_property
    def api_keys(self) -> ApiKeys:
        from chalicelib.adapters.dynamodb_api_keys import DynamoApiKeys

        return DynamoApiKeys(self.dynamodb_client, self.settings.table_name)

    @cached_property
    def open311(self) -> Open311:
        from chalicelib.services.open311 import Open311, Open311Policy

        town = self.settings
        return Open311(
            cards=self.cards,
            directory=self.directory,
            clock=self.clock,
            intake=self.intake,
            keys=self.api_keys,
            limiter=self.limiter,
            blobs=self.blobs,
            policy=Open311Policy(
                jurisdiction_id=town.jurisdiction_id,
                endpoint_url=f"{town.public_base_url}/open311/v2",
                token_secret=b"open311|" + self.link_secret,
                consent_version=town.consent_version,
                contact=town.mail_from,
            ),
        )

    @cached_property
    def api_key_admin(self) -> ApiKeyAdmin:
        from chalicelib.services.api_keys import ApiKeyAdmin

        return ApiKeyAdmin(keys=self.api_keys, clock=self.clock)

    @cached_property
    def surveys(self) -> SurveyResults:
        from chalicelib.adapters.dynamodb_surveys import DynamoSurveyResults

        return DynamoSurveyResults(self.dynamodb_client, self.settings.table_name)

    @cached_property
    def sms(self) -> SmsSender:
        from chalicelib.adapters.sns_sms import SnsSmsSender

        s = self.settings
        return SnsSmsSender(
            _aws_client("sns"),
            country_code=s.sms_country_code,
            trunk_prefix=s.sms_trunk_prefix,
            sender_id=s.sms_sender_id or None,
        )

    @cached_property
    def link_secret(self) -> bytes:
        """The key of signed status and survey links (Secrets Manager when deployed)."""
        if self.settings.link_secret:
            return self.settings.link_secret.encode()
        if not self.settings.link_secret_arn:
            raise RuntimeError("set CIVICDESK_LINK_SECRET or CIVICDESK_LINK_SECRET_ARN")
        response = _aws_client("secretsmanager").get_secret_value(
            SecretId=self.settings.link_secret_arn
        )
        return str(response["SecretString"]).encode()

    @cached_property
    def templates(self) -> TemplateStore:
        from chalicelib.adapters.dynamodb_templates import DynamoTemplates

        return DynamoTemplates(self.dynamodb_client, self.settings.table_name, now=self.clock.now)

    @cached_property
    def notify_policy(self) -> NotifyPolicy:
        from chalicelib.services.notifications import NotifyPolicy

        s = self.settings
        return NotifyPolicy(
            town_name=s.town_name,
            timezone=s.timezone,
            default_locale=s.default_locale,
            public_base_url=s.public_base_url,
            link_secret=self.link_secret,
        )

    @cached_property
    def notifier(self) -> Notifier:
        from chalicelib.services.notifications import Notifier

        return Notifier(
            directory=self.directory,
            templates=self.templates,
            policy=self.notify_policy,
        )

    @cached_property
    def dispatch_ports(self) -> DispatchPorts:
        from chalicelib.services.outbox_dispatch import DispatchPorts

        return DispatchPorts(
            outbox=self.outbox,
            mailer=self.mailer,
            sms=self.sms,
            mail_log=self.mail_log,
            clock=self.clock,
            telemetry=self.telemetry,
        )

    @cached_property
    def phone_ports(self) -> PhonePorts:
        from chalicelib.services.phone import PhonePorts

        return PhonePorts(
            cards=self.cards,
            codes=self.access_codes,
            directory=self.directory,
            clock=self.clock,
            notify=self.notifier,
            intake=self.intake,
            codes_sent=self.codes_sent,
        )

    @cached_property
    def phone_config(self) -> PhoneConfig:
        from chalicelib.adapters.phone_config import seed_document
        from chalicelib.domain.phone import phone_config

        return phone_config(seed_document(), self.directory.categories())

    @cached_property
    def phone_policy(self) -> PhonePolicy:
        from chalicelib.services.phone import PhonePolicy

        return PhonePolicy(config=self.phone_config, timezone=self.settings.timezone)

    @cached_property
    def mail_policies(self) -> MailPolicies:
        from chalicelib.services.mail_intake import MailPolicies

        return MailPolicies(
            mail=self.mail_policy, intake=self.intake_policy, attachments=self.attachment_policy
        )

    # ---- Each capability's use cases, wired once (see ARCHITECTURE.md's capability map) ----

    @cached_property
    def intake(self) -> Intake:
        from chalicelib.services.intake import Intake, receipts_within

        return Intake(
            cards=self.cards,
            directory=self.directory,
            clock=self.clock,
            telemetry=self.telemetry,
            policy=self.intake_policy,
            route=self.router,
            receipt=receipts_within(self.limits.receipts, self.limiter, self.notifier.receipt),
            replay_token=lambda number: self.notifier.status_token(number, self.clock.now()),
            find_duplicates=self.duplicates.likely_for_new,
        )

    @cached_property
    def duplicates(self) -> Duplicates:
        from chalicelib.adapters.word_forms import stems
        from chalicelib.services.duplicates import Duplicates

        return Duplicates(
            cards=self.cards,
            directory=self.directory,
            clock=self.clock,
            notify=self.notifier,
            show=self.card_showing,
            intake=self.intake_policy,
            stems=stems,
            limiter=self.limiter,
            follows=self.limits.follows_per_contact,
            blobs=self.blobs,
            geocoder=self.geocoder,
        )

    @cached_property
    def card_showing(self) -> CardShowing:
        from chalicelib.services.card_changes import CardShowing

        return CardShowing(cards=self.cards, timers_of=self.card_timers)

    @cached_property
    def casework(self) -> Casework:
        from chalicelib.services.casework import Casework

        return Casework(
            cards=self.cards,
            directory=self.directory,
            clock=self.clock,
            outbox=self.outbox,
            notify=self.notifier,
            intake=self.intake_policy,
            show=self.card_showing,
            sla=self.sla_policy,
            route=self.router,
        )

    @cached_property
    def desk(self) -> Desk:
        from chalicelib.services.desk import Desk

        return Desk(
            cards=self.cards,
            directory=self.directory,
            clock=self.clock,
            casework=self.casework,
            duplicates=self.duplicates,
        )

    @cached_property
    def replies(self) -> Replies:
        from chalicelib.services.replies import Replies

        return Replies(
            cards=self.cards,
            directory=self.directory,
            clock=self.clock,
            notify=self.notifier,
            show=self.card_showing,
            sla=self.sla_policy,
        )

    @cached_property
    def staff_files(self) -> StaffFiles:
        from chalicelib.services.staff_files import StaffFiles

        return StaffFiles(
            cards=self.cards,
            blobs=self.blobs,
            clock=self.clock,
            policy=self.attachment_policy,
            show=self.card_showing,
            thumbnails=self.thumbnails,
        )

    @cached_property
    def thumbnails(self) -> Thumbnailer:
        from chalicelib.adapters.pillow_thumbnails import PillowThumbnails

        return PillowThumbnails()

    @cached_property
    def requester(self) -> Requester:
        from chalicelib.services.requester import Requester

        return Requester(
            cards=self.cards,
            directory=self.directory,
            blobs=self.blobs,
            surveys=self.surveys,
            codes=self.access_codes,
            clock=self.clock,
            notify=self.notifier,
            attachments=self.attachment_policy,
            link_secret=lambda: self.link_secret,
            codes_sent=self.codes_sent,
            thumbnails=self.thumbnails,
        )

    @cached_property
    def calls(self) -> Calls:
        from chalicelib.services.calls import Calls

        return Calls(
            intake=self.intake,
            cards=self.cards,
            directory=self.directory,
            clock=self.clock,
            notify=self.notifier,
            config=self.phone_config,
            show=self.card_showing,
            sla=self.sla_policy,
        )

    @cached_property
    def phone(self) -> Phone:
        from chalicelib.services.phone import Phone

        return Phone(ports=self.phone_ports, policy=self.phone_policy)

    @cached_property
    def mail_intake(self) -> MailIntake:
        from chalicelib.adapters.mime import parse_mail
        from chalicelib.services.mail_delivery import MailIntake

        return MailIntake(
            raw_mail=self.raw_mail,
            parse=parse_mail,
            ports=self.mail_ports,
            policies=self.mail_policies,
        )

    @cached_property
    def sla(self) -> Sla:
        from chalicelib.services.sla import Sla

        return Sla(ports=self.sla_ports, policies=self.sla_policies)

    @cached_property
    def outbox_dispatch(self) -> OutboxDispatch:
        from chalicelib.services.outbox_dispatch import OutboxDispatch

        return OutboxDispatch(ports=self.dispatch_ports, policy=self.mail_policy)

    @cached_property
    def exports(self) -> Exports:
        from chalicelib.services.exports import Exports

        return Exports(
            ports=self.export_ports, policy=self.export_policy, runner=lambda: self.export_runner
        )

    @cached_property
    def privacy(self) -> Privacy:
        from chalicelib.adapters.retention_config import shipped_retention
        from chalicelib.services.privacy import Privacy

        return Privacy(
            cards=self.cards,
            outbox=self.outbox,
            blobs=self.blobs,
            mail_log=self.mail_log,
            clock=self.clock,
            retention=shipped_retention(),
        )

    @cached_property
    def reports(self) -> Reports:
        from chalicelib.services.reports import Reports

        return Reports(
            store=self.export_store,
            cards=self.cards,
            directory=self.directory,
            limiter=self.limiter,
            clock=self.clock,
            runner=lambda: self.export_runner,
        )

    @cached_property
    def geocoder(self) -> Geocoder:
        from chalicelib.adapters.street_geocoder import StreetTableGeocoder

        streets = StreetTableGeocoder(self.directory)
        if self.settings.geocoding != "amazon":
            return streets
        from chalicelib.adapters.amazon_location_geocoder import AmazonLocationGeocoder
        from chalicelib.adapters.town_config import shipped_town

        return AmazonLocationGeocoder(
            lambda: self.geo_places_client,
            self.directory,
            bias=shipped_town().map.center,
            fallback=streets,
        )

    @cached_property
    def geo_places_client(self) -> Any:
        return _aws_client("geo-places")

    @cached_property
    def places(self) -> Places:
        from chalicelib.services.places import Places

        return Places(
            geocoder=self.geocoder,
            directory=self.directory,
            cards=self.cards,
            clock=self.clock,
            blobs=self.blobs,
        )

    @cached_property
    def search(self) -> Search:
        from chalicelib.services.search import Search

        return Search(cards=self.cards, index=self.search_index)

    @cached_property
    def routing_admin(self) -> RoutingAdmin:
        from chalicelib.services.routing_admin import RoutingAdmin

        return RoutingAdmin(
            rules=self.routing_rules, directory=self.directory, clock=self.clock, route=self.router
        )

    @cached_property
    def seeding(self) -> Seeding:
        from chalicelib.adapters.static_directory import read_source
        from chalicelib.services.seeding import Seeding

        return Seeding(
            publisher=self.directory_store,
            rules=self.routing_rules,
            shipped_directory=read_source,
        )

    @cached_property
    def template_admin(self) -> TemplateAdmin:
        from chalicelib.services.template_admin import TemplateAdmin

        return TemplateAdmin(templates=self.templates, directory=self.directory, clock=self.clock)


def _aws_client(service: str, **options: Any) -> Any:
    import boto3

    from chalicelib.observability import tracer

    tracer()  # in Lambda, patches botocore for X-Ray before the first client exists
    return boto3.client(service, **options)


_current: Container | None = None


def build(settings: Settings | None = None, **overrides: Any) -> Container:
    return Container(settings or Settings.from_env(), **overrides)


def container() -> Container:
    """The process-wide container, built from the environment on first use."""
    global _current
    if _current is None:
        _current = build()
    return _current


def use(replacement: Container | None) -> None:
    """Install a container (tests, the local stack); ``None`` rebuilds from the env next time."""
    global _current
    _current = replacement

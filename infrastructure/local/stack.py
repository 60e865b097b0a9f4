"""The local stack: moto's server emulating AWS, the resources, and the API on loopback.

Everything runs in one process. State lives in ``data_dir`` (the moto journal and the dev
token secret), so stopping and starting again, even after a hard kill, finds the same data.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from chalicelib.adapters.table_schema import CARD_SK
from infrastructure import portal_site
from infrastructure.local.aws import REGION, EmulatedAws

LOCAL_SCHEDULE_GROUP = "civicdesk-local-deadlines"
LOCAL_ARN_PREFIX = f"arn:aws:lambda:{REGION}:123456789012"
LOCAL_IAM_PREFIX = "arn:aws:iam::123456789012"
LOCAL_SQS_PREFIX = f"arn:aws:sqs:{REGION}:123456789012"
TOKEN_TTL = timedelta(days=7)


@dataclass(frozen=True)
class LocalUrls:
    api: str
    aws: str
    smtp: str
    outbox: Path


class LocalStack:
    def __init__(
        self,
        data_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        aws_port: int = 0,
        smtp_port: int = 2525,
        time_factor: float = 1.0,
    ) -> None:
        self.data_dir = data_dir
        self.time_factor = time_factor
        self.host = host
        self.port = port
        self.aws_port = aws_port
        self.smtp_port = smtp_port
        self._aws: EmulatedAws | None = None
        self._api: Any = None
        self._smtp: Any = None
        self._timers: Any = None
        self.replayed = 0
        self.cards = 0

    def start(self) -> LocalUrls:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._aws = EmulatedAws(self.data_dir, self.host, self.aws_port)
        aws_url = self._aws.start()
        self.replayed = self._aws.replayed
        self._configure_environment(aws_url)
        return self._start_api(aws_url)

    def _configure_environment(self, aws_url: str) -> None:
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": aws_url,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
                "CIVICDESK_AUTH_MODE": "dev",
                "CIVICDESK_DEV_TOKEN_SECRET": self._dev_secret(),
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "true",
                "POWERTOOLS_SERVICE_NAME": "civicdesk",
                # Deadline timers are schedules in moto; the timer thread fires them.
                "CIVICDESK_SCHEDULE_GROUP": LOCAL_SCHEDULE_GROUP,
                "CIVICDESK_TIMER_FUNCTION_ARN": f"{LOCAL_ARN_PREFIX}:function:civicdesk-sla-timer",
                "CIVICDESK_SCHEDULER_ROLE_ARN": f"{LOCAL_IAM_PREFIX}:role/civicdesk-scheduler",
                "CIVICDESK_TIMER_DLQ_ARN": f"{LOCAL_SQS_PREFIX}:civicdesk-deadline-failures",
                # The embedded search index, fed from the stream where it left off.
                "CIVICDESK_SEARCH_PATH": str(self.data_dir / "search.sqlite3"),
            }
        )
        os.environ.setdefault("CIVICDESK_PUBLIC_BASE_URL", f"http://{self.host}:{self.port}")
        # Commands run beside the stack (civicdesk call, mail, export) link to its pages.
        (self.data_dir / PORTAL_URL_FILE).write_text(os.environ["CIVICDESK_PUBLIC_BASE_URL"])

    def _dev_secret(self) -> str:
        return dev_secret(self.data_dir)

    def _start_api(self, aws_url: str) -> LocalUrls:
        import boto3

        from chalicelib import bootstrap
        from chalicelib.adapters.clock import SystemClock
        from chalicelib.adapters.ses_mailer import SesMailer
        from chalicelib.adapters.sns_sms import SnsSmsSender
        from chalicelib.observability import logger
        from chalicelib.settings import Settings
        from infrastructure.local.gateway import ApiServer, DevSignIn
        from infrastructure.local.logs import keys_per_thread
        from infrastructure.local.mailroom import OutboxMailer, OutboxSms, SmtpListener
        from infrastructure.local.resources import ensure_resources
        from infrastructure.local.streams import StreamReader
        from infrastructure.local.timers import (
            AcceleratedClock,
            DeadlineTimers,
            LocalEscalations,
            start_nightly_export,
        )

        keys_per_thread(logger)
        settings = Settings.from_env()
        aws = self._aws
        assert aws is not None
        self.cards = aws.store.count_sort_key(settings.table_name, CARD_SK.encode())
        s3 = boto3.client("s3")
        scheduler = boto3.client("scheduler")
        added = ensure_resources(
            settings,
            dynamodb=boto3.client("dynamodb"),
            s3=s3,
            ses=boto3.client("ses"),
            scheduler=scheduler,
        )
        outbox = OutboxMailer(SesMailer(boto3.client("ses")), self.data_dir / "outbox")
        texts = OutboxSms(
            SnsSmsSender(
                boto3.client("sns"),
                country_code=settings.sms_country_code,
                trunk_prefix=settings.sms_trunk_prefix,
            ),
            outbox.folder,
        )
        clock = (
            AcceleratedClock.resume(self.time_factor, self.data_dir / "town-time.json")
            if self.time_factor > 1
            else SystemClock()
        )
        escalations = LocalEscalations()
        bootstrap.use(
            bootstrap.build(
                settings,
                mailer=outbox,
                sms=texts,
                clock=clock,
                escalations=escalations,
                export_runner=BackgroundExports(),
            )
        )
        if added:  # a data folder from an earlier version: its cards join the new indexes
            refreshed = bootstrap.container().cards.refresh_derived_keys()
            logger.info("cards given new index keys", extra={"indexes": added, "cards": refreshed})
        from app import app

        sign_in = DevSignIn(
            staff=lambda: [
                {"id": m.id, "name": m.name, "roles": sorted(r.value for r in m.roles)}
                for m in bootstrap.container().directory.staff()
            ],
            token=lambda staff_id: staff_token(self.data_dir, staff_id),
        )
        # Password-less sign-in is for one person's machine: never on an address others reach.
        self._api = ApiServer(
            app,
            self.host,
            self.port,
            sign_in if is_loopback(self.host) else None,
            # Uploads and photo links go to the emulated S3, another origin than the pages'.
            content_security_policy=portal_site.content_security_policy(
                connect=[aws_url], images=[aws_url]
            ),
        )
        self._api.start()
        self._smtp = SmtpListener(s3, settings.inbound_bucket, self.host, self.smtp_port)
        self._smtp.start()
        stream_arn = boto3.client("dynamodb").describe_table(TableName=settings.table_name)[
            "Table"
        ]["LatestStreamArn"]
        self._timers = DeadlineTimers(
            scheduler_client=scheduler,
            group=settings.schedule_group,
            escalations=escalations,
            clock=clock,
            # The search indexer's event source mapping, resuming where it stopped.
            stream=StreamReader(
                boto3.client("dynamodbstreams"),
                stream_arn,
                name="search-indexer",
                checkpoints=aws.stream_of(settings.table_name),
                failures=self.data_dir / "stream-failures.jsonl",
            ),
            housekeeping=aws.housekeeping,
            nightly_export=start_nightly_export,
        )
        self._timers.start()
        return LocalUrls(
            api=f"http://{self.host}:{self._api.port}",
            aws=aws_url,
            smtp=f"{self.host}:{self._smtp.port}",
            outbox=outbox.folder,
        )

    def staff_tokens(self) -> dict[str, str]:
        """A signed token for each staff member of the directory."""
        from chalicelib import bootstrap

        return {
            member.id: staff_token(self.data_dir, member.id)
            for member in bootstrap.container().directory.staff()
        }

    def stop(self) -> None:
        if self._timers is not None:
            self._timers.stop()
        if self._smtp is not None:
            self._smtp.stop()
        if self._api is not None:
            self._api.stop()
        if self._aws is not None:
            self._aws.stop()


class BackgroundExports:
    """The local stand-in for invoking the export function asynchronously: a thread runs it."""

    def start(self, job: dict[str, Any]) -> None:
        import threading

        from chalicelib.observability import logger
        from functions import export_cards
        from infrastructure.local.mailroom import LambdaContext

        def run() -> None:
            try:
                export_cards.handler(job, LambdaContext("export-cards"))
            except Exception:  # as Lambda would: logged; the job's status says failed
                logger.exception("local export failed")

        threading.Thread(target=run, name="export", daemon=True).start()


def is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


PORTAL_URL_FILE = "portal-url"


def portal_url(data_dir: Path) -> str | None:
    """The portal address of the stack that uses ``data_dir`` (None: none has run there)."""
    path = data_dir / PORTAL_URL_FILE
    return path.read_text().strip() if path.is_file() else None


def dev_secret(data_dir: Path) -> str:
    """The local token-signing secret, kept in data_dir so tokens outlive a restart."""
    path = data_dir / "dev-token-secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), "utf-8")
        path.chmod(0o600)
    return path.read_text("utf-8").strip()


def staff_token(data_dir: Path, staff_id: str) -> str:
    """A fresh token for one staff member of the directory; KeyError names the unknown id."""
    from chalicelib.adapters import dev_tokens
    from chalicelib.adapters.clock import SystemClock
    from chalicelib.adapters.static_directory import StaticDirectory

    member = StaticDirectory.from_file().staff_member(staff_id)
    if member is None:
        raise KeyError(staff_id)
    return dev_tokens.issue(
        dev_tokens.staff_claims(member),
        secret=dev_secret(data_dir),
        now=SystemClock().now(),
        ttl=TOKEN_TTL,
    )

"""Exports for BI tools: every card (or those received in a period) as CSV and Parquet rows,
read page by page from the table and written batch by batch, so memory stays flat."""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain import export_rows
from chalicelib.domain.access import Principal, figures_scope
from chalicelib.domain.card import Card
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import NotFound, PermissionDenied, ValidationFailed
from chalicelib.domain.export_rows import FORMATS
from chalicelib.domain.report_figures import Aggregator
from chalicelib.observability import logger
from chalicelib.ports import (
    CardRepository,
    Clock,
    Directory,
    ExportRunner,
    ExportStore,
    RowSink,
    SurveyResults,
    Telemetry,
)
from chalicelib.services.commands import ExportCommand

PAGE = 1000  # cards per table read
BATCH = 10_000  # rows per write (one Parquet row group)
MAX_PERIOD_DAYS = 366 * 5


@dataclass(frozen=True)
class Period:
    """Requests received from ``start`` to ``end`` (inclusive), in the town's time zone."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValidationFailed.single("to", "is before from")
        if (self.end - self.start).days > MAX_PERIOD_DAYS:
            raise ValidationFailed.single("to", f"a period is at most {MAX_PERIOD_DAYS} days")

    def holds(self, card: Card, zone: ZoneInfo) -> bool:
        return self.start <= card.created_at.astimezone(zone).date() <= self.end


@dataclass(frozen=True)
class ExportResult:
    rows: int
    files: list[Path]


def every_card(cards: CardRepository) -> Iterator[Card]:
    cursor: str | None = None
    while True:
        page = cards.every_card(limit=PAGE, cursor=cursor)
        yield from page.cards
        cursor = page.cursor
        if cursor is None:
            return


def export_cards(
    source: Iterator[Card],
    *,
    directory: Directory,
    files: Callable[[], RowSink],
    pseudonym_key: bytes,
    period: Period | None,
    zone: ZoneInfo,
    departments: frozenset[str] | None = None,
    batch: int = BATCH,
) -> ExportResult:
    """Rows of ``source``'s cards (those received in ``period``, of ``departments``; None:
    all) into ``files()`` (a RowFiles)."""
    tree = directory.categories()
    agencies = {d.id: d.name.en for d in directory.departments()}
    writer = files()
    pending = []
    for card in source:
        if card.is_subtask or (period is not None and not period.holds(card, zone)):
            continue  # a subtask is the town's own work, not a request
        if departments is not None and card.department not in departments:
            continue
        pending.append(export_rows.row(card, tree, agencies, pseudonym_key=pseudonym_key))
        if len(pending) >= batch:
            writer.write(pending)
            pending = []
    writer.write(pending)
    paths = writer.close()
    return ExportResult(rows=writer.rows, files=paths)


# ---- jobs: nightly snapshots and on-demand periods

NIGHTLY_PREFIX = "exports/cards"
REPORTS_PREFIX = "exports/reports"  # the report figures, one file a month
ON_DEMAND_PREFIX = "exports/on-demand"
LINK_TTL = 15 * 60
EXPORTERS = frozenset({Role.MANAGER, Role.CONTROLLER, Role.ADMIN})


@dataclass(frozen=True)
class ExportPorts:
    cards: CardRepository
    directory: Directory
    store: ExportStore
    clock: Clock
    surveys: SurveyResults
    # Files in a folder, under a name, in these formats (RowFiles).
    files: Callable[[Path, str, list[str]], RowSink]
    telemetry: Telemetry


@dataclass(frozen=True)
class ExportPolicy:
    pseudonym_key: bytes
    zone: ZoneInfo


def taken_out_by(
    principal: Principal, department: str | None, directory: Directory, *, what: str
) -> frozenset[str] | None:
    """The departments whose ``what`` (reports, exports) ``principal`` may take out, narrowed
    to ``department`` when one is asked; None: the whole town."""
    if department is not None and directory.department(department) is None:
        raise ValidationFailed.single("department", f"unknown department {department!r}")
    try:
        return figures_scope(principal, department)
    except PermissionDenied as refused:
        raise PermissionDenied(f"{what}: {refused.message}") from None


def nightly_job(today: date) -> dict[str, Any]:
    return {"kind": "nightly", "snapshot": today.isoformat(), "formats": list(FORMATS)}


def nightly_written(today: date, *, store: ExportStore) -> bool:
    """Whether the snapshot of ``today`` is done (a second run would write the same files)."""
    status = store.get_json(_status_key(nightly_job(today)))
    return status is not None and status.get("status") == "done"


def request_export(
    principal: Principal,
    command: ExportCommand,
    *,
    store: ExportStore,
    runner: ExportRunner,
    clock: Clock,
    directory: Directory,
) -> dict[str, Any]:
    """Queue an export of the requests received in a period, of the departments the person
    may report on (a manager: their own); the job runs in the background and belongs to
    the person who asked."""
    scope = taken_out_by(principal, command.department, directory, what="exports")
    Period(command.start, command.end)  # validates the period
    job = {
        "kind": "on_demand",
        "export_id": uuid.uuid4().hex,
        "from": command.start.isoformat(),
        "to": command.end.isoformat(),
        "formats": sorted({f.value for f in command.formats}),
        "departments": sorted(scope) if scope is not None else None,
        "requested_by": principal.staff_id,
        "requested_at": clock.now().isoformat(),
    }
    store.put_json(_status_key(job), {**job, "status": "queued"})
    runner.start(job)
    return {**job, "status": "queued"}


def run_export(
    job: dict[str, Any],
    *,
    ports: ExportPorts,
    policy: ExportPolicy,
    workdir: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Write the job's files, store them with a QuickSight manifest, and record the outcome.
    A failure is recorded with its reason and raised again (the function's retries, then its
    failure queue, keep the job; running it again is safe: files are simply replaced)."""
    status_key = _status_key(job)
    ports.store.put_json(status_key, {**job, "status": "running"})
    period = (
        Period(date.fromisoformat(job["from"]), date.fromisoformat(job["to"]))
        if job.get("from")
        else None
    )
    departments = frozenset(job["departments"]) if job.get("departments") is not None else None
    prefix = _prefix(job)
    # The nightly pass also folds every card into the report figures (one read of the table).
    figures = Aggregator(policy.zone) if job["kind"] == "nightly" else None

    def cards() -> Iterator[Card]:
        for read, card in enumerate(every_card(ports.cards), start=1):
            if figures is not None:
                figures.add_card(card)
            if progress is not None:
                progress(read)
            yield card

    try:
        with tempfile.TemporaryDirectory(dir=workdir) as folder:
            result = export_cards(
                cards(),
                directory=ports.directory,
                files=lambda: ports.files(Path(folder), "cards", list(job["formats"])),
                pseudonym_key=policy.pseudonym_key,
                period=period,
                zone=policy.zone,
                departments=departments,
            )
            keys = {}
            for path in result.files:
                fmt = path.suffix.lstrip(".")
                key = f"{prefix(fmt)}/{path.name}"
                ports.store.upload(path, key)
                keys[fmt] = key
        if "csv" in keys:
            ports.store.put_json(
                _manifest_key(job), quicksight_manifest(ports.store.location(prefix("csv") + "/"))
            )
        if figures is not None:
            _store_figures(figures, ports)
    except Exception as error:
        logger.exception("export failed", extra={"kind": job["kind"]})
        failed = {**job, "status": "failed", "reason": f"{type(error).__name__}: {error}"}
        ports.store.put_json(status_key, failed)
        raise
    done = {
        **job,
        "status": "done",
        "rows": result.rows,
        "files": keys,
        "finished_at": ports.clock.now().isoformat(),
    }
    ports.store.put_json(status_key, done)
    logger.info("export done", extra={"kind": job["kind"], "rows": result.rows})
    # The nightly snapshot's alarm waits for this: a day without it is an unfinished export.
    ports.telemetry.export_finished(kind=job["kind"])
    return done


def export_status(principal: Principal, export_id: str, *, store: ExportStore) -> dict[str, Any]:
    """An export's state and links, for the person who asked for it (and administrators):
    anyone else is told there is no such export, as if the id were made up."""
    if not principal.has(*EXPORTERS):
        raise PermissionDenied("exports are for managers, controllers and administrators")
    if not re.fullmatch(r"[0-9a-f]{32}", export_id):
        raise NotFound(f"no export {export_id}")
    status = store.get_json(_status_key({"kind": "on_demand", "export_id": export_id}))
    if status is None or not (
        status.get("requested_by") == principal.staff_id or principal.has(Role.ADMIN)
    ):
        raise NotFound(f"no export {export_id}")
    links = {
        fmt: store.download_url(key, expires_in=LINK_TTL)
        for fmt, key in (status.get("files") or {}).items()
    }
    return {**status, "links": links, "links_expire_in": LINK_TTL}


def _store_figures(figures: Aggregator, ports: ExportPorts) -> None:
    years = {int(day[:4]) for day in figures.days}
    for year in sorted(years):
        for answer in ports.surveys.of_year(year):
            figures.add_rating(answer)
    generated = ports.clock.now().isoformat()
    for month, data in figures.months().items():
        ports.store.put_json(
            f"{REPORTS_PREFIX}/{month}.json", {"month": month, "generated_at": generated, **data}
        )


def refresh_figures(*, ports: ExportPorts, policy: ExportPolicy) -> int:
    """The nightly pass's report figures, now, without its files (a manager asked): one read
    of every card, the months' figures written with the time they were computed."""
    figures = Aggregator(policy.zone)
    read = 0
    for card in every_card(ports.cards):
        figures.add_card(card)
        read += 1
    _store_figures(figures, ports)
    logger.info("report figures recomputed", extra={"cards": read})
    return read


def quicksight_manifest(csv_prefix: str) -> dict[str, Any]:
    """What QuickSight's S3 data source reads: where the CSV is and how it is written."""
    return {
        "fileLocations": [{"URIPrefixes": [csv_prefix]}],
        "globalUploadSettings": {
            "format": "CSV",
            "delimiter": ",",
            "textqualifier": '"',
            "containsHeader": "true",
        },
    }


def _prefix(job: dict[str, Any]) -> Callable[[str], str]:
    if job["kind"] == "nightly":
        return lambda fmt: f"{NIGHTLY_PREFIX}/{fmt}/snapshot={job['snapshot']}"
    return lambda fmt: f"{ON_DEMAND_PREFIX}/{job['export_id']}/{fmt}"


def _status_key(job: dict[str, Any]) -> str:
    if job["kind"] == "nightly":
        return f"{NIGHTLY_PREFIX}/status/snapshot={job['snapshot']}.json"
    return f"{ON_DEMAND_PREFIX}/{job['export_id']}/status.json"


def _manifest_key(job: dict[str, Any]) -> str:
    if job["kind"] == "nightly":
        return f"{NIGHTLY_PREFIX}/quicksight-manifest.json"  # always the latest snapshot
    return f"{ON_DEMAND_PREFIX}/{job['export_id']}/quicksight-manifest.json"


@dataclass(frozen=True)
class Exports:
    """Exports wired to their ports (built once by the container). The runner is looked up
    when an export is asked for: a function that only runs exports does not need one."""

    ports: ExportPorts
    policy: ExportPolicy
    runner: Callable[[], ExportRunner]

    def request(self, principal: Principal, command: ExportCommand) -> dict[str, Any]:
        return request_export(
            principal,
            command,
            store=self.ports.store,
            runner=self.runner(),
            clock=self.ports.clock,
            directory=self.ports.directory,
        )

    def status(self, principal: Principal, export_id: str) -> dict[str, Any]:
        return export_status(principal, export_id, store=self.ports.store)

    def run(
        self,
        job: dict[str, Any],
        workdir: Path | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> dict[str, Any]:
        return run_export(
            job, ports=self.ports, policy=self.policy, workdir=workdir, progress=progress
        )

    def today(self) -> date:
        return self.ports.clock.now().astimezone(self.policy.zone).date()

    def run_nightly(
        self, workdir: Path | None = None, progress: Callable[[int], None] | None = None
    ) -> dict[str, Any]:
        """Today's snapshot (and the report figures it folds in); ``progress(cards read)``."""
        return self.run(nightly_job(self.today()), workdir, progress)

    def refresh_figures(self) -> int:
        """The report figures, recomputed now; how many cards were read."""
        return refresh_figures(ports=self.ports, policy=self.policy)

    def nightly_done(self) -> bool:
        return nightly_written(self.today(), store=self.ports.store)

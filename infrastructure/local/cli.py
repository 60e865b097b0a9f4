"""``civicdesk``: the local stack's command line, and mail administration.

    civicdesk run [--host H] [--port P] [--aws-port P] [--smtp-port P] [--data-dir D]
    civicdesk token STAFF_ID [--data-dir D]
    civicdesk mail list [--shelf dead-letter|quarantine|rejected] [--endpoint URL]
    civicdesk mail reprocess [--shelf dead-letter] [--endpoint URL]
    civicdesk directory publish [--endpoint URL]
    civicdesk outbox failed|retry [--card N] [--endpoint URL]
    civicdesk call OPERATION [NUMBER] --from PHONE [--topic K] [--say TEXT] [--code C]
    civicdesk search reindex [--endpoint URL] [--data-dir D]
    civicdesk indexes refresh [--endpoint URL]
    civicdesk export nightly [--endpoint URL] [--data-dir D]
    civicdesk failures list|rerun|purge QUEUE --stack civicdesk-prod [--limit N] [--show-body]
    civicdesk demo [--cards N] [--months M] [--endpoint URL] [--data-dir D]

``directory publish`` stores the files in chalicelib/seed/ (departments, topics, staff,
duty shifts, districts, streets) as the directory's next version when they changed; every
function sees it within a minute. The mail and directory commands use the AWS account in the
environment (the deployed stack, with the CIVICDESK_* settings the Lambda has), or with
--endpoint a running local stack's emulated AWS. ``call`` plays one step of the IVR (what
Amazon Connect asks during a call) against the local stack, e.g.
``civicdesk call create --from +79161234567 --topic 1 --say "Pothole at Lenina 5"``.
``indexes refresh`` gives cards written before a table index existed the keys it reads (run
once after deploying a version that adds one; the local stack does it by itself at start).
``failures`` looks into a deployed stack's failure queues (the runbooks in docs/runbooks/ say
when) and runs what failed again.
``demo`` fills a running local stack with a generated town: N requests over the last M months,
from every channel, at every stage, with their histories, messages and ratings.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

SHELVES = ("dead-letter", "quarantine", "rejected", "automated")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="civicdesk", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"civicdesk {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the local stack")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--aws-port", type=int, default=4566, help="moto's port (0: any free)")
    run.add_argument("--smtp-port", type=int, default=2525, help="SMTP port (0: any free)")
    run.add_argument("--data-dir", type=Path, default=Path(".local-data"))
    run.add_argument(
        "--time-factor",
        type=float,
        default=1.0,
        help="run town time this many times faster, for a demo of reminders and escalations "
        "(60: a town minute per second)",
    )
    token = commands.add_parser("token", help="print a fresh staff token (valid 7 days)")
    token.add_argument("staff_id")
    token.add_argument("--data-dir", type=Path, default=Path(".local-data"))
    mail = commands.add_parser(
        "mail", help="list or re-run shelved inbound mail; make a card of an automated one"
    )
    mail.add_argument("action", choices=("list", "reprocess", "card"))
    mail.add_argument("--shelf", choices=SHELVES, default="dead-letter")
    mail.add_argument("--id", help="card: the message id of a mail on the automated shelf")
    mail.add_argument(
        "--endpoint", help="emulated AWS of a local stack, e.g. http://127.0.0.1:4566"
    )
    mail.add_argument("--data-dir", type=Path, default=Path(".local-data"))
    directory = commands.add_parser(
        "directory", help="publish the directory files in chalicelib/seed/ as a new version"
    )
    directory.add_argument("action", choices=("publish",))
    directory.add_argument("--endpoint", help="emulated AWS of a local stack")
    call = commands.add_parser(
        "call",
        help="play one IVR step of a phone call against the local stack (as Connect would)",
    )
    call.add_argument(
        "operation", choices=("lookup_caller", "status", "send_code", "create", "attach")
    )
    call.add_argument("number", nargs="?", default="", help="the keyed request number")
    call.add_argument("--from", dest="phone", required=True, help="the calling phone")
    call.add_argument("--contact", help="the contact id (default: a new one per call)")
    call.add_argument("--topic", default="", help="the menu key pressed (create)")
    call.add_argument("--say", default="", help="the caller's words (create, attach)")
    call.add_argument("--code", default="", help="the one-time code keyed (status)")
    call.add_argument("--recording", default="", help="where the recording is (attach)")
    call.add_argument("--locale", default="en", choices=("en", "ru"))
    call.add_argument("--endpoint", default="http://127.0.0.1:4566", help="the local stack's AWS")
    call.add_argument("--data-dir", type=Path, default=Path(".local-data"))
    outbox = commands.add_parser(
        "outbox", help="list messages to requesters no channel took, or queue them again"
    )
    outbox.add_argument("action", choices=("failed", "retry"))
    outbox.add_argument("--card", help="only this card's messages (retry)")
    outbox.add_argument("--endpoint", help="emulated AWS of a local stack")
    export = commands.add_parser(
        "export", help="run the nightly export (snapshot files and report figures) now"
    )
    export.add_argument("action", choices=("nightly",))
    export.add_argument("--endpoint", help="emulated AWS of a local stack")
    export.add_argument("--data-dir", type=Path, default=Path(".local-data"))
    search = commands.add_parser(
        "search", help="rebuild the search index from the cards table (safe while it is in use)"
    )
    search.add_argument("action", choices=("reindex",))
    search.add_argument("--endpoint", help="emulated AWS of a local stack")
    search.add_argument("--data-dir", type=Path, default=Path(".local-data"))
    indexes = commands.add_parser(
        "indexes", help="give older cards the keys of indexes added since (safe while in use)"
    )
    indexes.add_argument("action", choices=("refresh",))
    indexes.add_argument("--endpoint", help="emulated AWS of a local stack")
    keys = commands.add_parser(
        "keys", help="API keys of Open311 clients: issue one (shown once), list them, revoke one"
    )
    keys.add_argument("action", choices=("issue", "list", "revoke"))
    keys.add_argument("--name", help="issue: the client, as cards record it")
    keys.add_argument("--owner", help="issue: who answers for it (a name and a contact)")
    keys.add_argument("--per-hour", type=_positive, default=100, help="issue: requests an hour")
    keys.add_argument("--id", help="revoke: the key's id (from list)")
    keys.add_argument("--endpoint", help="emulated AWS of a local stack")
    keys.add_argument("--data-dir", type=Path, default=Path(".local-data"))
    failures = commands.add_parser(
        "failures", help="what waits in a deployed stack's failure queue; run it again"
    )
    failures.add_argument("action", choices=("list", "rerun", "purge"))
    failures.add_argument("queue", help="email, phone, deadlines, outbox, search-indexer, ...")
    failures.add_argument("--stack", required=True, help="the stack's name, e.g. civicdesk-prod")
    failures.add_argument("--limit", type=_positive, default=100)
    failures.add_argument(
        "--show-body", action="store_true", help="list: print each event (may hold personal data)"
    )
    failures.add_argument("--endpoint", help="emulated AWS (tests)")
    demo = commands.add_parser(
        "demo", help="fill the running local stack with a generated town (N cards over M months)"
    )
    demo.add_argument("--cards", type=_positive, default=1000)
    demo.add_argument("--months", type=_positive, default=12)
    demo.add_argument("--endpoint", default="http://127.0.0.1:4566", help="the local stack's AWS")
    demo.add_argument("--data-dir", type=Path, default=Path(".local-data"))
    for command in commands.choices.values():
        _say_defaults(command)
    args = parser.parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "run": _run,
        "token": _token,
        "mail": _mail,
        "directory": _directory,
        "outbox": _outbox,
        "call": _call,
        "search": _search,
        "indexes": _indexes,
        "export": _export,
        "keys": _keys,
        "failures": _failures,
        "demo": _demo,
    }
    try:
        return handlers[args.command](args)
    except Exception as error:
        problem = _plain_problem(error, args)
        if problem is None:
            raise
        print(problem, file=sys.stderr)
        return 1


def _plain_problem(error: Exception, args: argparse.Namespace) -> str | None:
    """One line for what a person can fix (no stack answering, no region): not a traceback."""
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError, NoRegionError

    endpoint = getattr(args, "endpoint", None)
    if isinstance(error, EndpointConnectionError):
        where = endpoint or "the AWS endpoint"
        return (
            f"civicdesk {args.command}: nothing answers at {where}; start the local stack with "
            "'make run' (or name its AWS endpoint with --endpoint)"
        )
    if isinstance(error, NoRegionError):
        return (
            f"civicdesk {args.command}: no AWS region is set; set AWS_DEFAULT_REGION, or use "
            "--endpoint for a local stack"
        )
    if isinstance(error, NoCredentialsError):
        return f"civicdesk {args.command}: no AWS credentials; use --endpoint for a local stack"
    return None


def _beside_the_stack(args: argparse.Namespace) -> None:
    """A command run beside a local stack uses its secret and its portal address, so the links
    and codes it makes work on that stack's status page (whatever port it runs on), and prints
    no metrics lines before its answer."""
    from infrastructure.local.stack import dev_secret, portal_url

    os.environ.update(
        {
            "CIVICDESK_AUTH_MODE": "dev",
            "CIVICDESK_DEV_TOKEN_SECRET": dev_secret(args.data_dir),
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )
    url = portal_url(args.data_dir)
    if url:
        os.environ["CIVICDESK_PUBLIC_BASE_URL"] = url


def _say_defaults(command: argparse.ArgumentParser) -> None:
    """--help says what each option defaults to, documented or not."""
    for action in command._actions:
        default = action.default
        if not action.option_strings or default in (None, False, argparse.SUPPRESS):
            continue
        if "%(default)" not in (action.help or ""):
            action.help = f"{action.help or ''} (default: %(default)s)".strip()


class Progress:
    """A progress bar with the total and the rate (tqdm, on standard error; quiet when that is
    not a terminal). ``step(done)`` or ``step(done, total)``."""

    def __init__(self, unit: str, total: int | None = None) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, unit=f" {unit}", file=sys.stderr, disable=None)

    def step(self, done: int, total: int | None = None) -> None:
        if total is not None and self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.close()


def _cards_about(c: Any) -> int:
    """About how many cards there are (numbers taken since 2000), without reading them."""
    from datetime import UTC, datetime

    return int(c.cards.numbers_taken(range(2000, datetime.now(UTC).year + 2)))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("civicdesk")
    except PackageNotFoundError:
        return "(not installed)"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _demo(args: argparse.Namespace) -> int:
    import time

    _use_endpoint(args.endpoint)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the progress bar is the output
    from infrastructure.local.stack import dev_secret

    # The stack's own secret: the generated requests' links open on its status page.
    os.environ.update(
        {"CIVICDESK_AUTH_MODE": "dev", "CIVICDESK_DEV_TOKEN_SECRET": dev_secret(args.data_dir)}
    )
    from botocore.exceptions import EndpointConnectionError

    from chalicelib import bootstrap
    from chalicelib.adapters.memory_rules import InMemoryRoutingRules
    from infrastructure.local.demo import progress_bar, seed_town

    live = bootstrap.container()
    try:
        rules = live.routing_rules.current()
    except EndpointConnectionError:
        print(
            f"no local stack answers at {args.endpoint}: start it with 'make run' first "
            "(or name its AWS endpoint with --endpoint)",
            file=sys.stderr,
        )
        return 2
    started = time.monotonic()
    done = seed_town(
        cards=args.cards,
        months=args.months,
        dynamodb=live.dynamodb_client,
        settings=live.settings,
        # The town's directory, rules and templates as the stack has them, refreshed on the
        # stack's clock (not on the generated moments: they would be read again every card).
        build=lambda **ports: bootstrap.build(
            live.settings,
            directory=live.directory,
            routing_rules=InMemoryRoutingRules(lambda: rules),
            templates=live.templates,
            **ports,
        ),
        progress=lambda n, total: progress_bar(n, total, started),
    )
    print(
        f"{done.cards:,} requests over {args.months} months: {done.items:,} items written, "
        f"{done.ratings:,} ratings ({done.refused_steps:,} staff steps the rules refused) in "
        f"{time.monotonic() - started:,.0f} s"
    )
    return 0


def _token(args: argparse.Namespace) -> int:
    from chalicelib.adapters.static_directory import StaticDirectory
    from infrastructure.local.stack import staff_token

    if not args.data_dir.is_dir():
        # A new folder would get a new secret, and its tokens a 401 from every running stack.
        print(
            f"no local stack data in {args.data_dir}: tokens are signed with the secret of the "
            "stack that uses that folder; name it with --data-dir (default .local-data)",
            file=sys.stderr,
        )
        return 2
    try:
        print(staff_token(args.data_dir, args.staff_id))
    except KeyError:
        known = ", ".join(m.id for m in StaticDirectory.from_file().staff())
        print(f"no staff member {args.staff_id!r}; known: {known}", file=sys.stderr)
        return 2
    return 0


def _use_endpoint(endpoint: str | None) -> None:
    if endpoint:
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
            }
        )
        os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")


def _directory(args: argparse.Namespace) -> int:
    _use_endpoint(args.endpoint)
    from chalicelib import bootstrap
    from chalicelib.adapters.dynamodb_directory import DynamoDirectory
    from chalicelib.adapters.static_directory import read_source
    from chalicelib.domain.errors import ConflictError

    c = bootstrap.container()
    directory = c.directory
    assert isinstance(directory, DynamoDirectory)
    try:
        version = directory.publish_if_changed(read_source())
    except (ValueError, ConflictError) as problem:
        print(f"not published: {problem}", file=sys.stderr)
        return 1
    if version is None:
        print(f"directory unchanged (version {directory.stored_version()})")
    else:
        print(f"directory version {version} published")
    return 0


def _mail(args: argparse.Namespace) -> int:
    _use_endpoint(args.endpoint)
    if args.endpoint:
        _beside_the_stack(args)
    from chalicelib import bootstrap
    from chalicelib.services.mail_delivery import Shelf

    mail_intake = bootstrap.container().mail_intake
    if args.action == "list":
        shelved = mail_intake.shelved(Shelf(args.shelf))
        for item in shelved:
            print(f"{item.message_id}\t{item.reason}\t{item.verdicts}")
        if not shelved:
            print(f"nothing on the {args.shelf} shelf")
        return 0
    if args.action == "card":
        if not args.id:
            print(
                "civicdesk mail card needs --id MESSAGE_ID "
                "(see: civicdesk mail list --shelf automated)"
            )
            return 2
        made = mail_intake.make_card(args.id)
        print(f"{args.id}\t{made.outcome.value}\t{made.card_number or ''}\t{made.reason or ''}")
        return 0
    with Progress("mails") as bar:
        results = mail_intake.reprocess(Shelf(args.shelf), progress=bar.step)
    if not results:
        print(f"nothing on the {args.shelf} shelf to run again")
    for message_id, result in results:
        print(
            f"{message_id}\t{result.outcome.value}\t{result.card_number or ''}\t"
            f"{result.reason or ''}"
        )
    return 0


def _call(args: argparse.Namespace) -> int:
    """One contact-flow step, shaped as Connect sends it, through the real handler."""
    _use_endpoint(args.endpoint)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the answer is the output
    _beside_the_stack(args)
    from functions import connect_ivr
    from infrastructure.local.mailroom import LambdaContext

    parameters = {
        "operation": args.operation,
        "locale": args.locale,
        "number": args.number,
        "code": args.code,
        "topic": args.topic,
        "description": args.say,
        "transcript": args.say,
        "recording": args.recording,
    }
    answer = connect_ivr.handler(
        connect_event(args.contact or f"local-{uuid.uuid4()}", args.phone, parameters),
        LambdaContext("ivr"),
    )
    for key, value in answer.items():
        print(f"{key}: {value}")
    return 0 if answer.get("result") not in ("error", "invalid") else 1


def connect_event(contact_id: str, phone: str, parameters: dict[str, str]) -> dict[str, Any]:
    """The parts of Connect's contact-flow event the handler reads."""
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Attributes": {},
                "Channel": "VOICE",
                "ContactId": contact_id,
                "InitialContactId": contact_id,
                "InitiationMethod": "INBOUND",
                "CustomerEndpoint": {"Address": phone, "Type": "TELEPHONE_NUMBER"},
                "SystemEndpoint": {"Address": "+74951000000", "Type": "TELEPHONE_NUMBER"},
            },
            "Parameters": {k: v for k, v in parameters.items() if v},
        },
    }


def _outbox(args: argparse.Namespace) -> int:
    _use_endpoint(args.endpoint)
    from chalicelib import bootstrap

    c = bootstrap.container()
    if args.action == "failed":
        for message in c.outbox.failed(limit=1000):
            print(f"{message.id}\t{message.status.value}\t{message.last_error or ''}")
        return 0
    again = c.outbox_dispatch.requeue(limit=1000, card_number=args.card)
    for message in again:
        print(f"{message.id}\tqueued")
    print(f"{len(again)} message(s) queued again; the sender sends them within a minute")
    return 0


def _failures(args: argparse.Namespace) -> int:
    _use_endpoint(args.endpoint)
    import boto3

    from infrastructure import failures

    queues = failures.failure_queues(boto3.client("cloudformation"), args.stack)
    if args.queue not in queues:
        print(f"no failure queue {args.queue!r}; the stack has: {', '.join(queues)}")
        return 1
    queue = queues[args.queue]
    sqs = boto3.client("sqs")
    if args.action == "purge":
        failures.purge(sqs, queue)
        print(f"{args.queue}: emptied")
        return 0
    if args.action == "rerun":
        counts = failures.rerun(sqs, boto3.client("lambda"), queue, limit=args.limit)
        print(
            f"{args.queue}: {counts['rerun']} run again by {queue.function}, "
            f"{counts['dropped']} scheduled event(s) dropped (their rule fires again), "
            f"{counts['kept']} kept"
        )
        if counts["kept"]:
            print("kept: stream batches name no cards (run `civicdesk search reindex`), or")
            print("Lambda did not accept the event (see the function's errors)")
        return 0
    found = failures.waiting(sqs, queue, limit=args.limit)
    for failed in found:
        size = len(failed.body.encode("utf-8"))
        print(f"{failed.message_id}\t{failed.sent_at}\t{failed.kind}\t{size} B\t{failed.error}")
        if args.show_body:
            print(failed.body)
    print(f"{args.queue}: {len(found)} message(s) shown (at most {args.limit})")
    return 0


def _keys(args: argparse.Namespace) -> int:
    _use_endpoint(args.endpoint)
    from chalicelib import bootstrap
    from chalicelib.services.commands import ApiKeyCreate

    c = bootstrap.container()
    if args.action == "issue":
        if not args.name or not args.owner:
            print("civicdesk keys issue: give --name and --owner", file=sys.stderr)
            return 2
        asked = ApiKeyCreate(name=args.name, owner=args.owner, per_hour=args.per_hour)
        issued = c.api_key_admin.issue_as("command line", asked)
        print(f"{issued.record.id}\t{issued.key}")
        print("the key is shown this once; only its hash is kept", file=sys.stderr)
        return 0
    if args.action == "revoke":
        if not args.id:
            print("civicdesk keys revoke: give --id (from civicdesk keys list)", file=sys.stderr)
            return 2
        from chalicelib.domain.errors import NotFound

        try:
            revoked = c.api_keys.revoke(args.id, by="command line", at=c.clock.now())
        except NotFound as missing:
            print(f"civicdesk keys revoke: {missing.message}", file=sys.stderr)
            return 1
        print(f"{revoked.id}\trevoked {revoked.revoked_at:%Y-%m-%d %H:%M} by {revoked.revoked_by}")
        return 0
    for key in c.api_keys.every():
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        print(f"{key.id}\t{key.name}\t{key.owner}\t{key.per_hour}/h\t{state}")
    return 0


def _export(args: argparse.Namespace) -> int:
    _use_endpoint(args.endpoint)
    if args.endpoint:  # the local stack's keys (pseudonyms as the stack makes them)
        _beside_the_stack(args)
    from chalicelib import bootstrap

    c = bootstrap.container()
    with Progress("cards", total=_cards_about(c)) as bar:
        done = c.exports.run_nightly(progress=bar.step)
    for fmt, key in done["files"].items():
        print(f"{fmt}\t{c.export_store.location(key)}")
    print(f"{done['rows']} requests exported; report figures updated")
    return 0


def _indexes(args: argparse.Namespace) -> int:
    _use_endpoint(args.endpoint)
    from chalicelib import bootstrap

    c = bootstrap.container()
    with Progress("cards", total=_cards_about(c)) as bar:
        done = c.cards.refresh_derived_keys(progress=bar.step)
    print(f"{done} cards given the keys of newer indexes")
    return 0


def _search(args: argparse.Namespace) -> int:
    _use_endpoint(args.endpoint)
    if args.endpoint:  # the local stack's embedded index, in its data folder
        os.environ["CIVICDESK_SEARCH_PATH"] = str(args.data_dir / "search.sqlite3")
    from chalicelib import bootstrap

    c = bootstrap.container()
    install = getattr(c.search_index, "install", None)
    if install is not None:
        install()  # OpenSearch: the index template and the index, if missing
    with Progress("cards", total=_cards_about(c)) as bar:
        done = c.search.reindex(progress=bar.step)
    print(f"{done} cards indexed")
    return 0


def _run(args: argparse.Namespace) -> int:
    import faulthandler
    import logging

    from infrastructure.local.stack import LocalStack

    # moto's server logs every emulated AWS call; the API's own log lines are what matter here.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # `kill -USR1 <pid>` prints what every thread is doing: a stack that will not stop or
    # answer tells you why without a debugger.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    stack = LocalStack(
        args.data_dir,
        host=args.host,
        port=args.port,
        aws_port=args.aws_port,
        smtp_port=args.smtp_port,
        time_factor=args.time_factor,
    )
    try:
        urls = stack.start()
    except OSError as error:
        stack.stop()
        print(
            f"cannot start: {error.strerror or error}. Is CivicDesk already running? Choose "
            "other ports: make run PORT=8080 AWS_PORT=4567 SMTP_PORT=2526",
            file=sys.stderr,
        )
        return 1
    _print_welcome(stack, urls)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with contextlib.suppress(KeyboardInterrupt):
        # Waited in steps: Python runs a signal's handler only when the main thread runs, and a
        # wait without a timeout may never wake when the signal lands on another thread.
        while not stopped.wait(timeout=0.5):
            pass
    stack.stop()
    print("CivicDesk stopped; data kept in", args.data_dir, flush=True)
    return 0


def _print_welcome(stack: Any, urls: Any) -> None:
    from chalicelib import bootstrap

    api = urls.api
    lines = [
        "CivicDesk is running (local stack, no AWS account needed)",
        f"  Citizen portal:   {api}/   (the request form with its map; status pages)",
        f"  Staff console:    {api}/console.html",
        f"  API:              {api}",
        f"  OpenAPI document: {api}/openapi.json",
        f"  Categories:       {api}/categories",
        f"  Mail in (SMTP):   {urls.smtp}   (to: {bootstrap.container().settings.mail_from})",
        f"  Mail, SMS out:    {urls.outbox}/*.eml, *.sms.txt",
        f"  Emulated AWS:     {urls.aws}   (moto; data in {stack.data_dir}: "
        f"{stack.cards:,} requests held, {stack.replayed} other writes restored)",
        "",
        "Staff tokens (send as 'Authorization: Bearer <token>'; valid 7 days):",
    ]
    directory = bootstrap.container().directory
    for staff_id, token in stack.staff_tokens().items():
        member = directory.staff_member(staff_id)
        roles = ",".join(sorted(r.value for r in member.roles)) if member else ""
        depts = ",".join(sorted(member.departments)) if member else ""
        lines.append(f"  {staff_id:<11} {roles:<10} {depts:<16} {token}")
    lines += [
        "",
        "Try:",
        f"  curl -s {api}/categories",
        "Stop with Ctrl+C; data survives a restart.",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())

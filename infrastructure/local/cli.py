"""``civicdesk``: the local stack's command line.

civicdesk run [--host H] [--port P] [--aws-port P] [--data-dir D]
civicdesk token STAFF_ID [--data-dir D]
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="civicdesk", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the local stack")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--aws-port", type=int, default=4566, help="moto's port (0: any free)")
    run.add_argument("--data-dir", type=Path, default=Path(".local-data"))
    token = commands.add_parser("token", help="print a fresh staff token (valid 7 days)")
    token.add_argument("staff_id")
    token.add_argument("--data-dir", type=Path, default=Path(".local-data"))
    args = parser.parse_args(argv)
    if args.command == "token":
        return _token(args)
    return _run(args)


def _token(args: argparse.Namespace) -> int:
    from chalicelib.adapters.static_directory import StaticDirectory
    from infrastructure.local.stack import staff_token

    try:
        print(staff_token(args.data_dir, args.staff_id))
    except KeyError:
        known = ", ".join(m.id for m in StaticDirectory.from_file().staff())
        print(f"no staff member {args.staff_id!r}; known: {known}", file=sys.stderr)
        return 2
    return 0


def _run(args: argparse.Namespace) -> int:
    import logging

    from infrastructure.local.stack import LocalStack

    # moto's server logs every emulated AWS call; the API's own log lines are what matter here.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    stack = LocalStack(args.data_dir, host=args.host, port=args.port, aws_port=args.aws_port)
    try:
        urls = stack.start()
    except OSError as error:
        stack.stop()
        print(
            f"cannot start: {error.strerror or error}. Is CivicDesk already running? Choose "
            "other ports: make run PORT=8080 AWS_PORT=4567",
            file=sys.stderr,
        )
        return 1
    _print_welcome(stack, urls.api, urls.aws)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    stack.stop()
    print("CivicDesk stopped; data kept in", args.data_dir, flush=True)
    return 0


def _print_welcome(stack: object, api: str, aws: str) -> None:
    from infrastructure.local.stack import LocalStack

    assert isinstance(stack, LocalStack)
    lines = [
        "CivicDesk is running (local stack, no AWS account needed)",
        f"  API:              {api}",
        f"  OpenAPI document: {api}/openapi.json",
        f"  Categories:       {api}/categories",
        f"  Emulated AWS:     {aws}   (moto; data in {stack.data_dir}, "
        f"{stack.replayed} writes restored)",
        "",
        "Staff tokens (send as 'Authorization: Bearer <token>'; valid 7 days):",
    ]
    from chalicelib import bootstrap

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

"""The `civicdesk` command: tokens, and a clear message (not a hang) when a port is taken."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.adapters import dev_tokens
from infrastructure.local.stack import dev_secret

CLI = str(Path(sys.executable).parent / "civicdesk")


def test_token_prints_a_token_signed_with_the_stacks_secret(tmp_path):
    done = _civicdesk("token", "mgr-sergey", "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    claims = dev_tokens.verify(
        done.stdout.strip(), secret=dev_secret(tmp_path), now=datetime.now(UTC)
    )
    assert claims["sub"] == "mgr-sergey"
    assert claims["cognito:groups"] == ["manager"]


def test_token_for_an_unknown_staff_member_lists_the_known_ones(tmp_path):
    done = _civicdesk("token", "nobody", "--data-dir", str(tmp_path))
    assert done.returncode == 2
    assert "op-olga" in done.stderr


@pytest.mark.parametrize("taken", ["--aws-port", "--port", "--smtp-port"])
def test_a_taken_port_is_reported_not_a_hang(tmp_path, taken):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        ports = {"--aws-port": "0", "--port": "0", "--smtp-port": "0", taken: port}
        done = subprocess.run(
            [CLI, "run", "--data-dir", str(tmp_path), *[x for kv in ports.items() for x in kv]],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert "cannot start" in done.stderr
    assert "Traceback" not in done.stderr


def _civicdesk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_the_command_says_its_version():
    done = _civicdesk("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("civicdesk ")


def test_no_stack_answering_is_one_clear_line_not_a_traceback(tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    done = _civicdesk(
        "mail", "list", "--endpoint", f"http://127.0.0.1:{port}", "--data-dir", str(tmp_path)
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"civicdesk mail: nothing answers at http://127.0.0.1:{port}; start the local stack "
        "with 'make run' (or name its AWS endpoint with --endpoint)"
    ]


def test_a_token_for_a_folder_no_stack_uses_is_refused_not_made_with_a_new_secret(tmp_path):
    missing = tmp_path / "elsewhere"
    done = _civicdesk("token", "op-olga", "--data-dir", str(missing))
    assert done.returncode == 2
    assert "no local stack data" in done.stderr
    assert not missing.exists()


def test_mail_commands_beside_a_stack_say_when_a_shelf_is_empty(tmp_path, local_aws, settings):
    env = {
        "CIVICDESK_TABLE": settings.table_name,
        "CIVICDESK_ATTACHMENTS_BUCKET": settings.attachments_bucket,
        "CIVICDESK_INBOUND_BUCKET": settings.inbound_bucket,
    }
    endpoint = ("--endpoint", local_aws["endpoint"], "--data-dir", str(tmp_path))
    done = _civicdesk("mail", "reprocess", *endpoint, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "nothing on the dead-letter shelf to run again"
    listed = _civicdesk("mail", "list", "--shelf", "automated", *endpoint, env=env)
    assert listed.stdout.strip() == "nothing on the automated shelf"


def test_commands_beside_a_stack_link_to_its_own_portal(tmp_path, monkeypatch):
    import argparse

    from infrastructure.local import cli
    from infrastructure.local.stack import PORTAL_URL_FILE

    (tmp_path / PORTAL_URL_FILE).write_text("http://127.0.0.1:8123\n")
    for name in ("CIVICDESK_PUBLIC_BASE_URL", "POWERTOOLS_METRICS_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(cli.os, "environ", dict(cli.os.environ))
    cli._beside_the_stack(argparse.Namespace(data_dir=tmp_path))
    assert cli.os.environ["CIVICDESK_PUBLIC_BASE_URL"] == "http://127.0.0.1:8123"
    assert cli.os.environ["POWERTOOLS_METRICS_DISABLED"] == "true"

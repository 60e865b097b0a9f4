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
    done = subprocess.run(
        [CLI, "token", "mgr-sergey", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    claims = dev_tokens.verify(
        done.stdout.strip(), secret=dev_secret(tmp_path), now=datetime.now(UTC)
    )
    assert claims["sub"] == "mgr-sergey"
    assert claims["cognito:groups"] == ["manager"]


def test_token_for_an_unknown_staff_member_lists_the_known_ones(tmp_path):
    done = subprocess.run(
        [CLI, "token", "nobody", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
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

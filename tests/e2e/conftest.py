"""Starts the local stack (`civicdesk run`) as a separate process on free loopback ports."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

STARTUP_SECONDS = 60
STOP_SECONDS = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningStack:
    data_dir: Path
    port: int
    smtp_port: int = field(default_factory=lambda: free_port())
    process: subprocess.Popen[str] | None = None
    output: list[str] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # settings for this stack only

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def aws_url(self) -> str:
        """The emulated AWS, as the stack printed it."""
        for line in self.output:
            match = re.search(r"Emulated AWS:\s+(\S+)", line)
            if match:
                return match.group(1)
        raise RuntimeError("the stack did not print its AWS endpoint")

    def start(self) -> RunningStack:
        cli = Path(sys.executable).parent / "civicdesk"
        self.process = subprocess.Popen(
            [
                str(cli),
                "run",
                "--port",
                str(self.port),
                "--aws-port",
                "0",
                "--smtp-port",
                str(self.smtp_port),
                "--data-dir",
                str(self.data_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **self.env, "PYTHONUNBUFFERED": "1"},
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(lines,), daemon=True).start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            match = re.match(r"^\s{2}(\S+)\s+\S+\s+\S+\s+(ey\S+)$", line)
            if match:
                self.tokens[match.group(1)] = match.group(2)
            if "Stop with Ctrl+C" in line:
                return self
        raise RuntimeError("local stack did not start:\n" + "".join(self.output))

    def _pump(self, lines: queue.Queue[str]) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            lines.put(line.rstrip("\n"))

    def kill_hard(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            # What each thread is doing, for the failure's report (the stack dumps on USR1).
            self.process.send_signal(signal.SIGUSR1)
            time.sleep(2)
            self.process.kill()
            self.process.wait(timeout=10)
            raise RuntimeError(
                f"the stack did not stop within {STOP_SECONDS} s:\n" + "".join(self.output[-200:])
            ) from None


@pytest.fixture
def local_stack(tmp_path) -> Iterator[RunningStack]:
    stack = RunningStack(data_dir=tmp_path / "data", port=free_port())
    yield stack
    if stack.process is not None and stack.process.poll() is None:
        stack.process.kill()
        stack.process.wait(timeout=10)


@pytest.fixture(scope="module")
def module_stack(tmp_path_factory) -> Iterator[RunningStack]:
    """One local stack for a module whose tests do not disturb each other's cards."""
    stack = RunningStack(data_dir=tmp_path_factory.mktemp("stack") / "data", port=free_port())
    stack.start()
    yield stack
    try:
        stack.stop()
    except subprocess.TimeoutExpired:  # a stack slow to stop must not fail the module's tests
        stack.kill_hard()

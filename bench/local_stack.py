"""The local stack at a town's size: memory, intake latency, restart and stop times as the data
grows (issue 16).

For each size (default 100, 1,000, 10,000 and 100,000 cards) the data folder is filled up to
that size with ``civicdesk demo`` (a generated town, through the product's own use cases), the
stack is stopped with SIGTERM (timed) and started again on the same folder (timed: restart to
ready), and then, one after another, web intakes are sent (``POST /requests``) and timed; then
50 clients at once; then it is killed (SIGKILL) while eight clients send, restarted, and every
acknowledged request is looked for. Printed per size: the stack's RSS at rest and after the
intakes, the data on disk, intake median and p95, the restart and stop times, the answers to the
burst, and what a hard kill kept.

    python bench/local_stack.py [--sizes 100,1000,10000,100000] [--data-dir D] [--intakes 200]

Figures, not asserts: the machine is shared and noisy. Targets: RSS under 2 GB at 100,000
cards; intake median within 2x of the one at 100 cards; restart under 30 s.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLI = Path(sys.executable).parent / "civicdesk"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Stack:
    """``civicdesk run`` in a process of its own on free loopback ports."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.aws_port = _free_port()
        self.process: subprocess.Popen[str] | None = None
        self.held = 0  # requests the data folder holds, as the stack said at start

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def aws_url(self) -> str:
        return f"http://127.0.0.1:{self.aws_port}"

    def start(self) -> float:
        """Start; the seconds until it says it is ready."""
        started = time.monotonic()
        self.process = subprocess.Popen(
            [
                str(CLI),
                "run",
                "--port",
                str(self.port),
                "--aws-port",
                str(self.aws_port),
                "--smtp-port",
                "0",
                "--data-dir",
                str(self.data_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "POWERTOOLS_LOG_LEVEL": "WARNING"},
        )
        assert self.process.stdout is not None
        tracebacks = 0
        for line in self.process.stdout:
            tracebacks += line.startswith("Traceback")
            held = re.search(r"([\d,]+) requests held", line)
            if held:
                self.held = int(held.group(1).replace(",", ""))
            if "Stop with Ctrl+C" in line:
                ready = time.monotonic() - started
                threading.Thread(target=self._drain, daemon=True).start()
                if tracebacks:
                    print(f"  ! {tracebacks} tracebacks while starting")
                return ready
        raise RuntimeError("the stack did not start")

    def _drain(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        for _ in self.process.stdout:
            pass

    def rss_mb(self) -> float:
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]

    def settle(self, most: float = 300.0) -> float:
        """Wait until the stack is idle (what it had to catch up on, the search index of the
        seeded cards above all, is done): under 10% of a core over two seconds."""
        assert self.process is not None
        started = time.monotonic()
        while time.monotonic() - started < most:
            before = self._cpu_seconds()
            time.sleep(2)
            if self._cpu_seconds() - before < 0.2:
                break
        return time.monotonic() - started

    def _cpu_seconds(self) -> float:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> float:
        """SIGTERM; the seconds until the process has exited."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)
        return time.monotonic() - started


def seed(stack: Stack, cards: int) -> float:
    started = time.monotonic()
    subprocess.run(
        [
            str(CLI),
            "demo",
            "--cards",
            str(cards),
            "--months",
            "12",
            "--endpoint",
            stack.aws_url,
            "--data-dir",
            str(stack.data_dir),
        ],
        check=True,
        env={**os.environ, "POWERTOOLS_METRICS_DISABLED": "true"},
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def intakes(stack: Stack, count: int) -> list[float]:
    import requests

    from tests.conftest import card_form

    times = []
    with requests.Session() as session:
        for n in range(count):
            started = time.perf_counter()
            answer = session.post(
                f"{stack.url}/requests", json=card_form(subject=f"Bench {n}"), timeout=120
            )
            times.append(time.perf_counter() - started)
            if answer.status_code != 201:
                raise RuntimeError(f"intake answered {answer.status_code}: {answer.text[:200]}")
    return times


def burst(stack: Stack, clients: int = 50) -> dict[str, int]:
    import requests

    from tests.conftest import card_form

    def one(n: int) -> str:
        try:
            answer = requests.post(
                f"{stack.url}/requests", json=card_form(subject=f"Burst {n}"), timeout=120
            )
        except requests.ConnectionError:
            return "connection error"
        return str(answer.status_code)

    with ThreadPoolExecutor(clients) as pool:
        outcomes = list(pool.map(one, range(clients)))
    return {o: outcomes.count(o) for o in sorted(set(outcomes))}


def killed_under_load(stack: Stack, data_dir: Path) -> tuple[Stack, int, int, float]:
    """Eight clients send requests; after 40 answers the stack is killed (SIGKILL) while they
    still send. Restarted: how many acknowledged requests it has (of how many), and the
    restart's seconds."""
    import requests

    from tests.conftest import card_form

    acknowledged: list[tuple[str, str]] = []
    enough = threading.Event()

    def client(n: int) -> None:
        with requests.Session() as session:
            for i in range(200):
                if enough.is_set():
                    return
                try:
                    answer = session.post(
                        f"{stack.url}/requests", json=card_form(subject=f"Kill {n}.{i}"), timeout=60
                    )
                except requests.ConnectionError:
                    return
                if answer.status_code == 201:
                    acknowledged.append((answer.json()["number"], answer.json()["access_token"]))
                    if len(acknowledged) >= 40:
                        enough.set()

    clients = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for c in clients:
        c.start()
    enough.wait(timeout=300)
    assert stack.process is not None
    stack.process.kill()
    stack.process.wait()
    for c in clients:
        c.join()
    again = Stack(data_dir)
    ready = again.start()
    found = sum(
        requests.get(
            f"{again.url}/requests/{number}", headers={"X-Access-Token": token}, timeout=60
        ).status_code
        == 200
        for number, token in acknowledged
    )
    return again, found, len(acknowledged), ready


def on_disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--intakes", type=int, default=200)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="civicdesk-bench-")) / "data"
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"data folder: {data_dir}")
    stack = Stack(data_dir)
    first_start = stack.start()
    empty_rss = stack.rss_mb()
    held = stack.held
    print(f"stack holding {held:,} requests: ready in {first_start:.1f} s, RSS {empty_rss:.0f} MB")
    rows: list[dict[str, Any]] = []
    for size in sizes:
        seeding = seed(stack, size - held) if size > held else 0.0
        held = max(held, size)
        stopped = stack.stop()
        stack = Stack(data_dir)
        ready = stack.start()
        settled = stack.settle()
        rest = stack.rss_mb()
        times = intakes(stack, args.intakes)
        after = stack.rss_mb()
        answers = burst(stack)
        stack, found, acknowledged, after_kill = killed_under_load(stack, data_dir)
        row = {
            "cards": size,
            "seeded s": seeding,
            "stop s": stopped,
            "restart s": ready,
            "settled s": settled,
            "RSS rest MB": rest,
            "RSS after MB": after,
            "disk MB": on_disk_mb(data_dir),
            "intake median ms": statistics.median(times) * 1000,
            "intake p95 ms": p95(times) * 1000,
            "burst of 50": answers,
            "kill -9": f"{found}/{acknowledged} acknowledged kept, ready in {after_kill:.1f} s",
        }
        rows.append(row)
        print(
            f"{size:>7,} cards: seeded in {seeding:,.0f} s; stop {stopped:.1f} s, restart "
            f"{ready:.1f} s (busy {settled:.0f} s after); RSS {rest:.0f} MB at rest, "
            f"{after:.0f} MB after "
            f"{args.intakes} intakes; {row['disk MB']:.0f} MB on disk; intake median "
            f"{row['intake median ms']:.0f} ms, p95 {row['intake p95 ms']:.0f} ms; "
            f"50 at once: {answers}; kill -9 under load: {row['kill -9']}",
            flush=True,
        )
    stack.stop()
    base = rows[0]["intake median ms"]
    print(
        "\nintake median vs the first size: "
        + ", ".join(f"{r['cards']:,}: {r['intake median ms'] / base:.2f}x" for r in rows)
    )
    grown = rows[-1]["RSS after MB"] - empty_rss
    print(f"RSS beyond the stack at its first start, at the largest size: {grown:.0f} MB")


if __name__ == "__main__":
    main()

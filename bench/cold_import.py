"""Cold import of the API's Lambda module, as a ratio to a bare ``import boto3`` in the same run.

Each sample is a fresh interpreter timing only the import (not interpreter start-up). Prints the
median of several samples for: boto3 alone, app.py with tracing off, and app.py as in Lambda
(tracing on, which imports and patches the X-Ray SDK).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "9"))
PROBE = (
    "import time, sys; sys.path.insert(0, {root!r}); t = time.perf_counter(); "
    "import {module}; print(time.perf_counter() - t)"
)


def sample(module: str, env: dict[str, str]) -> float:
    code = PROBE.format(root=str(ROOT), module=module)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
        cwd=ROOT,
    ).stdout
    return float(out.strip().splitlines()[-1])


def median_ms(module: str, env: dict[str, str]) -> float:
    return statistics.median(sample(module, env) for _ in range(SAMPLES)) * 1000


def main() -> None:
    base_env = {"AWS_DEFAULT_REGION": "eu-central-1", "POWERTOOLS_SERVICE_NAME": "civicdesk"}
    lambda_env = {
        **base_env,
        "AWS_LAMBDA_FUNCTION_NAME": "civicdesk-dev",
        "POWERTOOLS_TRACE_DISABLED": "false",
    }
    boto3_ms = median_ms("boto3", base_env)
    app_ms = median_ms("app", {**base_env, "POWERTOOLS_TRACE_DISABLED": "true"})
    traced_ms = median_ms("app", lambda_env)
    print(f"cold import, median of {SAMPLES} fresh interpreters")
    print(f"  import boto3                      {boto3_ms:7.1f} ms   1.00x")
    print(f"  import app (tracing off)          {app_ms:7.1f} ms   {app_ms / boto3_ms:.2f}x")
    print(
        f"  import app (in Lambda, X-Ray on)  {traced_ms:7.1f} ms   {traced_ms / boto3_ms:.2f}x"
        "   (the X-Ray SDK loads with the first AWS client, not at import)"
    )


if __name__ == "__main__":
    main()

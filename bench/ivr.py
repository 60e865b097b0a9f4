"""The IVR's steps against Connect's 8-second budget: cold import of the handler, the first
(cold) step and warm steps per operation, and the AWS calls each operation makes (moto).

    python bench/ivr.py
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench.moto_env  # noqa: F401  (first: the environment boto3 and Powertools read)
from bench.api_calls import CallCounter
from bench.cold_import import median_ms

BUDGET_MS = 8000
WARM_ROUNDS = 30
PHONE = "+79161234567"


def main() -> None:
    # Metrics are off in benches; Powertools then keeps dimensions between flushes and warns.
    warnings.filterwarnings("ignore", message="Dimension .* has already been added")
    boto3_ms = median_ms("boto3", {})
    handler_ms = median_ms("functions.connect_ivr", {"POWERTOOLS_TRACE_DISABLED": "true"})
    print("IVR handler against Connect's 8 s budget")
    print(
        f"  cold import functions.connect_ivr   {handler_ms:7.1f} ms   "
        f"{handler_ms / boto3_ms:.2f}x import boto3 ({boto3_ms:.1f} ms)"
    )
    _steps()


def _steps() -> None:
    import boto3
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.settings import Settings
    from functions import connect_ivr
    from infrastructure.local.cli import connect_event
    from infrastructure.local.mailroom import LambdaContext
    from infrastructure.local.resources import ensure_resources

    settings = Settings.from_env(
        {"CIVICDESK_AUTH_MODE": "dev", "CIVICDESK_DEV_TOKEN_SECRET": "bench" * 8}
    )
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        ensure_resources(settings, dynamodb=dynamodb, s3=boto3.client("s3"))
        bootstrap.use(bootstrap.build(settings, dynamodb_client=dynamodb))
        context: Any = LambdaContext("bench-ivr")

        def step(contact: str, **parameters: str) -> dict[str, str]:
            answer = connect_ivr.handler(connect_event(contact, PHONE, parameters), context)
            return dict(answer)

        started = time.perf_counter()
        first = step("cold", operation="create", topic="1", description="Pothole on Lenina 5")
        cold_ms = (time.perf_counter() - started) * 1000
        print(
            f"  first step of a fresh container     {cold_ms:7.1f} ms   "
            f"{cold_ms / BUDGET_MS:.3f} of the budget (seeds directory and rules)"
        )
        number = first["number_digits"]
        operations = {
            "lookup_caller": {"operation": "lookup_caller"},
            "status (own phone)": {"operation": "status", "number": number},
            "create": {"operation": "create", "topic": "2", "description": "Lamp out at Mira 3"},
            "attach transcript": {"operation": "attach", "transcript": "It is by the bus stop"},
        }
        counter = CallCounter()
        counter.attach(dynamodb)
        for name, parameters in operations.items():
            times = []
            counter.take()
            for round_ in range(WARM_ROUNDS):
                contact = "cold" if name.startswith("attach") else f"{name}-{round_}"
                began = time.perf_counter()
                step(
                    contact,
                    **{**parameters, "transcript": f"{parameters.get('transcript', '')} {round_}"},
                )
                times.append((time.perf_counter() - began) * 1000)
            calls, items = counter.take()
            times.sort()
            median = times[len(times) // 2]
            print(
                f"  {name:<34} {median:7.1f} ms median, {times[-1]:6.1f} ms worst   "
                f"{median / BUDGET_MS:.4f} of the budget; "
                f"{sum(calls.values()) / WARM_ROUNDS:.1f} AWS calls "
                f"({', '.join(f'{k} {v / WARM_ROUNDS:.1f}' for k, v in sorted(calls.items()))}), "
                f"{items / WARM_ROUNDS:.1f} items read"
            )
        bootstrap.use(None)


if __name__ == "__main__":
    main()

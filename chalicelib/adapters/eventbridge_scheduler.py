"""TimerScheduler on EventBridge Scheduler: one ``at()`` schedule per card, named by its number.

The schedule invokes the deadline-timer Lambda with ``{"number": ...}``; it deletes itself after
it ran. A failed invocation is retried by Scheduler and then lands in the dead-letter queue; the
five-minute sweep checks the card anyway.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.boto_calls import error_code

SCHEDULE_PREFIX = "card-"


@dataclass(frozen=True)
class TimerTarget:
    """What each schedule invokes, and how (all from the stack's outputs)."""

    group: str
    function_arn: str
    role_arn: str
    dead_letter_arn: str


def schedule_name(number: str) -> str:
    return f"{SCHEDULE_PREFIX}{number}"


def at_expression(at: datetime) -> str:
    """``at(2026-11-23T09:31:00)`` in UTC, rounded up to the minute Scheduler works in: a timer
    must never fire before the moment it was set for."""
    utc = at.astimezone(UTC)
    if utc.second or utc.microsecond:
        utc = utc.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return f"at({utc.strftime('%Y-%m-%dT%H:%M:%S')})"


class EventBridgeTimerScheduler:
    def __init__(self, client: Any, target: TimerTarget) -> None:
        self._scheduler = client
        self._target = target

    def set(self, number: str, at: datetime) -> None:
        request = {
            "Name": schedule_name(number),
            "GroupName": self._target.group,
            "ScheduleExpression": at_expression(at),
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "Target": {
                "Arn": self._target.function_arn,
                "RoleArn": self._target.role_arn,
                "Input": json.dumps({"number": number}),
                "DeadLetterConfig": {"Arn": self._target.dead_letter_arn},
                "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10},
            },
        }
        try:
            self._scheduler.update_schedule(**request)
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
            try:
                self._scheduler.create_schedule(**request)
            except ClientError as race:
                # Another check created it meanwhile: ours is as new, so move it once more.
                if error_code(race) != "ConflictException":
                    raise
                self._scheduler.update_schedule(**request)

    def cancel(self, number: str) -> None:
        try:
            self._scheduler.delete_schedule(
                Name=schedule_name(number), GroupName=self._target.group
            )
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise

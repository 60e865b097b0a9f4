"""Duty shifts: who answers for a department outside office hours.

A shift repeats weekly on the listed weekdays, in the town's local time; one that ends before it
starts runs overnight into the next day (20:00-08:00).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

NIGHT_STARTS = time(22, 0)
NIGHT_ENDS = time(6, 0)


class DutyShift(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    staff_id: str
    department: str
    weekdays: frozenset[int] = Field(description="1 = Monday ... 7 = Sunday")
    start: time
    end: time

    @model_validator(mode="after")
    def _sensible(self) -> DutyShift:
        if not self.weekdays or not self.weekdays <= set(range(1, 8)):
            raise ValueError("weekdays are 1 (Monday) to 7 (Sunday)")
        if self.start == self.end:
            raise ValueError("a shift cannot start and end at the same time")
        return self

    def covers(self, local: datetime) -> bool:
        """Whether ``local`` (a wall-clock time in the town's zone) falls in this shift."""
        clock = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return local.isoweekday() in self.weekdays and self.start <= clock < self.end
        started_today = local.isoweekday() in self.weekdays and clock >= self.start
        yesterday = (local - timedelta(days=1)).isoweekday()
        return started_today or (yesterday in self.weekdays and clock < self.end)


def is_night(local: datetime) -> bool:
    clock = local.time().replace(tzinfo=None)
    return clock >= NIGHT_STARTS or clock < NIGHT_ENDS

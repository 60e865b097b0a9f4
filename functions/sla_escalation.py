"""A step of the escalation state machine (infrastructure/sla_escalation.asl.json): tell the manager
or the controller about a missed deadline, if it is still missed.

Input (the Task state's Payload): number, timer, round_started_at, step. Output:
``{"status": "sent" | "already_sent" | "stopped" | "not_due"}``; the state machine ends the
chain on ``stopped``. A failure raises: the state machine retries the task, then the execution
fails, and the sweep sends any step the workflow did not.
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib import bootstrap
from chalicelib.domain.card import CARD_NUMBER_PATTERN
from chalicelib.domain.sla import TimerKind
from chalicelib.domain.sla_notices import NoticeStep
from chalicelib.observability import entrypoint, logger


class StepInput(BaseModel):
    model_config = ConfigDict(extra="ignore")

    number: str = Field(pattern=CARD_NUMBER_PATTERN.pattern)
    timer: TimerKind
    round_started_at: AwareDatetime
    step: NoticeStep


@entrypoint
def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    task = StepInput.model_validate(event)
    logger.set_correlation_id(task.number)
    outcome = bootstrap.container().sla.escalation_step(
        task.number, task.timer, task.round_started_at, task.step
    )
    logger.info("escalation step", extra={"step": task.step.value, "outcome": outcome.value})
    return {"status": outcome.value}

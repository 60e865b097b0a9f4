"""A card's one-time deadline timer fired (EventBridge Scheduler → ``{"number": "2026-000042"}``).

Thin: validate the input, run the card's deadline check. A malformed input or a failure raises,
so that Lambda retries it and then leaves it in the dead-letter queue with the error; the
five-minute sweep checks the card anyway.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib import bootstrap
from chalicelib.domain.card import CARD_NUMBER_PATTERN
from chalicelib.observability import entrypoint, logger


class TimerInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(pattern=CARD_NUMBER_PATTERN.pattern)


@entrypoint
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    number = TimerInput.model_validate(event).number
    logger.set_correlation_id(number)
    result = bootstrap.container().sla.check_card(number)
    return {
        "number": number,
        "sent": len(result.sent),
        "escalations": len(result.escalations),
        "next_check": result.next_check.isoformat() if result.next_check else None,
    }

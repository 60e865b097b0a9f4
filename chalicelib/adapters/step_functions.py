"""EscalationWorkflow on a Standard Step Functions state machine (ASL in infrastructure/).

The execution's name is unique per card, timer and round, and Step Functions refuses a second
execution of the same name: starting a chain twice starts it once. (A second start while the
first still runs, with the same input, is accepted by Step Functions and changes nothing.)
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.ports import EscalationStart

TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"


def execution_input(escalation: EscalationStart) -> dict[str, str]:
    """What the state machine reads: its Wait state needs ``controller_at`` as UTC with a Z."""
    return {
        "number": escalation.number,
        "timer": escalation.timer,
        "round_started_at": escalation.round_started_at.isoformat(),
        "breached_at": escalation.breached_at.astimezone(UTC).strftime(TIMESTAMP),
        "controller_at": escalation.controller_at.astimezone(UTC).strftime(TIMESTAMP),
    }


class StepFunctionsEscalations:
    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._sfn = client
        self._arn = state_machine_arn

    def start(self, escalation: EscalationStart) -> bool:
        try:
            self._sfn.start_execution(
                stateMachineArn=self._arn,
                name=escalation.name,
                input=json.dumps(execution_input(escalation)),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise
            return False
        return True

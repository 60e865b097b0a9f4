"""The escalation state machine's definition, in one place for the CDK stack, the local stack
and the tests (which execute it under moto)."""

from __future__ import annotations

from pathlib import Path

ASL_PATH = Path(__file__).resolve().parent / "sla_escalation.asl.json"
TASK_FUNCTION_VARIABLE = "EscalationTaskFunction"


def definition(task_function_arn: str) -> str:
    """The ASL with its task function filled in (CDK uses definition substitutions instead)."""
    return ASL_PATH.read_text("utf-8").replace(
        "${" + TASK_FUNCTION_VARIABLE + "}", task_function_arn
    )

"""Amazon Connect contact-flow steps (Invoke AWS Lambda function blocks).

The flow names the step in the block's parameters (``operation``) with its inputs; the answer
is a flat map of strings the flow reads as ``$.External.*``. The handler never raises: a step
that cannot be answered returns ``result=error`` and ``route=operator`` so the flow hands the
caller to a person instead of dropping the call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.data_classes import ConnectContactFlowEvent

from chalicelib import bootstrap
from chalicelib.observability import entrypoint, logger
from chalicelib.services.phone import Answer, Call, Phone

FALLBACK: Answer = {"result": "error", "route": "operator"}
LOCALES = ("en", "ru")
MAX_PARAMETER = 6000


@entrypoint
def handler(event: dict[str, Any], context: Any) -> Answer:
    try:
        answer = _answer(ConnectContactFlowEvent(event))
    except Exception:
        logger.exception("ivr step failed; the caller goes to an operator")
        answer = FALLBACK
    logger.info("ivr step", extra={"result": answer.get("result")})
    return {k: str(v) for k, v in answer.items()}


def _answer(event: ConnectContactFlowEvent) -> Answer:
    data = event.contact_data
    parameters = {k: str(v)[:MAX_PARAMETER] for k, v in (event.parameters or {}).items()}
    caller = data.customer_endpoint.address if data.customer_endpoint else ""
    if not data.contact_id or not caller:
        return {"result": "invalid", "problem": "ContactId and CustomerEndpoint are required"}
    locale = parameters.get("locale") or (data.attributes or {}).get("locale") or "en"
    call = Call(
        contact_id=data.contact_id,
        phone=caller,
        locale=locale if locale in LOCALES else "en",
    )
    operation = parameters.get("operation", "")
    step = STEPS.get(operation)
    if step is None:
        return {"result": "invalid", "problem": f"unknown operation {operation!r}"}
    return step(bootstrap.container().phone, call, parameters)


# Each operation: which of the phone's use cases, with which of the block's parameters.
STEPS: dict[str, Callable[[Phone, Call, dict[str, str]], Answer]] = {
    "lookup_caller": lambda phone, call, p: phone.lookup_caller(call),
    "status": lambda phone, call, p: phone.status(call, p.get("number", ""), p.get("code", "")),
    "send_code": lambda phone, call, p: phone.send_code(call, p.get("number", "")),
    "create": lambda phone, call, p: phone.create(
        call, p.get("topic", ""), p.get("description", "")
    ),
    "attach": lambda phone, call, p: phone.attach(
        call, p.get("transcript", ""), p.get("recording", "")
    ),
}
OPERATIONS = tuple(STEPS)

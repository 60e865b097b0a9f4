"""The escalation state machine's own ASL (infrastructure/sla_escalation.asl.json), executed by
moto's Step Functions interpreter, with each Lambda task running the real
``functions/sla_escalation`` handler in-process against DynamoDB under moto.

moto runs executions on a background thread; the tests wait for an execution to finish (a
bounded wait on its status), never for SLA time to pass: the Wait state's timestamp is in
moto's past, and the task dispatcher moves the manual clock to the moment the Wait stands for.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.dynamodb_cards import DynamoCardRepository
from chalicelib.adapters.memory_mail import RecordingMailer
from chalicelib.adapters.memory_sla import InMemoryTimerScheduler
from chalicelib.adapters.step_functions import StepFunctionsEscalations
from chalicelib.domain import lifecycle
from chalicelib.domain.card import Status
from functions import sla_escalation
from infrastructure.local.mailroom import LambdaContext
from infrastructure.sla_escalation import definition
from tests.factories import MANAGER, submit
from tests.unit.test_sla import msk
from tests.unit.test_sla_watch import POLICIES

TASK_FUNCTION = "civicdesk-escalation-tasks"
# A card registered Monday 9:00 misses its 1-hour registration at 10:00; one working day later:
CONTROLLER_AT = msk(2026, 3, 3, 10, 0)


@pytest.fixture
def workflow(aws, settings, directory, monkeypatch) -> Iterator[dict[str, Any]]:
    import boto3
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.core.config import default_user_config

    monkeypatch.setitem(default_user_config, "stepfunctions", {"execute_state_machine": True})
    monkeypatch.setitem(default_user_config, "lambda", {"use_docker": False})
    calls: list[dict[str, Any]] = []
    clock = ManualClock(msk(2026, 3, 2, 10, 1))

    def run_handler(self: Any, function_name: str, qualifier: Any, body: Any, *_: Any) -> bytes:
        assert function_name.endswith(TASK_FUNCTION), function_name
        event = json.loads(body)
        calls.append(event)
        if event["step"] == "escalated":
            clock.set(CONTROLLER_AT)  # the Wait state lasted until here
        return json.dumps(sla_escalation.handler(event, LambdaContext())).encode()

    monkeypatch.setattr(LambdaSimpleBackend, "invoke", run_handler)
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="escalation", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    function_arn = boto3.client("lambda").create_function(
        FunctionName=TASK_FUNCTION,
        Runtime="python3.11",
        Role=role,
        Handler="functions.sla_escalation.handler",
        Code={"ZipFile": b"not used: the dispatcher runs the handler in-process"},
    )["FunctionArn"]
    sfn = boto3.client("stepfunctions")
    machine = sfn.create_state_machine(
        name="civicdesk-escalation", definition=definition(function_arn), roleArn=role
    )["stateMachineArn"]
    mailer = RecordingMailer()
    cards = DynamoCardRepository(aws["dynamodb"], settings.table_name)
    container = bootstrap.build(
        settings,
        dynamodb_client=aws["dynamodb"],
        cards=cards,
        clock=clock,
        directory=directory,
        mailer=mailer,
        scheduler=InMemoryTimerScheduler(),
        escalations=StepFunctionsEscalations(sfn, machine),
        sla_policy=POLICIES.deadlines,
        mail_policy=POLICIES.mail,
    )
    bootstrap.use(container)
    yield {
        "sfn": sfn,
        "machine": machine,
        "clock": clock,
        "cards": cards,
        "mailer": mailer,
        "calls": calls,
        "container": container,
    }
    bootstrap.use(None)


def _execution_arn(workflow: dict[str, Any], name: str) -> str:
    return workflow["machine"].replace(":stateMachine:", ":execution:") + f":{name}"


def _finished(sfn: Any, execution_arn: str) -> dict[str, Any]:
    for _ in range(400):
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.025)
    raise AssertionError("the execution did not finish")


def _states(sfn: Any, execution_arn: str) -> list[str]:
    events = sfn.get_execution_history(executionArn=execution_arn)["events"]
    return [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]


def _card(workflow: dict[str, Any], directory: Any) -> str:
    clock = workflow["clock"]
    start = clock.now()
    clock.set(msk(2026, 3, 2, 9, 0))
    number = submit(workflow["cards"], clock, directory).card.number
    clock.set(start)
    return number


def test_a_breach_runs_the_chain_manager_then_controller(workflow, directory):
    number = _card(workflow, directory)
    c = workflow["container"]
    result = c.sla.check_card(number)
    [name] = result.escalations
    arn = _execution_arn(workflow, name)
    described = _finished(workflow["sfn"], arn)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["input"])["controller_at"] == "2026-03-03T07:00:00Z"
    assert _states(workflow["sfn"], arn) == [
        "NotifyManager",
        "StillMissed",
        "WaitForController",
        "NotifyController",
        "Escalated",
    ]
    output = json.loads(described["output"])
    assert output["manager"] == {"status": "sent"}
    assert output["controller"] == {"status": "sent"}
    assert [call["step"] for call in workflow["calls"]] == ["breached", "escalated"]
    recipients = [m.recipient for m in workflow["mailer"].sent]
    assert recipients == ["sergey.lebedev@town.example", "elena.morozova@town.example"]
    # Checking again starts nothing: the execution's name is taken.
    again = c.sla.check_card(number)
    assert again.escalations == ()


def test_the_chain_ends_when_the_deadline_was_met_meanwhile(workflow, directory):
    number = _card(workflow, directory)
    c = workflow["container"]
    card = c.cards.get(number)
    closed = lifecycle.transition(
        card,
        Status.CLOSED,
        lifecycle.TransitionDetails(closure_reason="Duplicate of an earlier request"),
        actor=MANAGER.actor,
        at=workflow["clock"].now(),
    )
    c.cards.save(closed.card, closed.entry)
    from chalicelib.ports import EscalationStart

    start = EscalationStart(
        number=number,
        timer="registration",
        round_started_at=msk(2026, 3, 2, 9, 0),
        breached_at=msk(2026, 3, 2, 10, 0),
        controller_at=msk(2026, 3, 3, 10, 0),
    )
    assert c.escalations.start(start)
    arn = _execution_arn(workflow, start.name)
    described = _finished(workflow["sfn"], arn)
    assert described["status"] == "SUCCEEDED"
    assert _states(workflow["sfn"], arn) == ["NotifyManager", "StillMissed", "MetMeanwhile"]
    assert workflow["mailer"].sent == []
    assert not c.escalations.start(start)  # finished executions keep their name


def test_a_malformed_task_input_fails_loudly_instead_of_mailing_anyone(workflow):
    with pytest.raises(ValueError, match="number"):
        sla_escalation.handler(
            {"number": "42", "timer": "registration", "round_started_at": "x", "step": "breached"},
            LambdaContext(),
        )
    assert workflow["mailer"].sent == []


def test_the_timer_handler_checks_the_card_it_was_set_for(workflow, directory):
    from functions import sla_timer

    number = _card(workflow, directory)
    workflow["clock"].set(msk(2026, 3, 2, 9, 31))
    result = sla_timer.handler({"number": number}, LambdaContext())
    assert result["sent"] == 1
    assert result["next_check"] == msk(2026, 3, 2, 9, 48).isoformat()
    with pytest.raises(ValueError, match="number"):
        sla_timer.handler({"number": "2026-1"}, LambdaContext())
    with pytest.raises(ValueError, match="extra"):
        sla_timer.handler({"number": number, "debug": True}, LambdaContext())


def test_the_sweep_handler_takes_aws_scheduled_event_and_checks_only_due_cards(
    workflow, directory, sam_sample
):
    from functions import sla_sweep

    numbers = [_card(workflow, directory) for _ in range(3)]
    event = sam_sample("cloudwatch/ScheduledEvent.json")
    workflow["clock"].set(msk(2026, 3, 2, 9, 1))
    first = sla_sweep.handler(event, LambdaContext())
    assert (first["checked"], first["failed"], first["more"]) == (3, [], False)
    # Nothing changed and no threshold passed: the next sweep reads no card at all.
    assert sla_sweep.handler(event, LambdaContext())["checked"] == 0
    workflow["clock"].set(msk(2026, 3, 2, 9, 30))
    second = sla_sweep.handler(event, LambdaContext())
    assert (second["checked"], second["sent"]) == (3, 3)
    reminded = sorted(m.recipient for m in workflow["mailer"].sent)
    assert reminded == ["sergey.lebedev@town.example"] * len(numbers)


def test_the_weekly_review_goes_to_controllers(workflow, directory, sam_sample):
    from functions import sla_sweep, sla_weekly_review

    for _ in range(2):
        _card(workflow, directory)
    event = sam_sample("cloudwatch/ScheduledEvent.json")
    workflow["clock"].set(msk(2026, 3, 2, 10, 30))
    sla_sweep.handler(event, LambdaContext())
    workflow["clock"].set(msk(2026, 3, 9, 8, 0))  # Monday morning
    assert sla_weekly_review.handler(event, LambdaContext()) == {"week": "2026-W10", "sent": 1}
    review = workflow["mailer"].sent[-1]
    assert review.recipient == "elena.morozova@town.example"
    from email import message_from_bytes
    from email.policy import default

    text = message_from_bytes(review.raw, policy=default).get_body(("plain",)).get_content()
    assert "Roads › Potholes: 2 missed deadlines on 2 requests" in text

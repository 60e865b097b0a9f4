"""`civicdesk failures` over moto's SQS and CloudFormation: the stack's FailureQueues output
names each queue and the function that runs it again; a failed event is run again and then
deleted, a scheduled rule's event dropped, a stream batch kept; `list` shows errors, not bodies."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infrastructure import failures
from infrastructure.local.cli import main

TIMER_EVENT = {"number": "2026-000042"}
SCHEDULED = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
STREAM_BATCH = {"DDBStreamBatchInfo": {"shardId": "shardId-1", "startSequenceNumber": "1"}}


class Lambda:
    """Lambda's asynchronous invoke (moto would need Docker to run a function)."""

    def __init__(self, status: int = 202) -> None:
        self.status = status
        self.invoked: list[tuple[str, dict[str, Any]]] = []

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: bytes) -> dict:
        assert InvocationType == "Event"
        self.invoked.append((FunctionName, json.loads(Payload)))
        return {"StatusCode": self.status}


@pytest.fixture
def stack(monkeypatch) -> Any:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="civicdesk-prod-DeadlinesFailures")["QueueUrl"]
        for body, error in (
            (TIMER_EVENT, "Task timed out after 30.00 seconds"),
            (SCHEDULED, "Unhandled"),
            (STREAM_BATCH, ""),
        ):
            attributes = (
                {"ErrorMessage": {"DataType": "String", "StringValue": error}} if error else {}
            )
            sqs.send_message(
                QueueUrl=url, MessageBody=json.dumps(body), MessageAttributes=attributes
            )
        output = json.dumps({"deadlines": {"queue": url, "function": "civicdesk-prod-Timer"}})
        template = {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {"FailureQueues": {"Value": output}},
        }
        boto3.client("cloudformation").create_stack(
            StackName="civicdesk-prod", TemplateBody=json.dumps(template)
        )
        yield sqs, url


def test_the_queue_is_found_by_its_runbook_name_and_listed_without_its_events(stack, capsys):
    assert main(["failures", "list", "deadlines", "--stack", "civicdesk-prod"]) == 0
    shown = capsys.readouterr().out
    assert "Task timed out after 30.00 seconds" in shown
    assert "\tevent\t" in shown
    assert "\tscheduled\t" in shown
    assert "\tstream-batch\t" in shown
    assert "2026-000042" not in shown  # events may hold personal data: not without --show-body
    assert "3 message(s) shown" in shown
    assert main(["failures", "list", "deadlines", "--stack", "civicdesk-prod", "--show-body"]) == 0
    assert "2026-000042" in capsys.readouterr().out
    assert main(["failures", "list", "mail", "--stack", "civicdesk-prod"]) == 1
    assert "the stack has: deadlines" in capsys.readouterr().out


def test_rerun_runs_events_again_drops_scheduled_ones_and_keeps_stream_batches(stack):
    sqs, _url = stack
    queue = failures.failure_queues(boto3.client("cloudformation"), "civicdesk-prod")["deadlines"]
    invoked = Lambda()
    assert failures.rerun(sqs, invoked, queue, limit=100) == {"rerun": 1, "dropped": 1, "kept": 1}
    assert invoked.invoked == [("civicdesk-prod-Timer", TIMER_EVENT)]
    assert _messages_in(sqs, queue.url) == 1  # the stream batch, held a minute, then back


def test_an_event_lambda_does_not_accept_stays_in_the_queue(stack):
    sqs, url = stack
    queue = failures.FailureQueue("deadlines", url, "civicdesk-prod-Timer")
    assert failures.rerun(sqs, Lambda(status=500), queue, limit=100)["kept"] == 2
    # The scheduled event was dropped; the event and the batch wait.
    assert _messages_in(sqs, url) == 2


def test_a_stack_without_the_output_says_to_deploy_first(stack):
    boto3.client("cloudformation").create_stack(
        StackName="civicdesk-old",
        TemplateBody=json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}),
    )
    with pytest.raises(LookupError, match="deploy this version first"):
        failures.failure_queues(boto3.client("cloudformation"), "civicdesk-old")


def _messages_in(sqs: Any, url: str) -> int:
    """Visible and held messages alike."""
    counts = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(count) for count in counts.values())

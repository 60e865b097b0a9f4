"""Staff files and manager reports at service level, over in-memory twins."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.card import AttachmentSource
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import NotFound, PermissionDenied, ValidationFailed
from chalicelib.services.attachments import attachment_key
from chalicelib.services.commands import Assign, AttachmentRequest, CardCreate, Transition
from tests.conftest import card_form
from tests.factories import EXECUTOR, MANAGER, OPERATOR, OTHER_EXECUTOR, principal

ACT = b"%PDF-1.7\nrepair act"
CONTROLLER = principal("ctl-elena", Role.CONTROLLER, departments=("front_office",))


def _card(town, **form) -> str:
    return town.intake.submit(CardCreate.model_validate(card_form(**form)), key=None).card.number


def test_staff_add_a_file_that_the_requester_sees_only_with_a_reply(town):
    number = _card(town)
    town.casework.assign(MANAGER, number, Assign(executor_id="ex-ivan", version=1))
    request = AttachmentRequest(filename="act.pdf", content_type="application/pdf", size=len(ACT))
    with pytest.raises(PermissionDenied):
        town.staff_files.start_upload(OTHER_EXECUTOR, number, request)
    pending = town.staff_files.start_upload(EXECUTOR, number, request)
    town.blobs.upload(
        attachment_key(number, pending.attachment_id, "act.pdf"), ACT, "application/pdf"
    )
    shown = town.staff_files.finish_upload(EXECUTOR, number, pending.attachment_id, "act.pdf")
    (added,) = shown.card.attachments
    assert (added.source, added.size) == (AttachmentSource.STAFF, len(ACT))
    assert town.staff_files.download_link(EXECUTOR, number, added.id)
    with pytest.raises(NotFound):
        town.staff_files.download_link(EXECUTOR, number, "no-such-file")


def test_files_of_a_sensitive_card_are_for_its_department_only(town):
    number = _card(town, category="health.medical_access", subject="No doctor for me")
    with pytest.raises(PermissionDenied):
        town.staff_files.download_link(OPERATOR, number, "any")


def test_a_report_counts_the_period_from_the_nightly_figures(town, clock):
    numbers = [_card(town) for _ in range(3)]
    town.casework.transition(
        OPERATOR, numbers[0], Transition(to="closed", closure_reason="Patched", version=1)
    )
    town.exports.run_nightly()
    today = clock.now().date()
    report = town.reports.report(CONTROLLER, today, today, None)
    assert (report["received"], report["closed"]) == (3, 1)
    roads = town.reports.report(MANAGER, today, today, "roads")
    assert roads["departments"] == ["roads"]
    assert town.reports.report(MANAGER, today, today, None)["departments"] == ["parks", "roads"]


def test_a_report_is_for_managers_and_names_a_bad_period(town, clock):
    today = clock.now().date()
    with pytest.raises(PermissionDenied):
        town.reports.report(EXECUTOR, today, today, None)
    with pytest.raises(PermissionDenied):
        town.reports.report(MANAGER, today, today, "housing")  # not one of his
    with pytest.raises(ValidationFailed) as backwards:
        town.reports.report(CONTROLLER, today, today - timedelta(days=1), None)
    assert [p.field for p in backwards.value.problems] == ["to"]
    with pytest.raises(ValidationFailed):
        town.reports.report(CONTROLLER, today, today, "moon")

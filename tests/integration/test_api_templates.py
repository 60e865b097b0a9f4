"""Templates over the API: administrators change what requesters read, for the town or one
department; a template that could leak or break is refused with the reason."""

from __future__ import annotations

import uuid

from chalicelib.adapters.shipped_templates import default_source
from tests.conftest import card_form
from tests.integration.conftest import body

RECEIPT = "/admin/templates/receipt/en"


def _problems(response) -> list[str]:
    return [f["problem"] for f in body(response)["error"]["fields"] if f["field"] == "source"]


def _receipt_text(api) -> str:
    # A new address each time: one receipt stands for a burst to the same address.
    requester = {"full_name": "Anna Ivanova", "email": f"anna.{uuid.uuid4().hex[:8]}@example.org"}
    number = body(api.post("/requests", card_form(requester=requester)))["number"]
    (message,) = api.container.outbox.for_card(number)
    assert message.email is not None
    return message.email.text


def test_the_catalogue_names_every_kind_and_what_templates_may_use(api):
    catalogue = body(api.get("/admin/templates", staff="ex-ivan"))
    kinds = {k["kind"]: k for k in catalogue["kinds"]}
    assert catalogue["locales"] == ["en", "ru"]
    receipt = kinds["receipt"]
    assert (receipt["audience"], receipt["blocks"]) == (
        "requester",
        ["subject", "text", "html", "sms"],
    )
    assert "next_step_deadline" in receipt["variables"]
    assert "executor_name" in receipt["internal_variables"]
    notice = kinds["deadline_notice"]
    assert (notice["audience"], notice["internal_variables"]) == ("staff", {})
    assert "recipient_name" in notice["variables"]
    assert {"access_code", "mail_receipt", "survey", "staff_attention"} <= kinds.keys()


def test_a_department_override_reaches_the_next_receipt_and_can_be_withdrawn(api):
    shown = body(api.get(f"{RECEIPT}?department=roads", staff="ex-ivan"))
    assert (shown["from_scope"], shown["version"]) == ("default", 0)
    assert shown["source"] == default_source("receipt", "en")
    source = shown["source"].replace("{% block text %}Hello", "{% block text %}Good day")
    assert (
        api.put(
            f"{RECEIPT}?department=roads", {"source": source, "version": 0}, staff="ex-ivan"
        ).status_code
        == 403
    )
    saved = api.put(
        f"{RECEIPT}?department=roads", {"source": source, "version": 0}, staff="adm-dmitry"
    )
    assert saved.status_code == 200, saved.body
    assert (body(saved)["from_scope"], body(saved)["version"]) == ("roads", 1)
    assert _receipt_text(api).startswith("Good day!")  # a pothole: roads
    parks = body(api.get(f"{RECEIPT}?department=parks", staff="ex-ivan"))
    assert parks["from_scope"] == "default"
    stale = api.put(
        f"{RECEIPT}?department=roads", {"source": source, "version": 0}, staff="adm-dmitry"
    )
    assert stale.status_code == 409
    withdrawn = api.put(
        f"{RECEIPT}?department=roads", {"source": None, "version": 1}, staff="adm-dmitry"
    )
    assert body(withdrawn)["from_scope"] == "default"
    assert [v["withdrawn"] for v in body(withdrawn)["versions"]] == [False, True]
    first = body(api.get(f"{RECEIPT}/versions/1?department=roads", staff="ex-ivan"))
    assert first["source"] == source
    assert _receipt_text(api).startswith("Hello!")


def test_a_template_that_names_internal_data_or_breaks_is_refused_with_the_reason(api):
    shipped = default_source("receipt", "en")
    cases = {
        shipped.replace("{{ number }}", "{{ executor_name }}", 1): "internal-only",
        shipped.replace("{{ number }}", "{{ internal_note }}", 1): "internal-only",
        shipped.replace("{{ number }}", "{{ colour }}", 1): "unknown variable 'colour'",
        shipped.replace("{{ number }}", "{{ number.__class__.__mro__ }}", 1): "fails with sample",
        shipped.replace("{% endblock %}", "", 1): "line",
        "{% block subject %}Hi{% endblock %}": "block 'text' is missing",
    }
    for source, problem in cases.items():
        refused = api.put(RECEIPT, {"source": source, "version": 0}, staff="adm-dmitry")
        assert refused.status_code == 400, (problem, refused.body)
        assert any(problem in p for p in _problems(refused)), (problem, _problems(refused))
    assert body(api.get(RECEIPT, staff="adm-dmitry"))["version"] == 0  # nothing was saved


def test_preview_fills_a_draft_with_sample_values(api):
    source = default_source("clarification", "ru")
    draft = {"kind": "clarification", "source": source}
    preview = api.post("/admin/templates/preview", draft, staff="adm-dmitry")
    assert preview.status_code == 200
    shown = body(preview)
    assert shown["text"].startswith("Здравствуйте, Anna Ivanova!")
    assert "Which entrance is it?" in shown["text"]
    assert shown["sms_segments"] >= 1
    assert api.post("/admin/templates/preview", draft, staff="mgr-sergey").status_code == 403


def test_unknown_kinds_locales_and_departments_are_named(api):
    assert api.get("/admin/templates/receipt/de", staff="ex-ivan").status_code == 404
    assert api.get("/admin/templates/postcard/en", staff="ex-ivan").status_code == 404
    unknown = api.get(f"{RECEIPT}?department=moon", staff="ex-ivan")
    assert unknown.status_code == 400
    assert body(unknown)["error"]["fields"][0]["field"] == "department"


def test_a_department_edits_its_deadline_reminders_for_staff(api):
    from chalicelib.domain.sla_notices import Audience, Notice, NoticeStep
    from chalicelib.services.outgoing_mail import deadline_notice

    path = "/admin/templates/deadline_notice/en?department=roads"
    shown = body(api.get(path, staff="ex-ivan"))
    assert shown["from_scope"] == "default"
    staff_only = shown["source"].replace("{{ recipient_name }},", "Dear {{ recipient_name }},")
    assert "{% block sms %}" not in staff_only
    saved = api.put(path, {"source": staff_only, "version": 0}, staff="adm-dmitry")
    assert saved.status_code == 200, saved.body
    unknown = api.put(
        path,
        {"source": staff_only.replace("{{ due }}", "{{ full_name }}", 1), "version": 1},
        staff="adm-dmitry",
    )
    assert unknown.status_code == 400  # staff notices have their own variables
    assert any("unknown variable 'full_name'" in p for p in _problems(unknown))
    c = api.container
    card, history = c.cards.get_with_history(body(api.post("/requests", card_form()))["number"])
    assert card.department == "roads"
    (timer, *_) = c.card_timers(card, history)
    notice = Notice(key="k", step=NoticeStep.MOSTLY_USED, audience=Audience.EXECUTOR, timer=timer)
    ivan = c.directory.staff_member("ex-ivan")
    mail = deadline_notice(
        card,
        notice,
        ivan,
        directory=c.directory,
        templates=c.templates,
        policy=c.mail_policy,
        now=card.created_at,
    )
    assert b"Dear Ivan Sokolov," in mail.raw

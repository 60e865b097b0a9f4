"""Templates over the API: administrators change what requesters read, for the town or one
department; a template that could leak or break is refused with the reason."""

from __future__ import annotations

from chalicelib import templating
from tests.conftest import card_form
from tests.integration.conftest import body

RECEIPT = "/admin/templates/receipt/en"


def _problems(response) -> list[str]:
    return [f["problem"] for f in body(response)["error"]["fields"] if f["field"] == "source"]


def _receipt_text(api) -> str:
    number = body(api.post("/requests", card_form()))["number"]
    (message,) = api.container.outbox.for_card(number)
    assert message.email is not None
    return message.email.text


def test_the_catalogue_names_every_kind_and_what_templates_may_use(api):
    catalogue = body(api.get("/admin/templates", staff="ex-ivan"))
    assert "receipt" in catalogue["kinds"]
    assert "access_code" in catalogue["kinds"]
    assert catalogue["locales"] == ["en", "ru"]
    assert "next_step_deadline" in catalogue["variables"]
    assert "executor_name" in catalogue["internal_variables"]


def test_a_department_override_reaches_the_next_receipt_and_can_be_withdrawn(api):
    shown = body(api.get(f"{RECEIPT}?department=roads", staff="ex-ivan"))
    assert (shown["from_scope"], shown["version"]) == ("default", 0)
    assert shown["source"] == templating.default_source("receipt", "en")
    source = shown["source"].replace("Hello, {{ full_name }}!", "Good day, {{ full_name }}!")
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
    assert _receipt_text(api).startswith("Good day, Anna Ivanova!")  # a pothole: roads
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
    assert _receipt_text(api).startswith("Hello, Anna Ivanova!")


def test_a_template_that_names_internal_data_or_breaks_is_refused_with_the_reason(api):
    shipped = templating.default_source("receipt", "en")
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
    source = templating.default_source("clarification", "ru")
    preview = api.post("/admin/templates/preview", {"source": source}, staff="adm-dmitry")
    assert preview.status_code == 200
    shown = body(preview)
    assert shown["text"].startswith("Здравствуйте, Anna Ivanova!")
    assert "Which entrance is it?" in shown["text"]
    assert shown["sms_segments"] >= 1
    assert (
        api.post("/admin/templates/preview", {"source": source}, staff="mgr-sergey").status_code
        == 403
    )


def test_unknown_kinds_locales_and_departments_are_named(api):
    assert api.get("/admin/templates/receipt/de", staff="ex-ivan").status_code == 404
    assert api.get("/admin/templates/postcard/en", staff="ex-ivan").status_code == 404
    unknown = api.get(f"{RECEIPT}?department=moon", staff="ex-ivan")
    assert unknown.status_code == 400
    assert body(unknown)["error"]["fields"][0]["field"] == "department"

"""Every role against every staff endpoint, over HTTP: a roads card owned by Ivan, and a
health card (sensitive) in Social Support. Codes are what each person gets; ``hidden`` means
they see the card without the requester's personal data."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from tests.conftest import card_form
from tests.factories import queue_only_rules
from tests.integration.conftest import body

ROLES = ("op-olga", "ex-ivan", "ex-pavel", "mgr-sergey", "mgr-irina", "ctl-elena", "adm-dmitry")
ALL = dict.fromkeys(ROLES, 200)
_residents = itertools.count()


def only(allowed: dict[str, int], others: int = 403) -> dict[str, int]:
    return {role: allowed.get(role, others) for role in ROLES}


WORKS_ON_IT = ("op-olga", "ex-ivan", "mgr-sergey", "adm-dmitry")  # operator, owner, manager, admin
SEES_IT = (*WORKS_ON_IT, "ctl-elena")

# (method, path, body, expected codes); {n} is a fresh card of roads, owned by ex-ivan.
MATRIX = [
    ("GET", "/staff/me", None, ALL),
    ("GET", "/staff/cards/{n}", None, only(dict.fromkeys(SEES_IT, 200))),
    ("GET", "/staff/queue?department=roads", None, only(dict.fromkeys(SEES_IT, 200))),
    ("GET", "/staff/overdue?department=roads", None, only(dict.fromkeys(SEES_IT, 200))),
    ("GET", "/staff/approvals?department=roads", None, only(dict.fromkeys(SEES_IT, 200))),
    ("GET", "/staff/workload?department=roads", None, only(dict.fromkeys(SEES_IT, 200))),
    ("GET", "/staff/desk?department=roads", None, only(dict.fromkeys(SEES_IT, 200))),
    # Managers and administrators may ask; each card then says whether it was theirs to change
    # (Irina's answer refuses Ivan's roads card inside a 200: test_api_desk.py).
    (
        "POST",
        "/staff/bulk",
        "bulk",
        only(dict.fromkeys(("mgr-sergey", "mgr-irina", "adm-dmitry"), 200)),
    ),
    (
        "GET",
        "/staff/cards/{n}/attachments/no-such-file",
        None,
        only(dict.fromkeys(SEES_IT, 404)),
    ),
    (
        "POST",
        "/staff/cards/{n}/assign",
        {"executor_id": "ex-maria", "reason": "Maria's crew is nearby", "version": 2},
        only({"op-olga": 200, "mgr-sergey": 200, "adm-dmitry": 200}),
    ),
    (
        "POST",
        "/staff/cards/{n}/transition",
        {"to": "in_progress", "version": 2},
        only(dict.fromkeys(WORKS_ON_IT, 200)),
    ),
    (
        "POST",
        "/staff/cards/{n}/comments",
        {"text": "Checked the site", "version": 2},
        only(dict.fromkeys(SEES_IT, 201)),
    ),
    (
        "POST",
        "/staff/cards/{n}/comments",
        {"text": "We will come on Monday", "public": True, "version": 2},
        only(dict.fromkeys(WORKS_ON_IT, 201)),
    ),
    (
        "POST",
        "/staff/cards/{n}/flags",
        {"flags": ["safety"], "reason": "Open manhole nearby", "version": 2},
        only(dict.fromkeys(WORKS_ON_IT, 200)),
    ),
    (
        "POST",
        "/staff/cards/{n}/public-photos",
        {"attachment_id": "no-such-photo", "public": False, "reason": "A face", "version": 2},
        only(dict.fromkeys(WORKS_ON_IT, 404)),  # allowed; the card has no such photo
    ),
    ("GET", "/staff/cards/{n}/routing", None, only(dict.fromkeys(WORKS_ON_IT, 200))),
    ("GET", "/staff/cards/{n}/duplicates", None, only(dict.fromkeys(SEES_IT, 200))),
    (
        "POST",
        "/staff/cards/{n}/merge",
        {"into": "2026-999999", "version": 2},
        only(dict.fromkeys(WORKS_ON_IT, 404)),  # allowed; there is no such card to join
    ),
    (
        "POST",
        "/staff/cards/{n}/split",
        {"reason": "Another hole", "version": 2},
        only({"mgr-sergey": 422, "adm-dmitry": 422}),  # allowed; the card is not merged
    ),
    (
        "POST",
        "/staff/cards/{n}/corrections",
        {"location": {"address": "Lenina 60"}, "reason": "The caller said Lenina", "version": 2},
        only(dict.fromkeys(WORKS_ON_IT, 200)),
    ),
    (
        "POST",
        "/staff/cards/{n}/corrections",
        {"priority": "high", "reason": "A school is next to it", "version": 2},
        only({"op-olga": 200, "mgr-sergey": 200, "adm-dmitry": 200}),
    ),
    (
        "POST",
        "/staff/cards/{n}/subtasks",
        {"department": "lighting", "text": "Light the place for the night crew", "version": 2},
        only(dict.fromkeys(WORKS_ON_IT, 201)),
    ),
    (
        "POST",
        "/staff/cards/{n}/overdue",
        {"reason": "another_agency", "next_step": "reassign", "version": 2},
        only(dict.fromkeys(WORKS_ON_IT, 422)),  # allowed, but nothing is overdue yet
    ),
    (
        "POST",
        "/staff/cards/{n}/replies",
        {"kind": "refusal", "text": "Not the town's road", "version": 2},
        only(dict.fromkeys(WORKS_ON_IT, 201)),
    ),
    (
        "POST",
        "/staff/cards/{n}/replies/r1/approve",
        {"version": 2},
        only({"mgr-sergey": 400, "adm-dmitry": 400}),  # allowed; the card has no reply r1
    ),
    ("GET", "/staff/cards/{n}/messages", None, only(dict.fromkeys(SEES_IT, 200))),
    (
        "POST",
        "/staff/cards/{n}/attachments",
        {"filename": "act.pdf", "content_type": "application/pdf", "size": 100},
        only(dict.fromkeys(WORKS_ON_IT, 201)),
    ),
    (
        "GET",
        "/staff/reports/repeated-breaches",
        None,
        only(dict.fromkeys(("mgr-sergey", "mgr-irina", "ctl-elena", "adm-dmitry"), 200)),
    ),
    ("GET", "/admin/routing/rules", None, ALL),
    ("GET", "/admin/routing/rules/versions/1", None, ALL),
    ("PUT", "/admin/routing/rules", "current", only({"adm-dmitry": 200})),
    ("POST", "/admin/routing/preview", {"category": "roads.snow"}, only({"adm-dmitry": 200})),
    (
        "POST",
        "/staff/calls",
        {
            "caller": {
                "full_name": "Caller",
                "phone": "+7 916 555-44-33",
                "preferred_channel": "sms",
            },
            "essence": "Streetlight out at Lenina 5",
            "category": "lighting.streetlight_out",
            "outcome": "card_created",
        },
        only(dict.fromkeys(("op-olga", "mgr-sergey", "mgr-irina", "adm-dmitry"), 201)),
    ),
    ("GET", "/staff/calls/script?category=roads.potholes", None, ALL),
    ("GET", "/staff/search?q=pothole", None, ALL),  # each within what they may see
    (
        "GET",
        "/staff/reports?from=2026-03-01&to=2026-03-02",
        None,
        only(dict.fromkeys(("mgr-sergey", "mgr-irina", "ctl-elena", "adm-dmitry"), 200)),
    ),
    # Recomputing the figures: who may read reports may ask; the town's one refresh in ten
    # minutes goes to the first of them (Sergey), the others are told to wait.
    (
        "POST",
        "/staff/reports/refresh",
        {},
        only({"mgr-sergey": 202, "mgr-irina": 429, "ctl-elena": 429, "adm-dmitry": 429}),
    ),
    (
        "POST",
        "/staff/exports",
        {"from": "2026-03-01", "to": "2026-03-02"},
        only(dict.fromkeys(("mgr-sergey", "mgr-irina", "ctl-elena", "adm-dmitry"), 202)),
    ),
    (
        "POST",
        "/staff/exports",
        {"from": "2026-03-01", "to": "2026-03-02", "department": "roads"},
        only(dict.fromkeys(("mgr-sergey", "ctl-elena", "adm-dmitry"), 202)),  # not Irina's
    ),
    # {e}: an export Sergey asked for. It is his; an administrator may help; to anyone else
    # who may export it does not exist.
    (
        "GET",
        "/staff/exports/{e}",
        None,
        only({"mgr-sergey": 200, "adm-dmitry": 200, "mgr-irina": 404, "ctl-elena": 404}),
    ),
    (
        "POST",
        "/staff/cards/{n}/replies/preview",
        {"kind": "refusal", "text": "Not the town's road", "version": 2},
        only(dict.fromkeys(WORKS_ON_IT, 200)),
    ),
    (
        "POST",
        "/staff/cards/{n}/replies/r1/reject",
        {"reason": "Too curt", "version": 2},
        only({"mgr-sergey": 400, "adm-dmitry": 400}),  # allowed; the card has no reply r1
    ),
    (
        "PUT",
        "/staff/cards/{n}/attachments/no-such-file",
        {"filename": "act.pdf"},
        only(dict.fromkeys(WORKS_ON_IT, 404)),
    ),
    ("GET", "/staff/mail/automated", None, only({"op-olga": 200, "adm-dmitry": 200})),
    (
        "POST",
        "/staff/mail/automated/no-such-mail/card",
        {},
        only({"op-olga": 404, "adm-dmitry": 404}),  # allowed; there is no such mail
    ),
    ("GET", "/admin/templates", None, ALL),
    # Anyone may read templates; nobody has saved a version yet.
    ("GET", "/admin/templates/receipt/en/versions/1", None, dict.fromkeys(ROLES, 404)),
    ("GET", "/admin/outbox/failed", None, only({"adm-dmitry": 200})),
    ("GET", "/admin/api-keys", None, only({"adm-dmitry": 200})),
    (
        "POST",
        "/admin/api-keys",
        {"name": "FixMyStreet", "owner": "mySociety, fms@example.org"},
        only({"adm-dmitry": 201}),
    ),
    ("POST", "/admin/api-keys/no-such-key/revoke", {}, only({"adm-dmitry": 404})),
    # Data requests: an administrator's alone (nobody has filed with this address).
    (
        "POST",
        "/admin/data-requests/export",
        {"email": "nobody@example.org"},
        only({"adm-dmitry": 404}),
    ),
    (
        "POST",
        "/admin/data-requests/erase",
        {"email": "nobody@example.org", "reason": "letter 12 of 2026-11-30"},
        only({"adm-dmitry": 404}),
    ),
    ("POST", "/admin/outbox/retry", {}, only({"adm-dmitry": 200})),
    ("GET", "/admin/templates/receipt/en?department=roads", None, ALL),
    # The administrator is asked last: the first save is version 1.
    (
        "PUT",
        "/admin/templates/receipt/en",
        {"source": None, "version": 0},
        only({"adm-dmitry": 200}),
    ),
    (
        "POST",
        "/admin/templates/preview",
        {
            "kind": "receipt",
            "source": "{% block subject %}{{ number }}{% endblock %}{% block text %}t{% endblock %}"
            "{% block html %}h{% endblock %}{% block sms %}s{% endblock %}",
        },
        only({"adm-dmitry": 200}),
    ),
]


@pytest.fixture
def api(make_api):
    # Cards wait unassigned; each test gives its card to Ivan itself, so the owner is fixed.
    from chalicelib.adapters.memory_exports import ImmediateRunner

    # Exports are only started here: who may start one is the question, not the files.
    return make_api(
        routing_rules=queue_only_rules(), export_runner=ImmediateRunner(lambda job: None)
    )


def _ivans_card(api) -> str:
    # A new resident each time: a second card of the same one would be a repeat (manager's).
    resident = f"resident{next(_residents)}"
    form = card_form(requester={"full_name": resident.title(), "email": f"{resident}@example.org"})
    number = body(api.post("/requests", form))["number"]
    given = api.post(
        f"/staff/cards/{number}/assign", {"executor_id": "ex-ivan", "version": 1}, staff="op-olga"
    )
    assert given.status_code == 200, given.body
    return number


def _sergeys_export(api) -> str:
    started = api.post(
        "/staff/exports", {"from": "2026-03-01", "to": "2026-03-02"}, staff="mgr-sergey"
    )
    assert started.status_code == 202, started.body
    return str(body(started)["export_id"])


def _call(api, method: str, path: str, payload, staff: str, number: str):
    if method == "GET":
        return api.get(path, staff=staff)
    if payload == "bulk":
        payload = {
            "cards": [{"number": number, "version": 2}],
            "assign": {"executor_id": "ex-maria", "reason": "Maria's crew is nearby"},
        }
    if payload == "current":
        current = body(api.get("/admin/routing/rules", staff=staff))
        rules = [{k: v for k, v in r.items() if k != "sentence"} for r in current["rules"]]
        payload = {
            "version": current["version"],
            "triage_department": "front_office",
            "rules": rules,
        }
    if method == "PUT":
        return api.put(path, payload, staff=staff)
    return api.post(path, payload, staff=staff)


@pytest.mark.parametrize(
    ("method", "path", "payload", "expected"), MATRIX, ids=lambda v: str(v)[:40]
)
def test_each_role_gets_what_it_should(api, method, path, payload, expected):
    got = {}
    for role in ROLES:
        number = _ivans_card(api)
        export = _sergeys_export(api) if "{e}" in path else ""
        response = _call(api, method, path.format(n=number, e=export), payload, role, number)
        got[role] = response.status_code
        if response.status_code == 403:
            assert body(response)["error"]["code"] == "forbidden"
    assert got == expected


def test_sensitive_personal_data_is_seen_by_the_assigned_group_only(api):
    form = card_form(
        category="health.medical_access",
        subject="No doctor for my diabetes",
        description="I need insulin prescriptions and the clinic has no endocrinologist.",
    )
    number = body(api.post("/requests", form))["number"]
    assert (
        body(
            api.post(
                f"/staff/cards/{number}/assign",
                {"executor_id": "ex-nina", "version": 1},
                staff="op-olga",
            )
        )["executor_id"]
        == "ex-nina"
    )
    api.post(
        f"/staff/cards/{number}/comments",
        {"text": "Called the patient about insulin", "version": 2},
        staff="ex-nina",
    )
    secrets = ("diabetes", "insulin", "Anna Ivanova", "anna@example.org", "+7 900", "Lenina 5")
    expected = {
        "ex-nina": "full",
        "mgr-tatiana": "full",
        "op-olga": "hidden",
        "ctl-elena": "hidden",
        "adm-dmitry": "hidden",
        "ex-ivan": 403,
        "mgr-sergey": 403,
    }
    got = {}
    for who in expected:
        response = api.get(f"/staff/cards/{number}", staff=who)
        if response.status_code != 200:
            got[who] = response.status_code
            continue
        text = response.body.decode()
        card = json.loads(text)
        shown = [s for s in secrets if s in text]
        if card["personal_data_hidden"]:
            assert shown == [], (who, shown)
            assert card["location"] == {
                "address": None,
                "district": "d3",
                "latitude": None,
                "longitude": None,
            }
            got[who] = "hidden"
        else:
            assert shown == list(secrets), (who, shown)
            got[who] = "full"
    assert got == expected

    queue = api.get("/staff/queue?department=social&status=received", staff="op-olga")
    assert [c["subject"] for c in body(queue)["cards"]] == [
        "[hidden: personal data of a sensitive category]"
    ]
    own = api.get("/staff/queue?department=social&status=received", staff="ex-nina")
    assert [c["subject"] for c in body(own)["cards"]] == ["No doctor for my diabetes"]
    link = api.get(f"/staff/cards/{number}/attachments/x", staff="adm-dmitry")
    assert link.status_code == 403
    assert api.get(f"/staff/cards/{number}/attachments/x", staff="ex-nina").status_code == 404


def test_every_staff_route_is_in_the_matrix():
    """A new staff route without a row here fails: who may call it must be decided."""
    import app  # noqa: F401 - registers the routes
    from chalicelib.api.http import OPERATIONS

    def pattern(template: str) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")

    missing = [
        f"{op.method} {op.path}"
        for op in OPERATIONS
        if op.staff
        and not any(
            method == op.method and pattern(op.path).match(path.split("?")[0])
            for method, path, _, _ in MATRIX
        )
    ]
    assert missing == []

"""Replies over the API: the town's checklist, approval for risky answers, the requester's
message queued with the change, and what the staff see of delivery."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import card_form
from tests.integration.conftest import body


def _post(api, number: str, path: str, payload: dict, staff: str):
    version = body(api.get(f"/staff/cards/{number}", staff="adm-dmitry"))["version"]
    return api.post(f"/staff/cards/{number}/{path}", {**payload, "version": version}, staff=staff)


def _fields(response) -> set[str]:
    return {f["field"] for f in body(response)["error"]["fields"]}


def _kinds(api, number: str) -> list[str]:
    return [m.kind for m in api.container.outbox.for_card(number)]


def test_an_answer_states_the_next_step_and_its_deadline_and_reaches_the_requester(api, clock):
    receipt = body(api.post("/requests", card_form()))
    number = receipt["number"]
    assert _post(api, number, "transition", {"to": "in_progress"}, "ex-ivan").status_code == 200
    incomplete = _post(api, number, "replies", {"kind": "answer", "text": "We looked."}, "ex-ivan")
    assert incomplete.status_code == 400
    assert _fields(incomplete) == {"next_step", "next_step_due"}
    due = (clock.now() + timedelta(days=5)).isoformat()
    answer = {
        "kind": "answer",
        "text": "The crew inspected the pothole; it needs asphalt, not gravel.",
        "next_step": "The crew patches it",
        "next_step_due": due,
    }
    sent = _post(api, number, "replies", answer, "ex-ivan")
    assert sent.status_code == 201, sent.body
    card = body(sent)
    (reply,) = card["replies"]
    assert (reply["id"], reply["status"], reply["approval_reasons"]) == ("r1", "sent", [])
    assert card["history"][-1]["action"] == "reply_sent"
    assert _kinds(api, number) == ["receipt", "status_change", "reply"]
    (message,) = [m for m in api.container.outbox.for_card(number) if m.kind == "reply"]
    assert message.email is not None
    assert "needs asphalt" in message.email.text
    assert "Next step: The crew patches it, by" in message.email.text
    assert "roads@town.example" in message.email.text  # whom to ask
    status = body(
        api.get(f"/requests/{number}", headers={"X-Access-Token": receipt["access_token"]})
    )
    assert status["steps"][-1]["message"].startswith("The crew inspected")
    assert status["next_step"] == "The crew patches it"
    assert status["next_step_due"].startswith(due[:16])
    assert status["status"] == "in_progress"
    assert status["status_since"] == status["steps"][1]["at"]  # when work started
    listed = body(api.get(f"/staff/cards/{number}/messages", staff="ex-ivan"))["messages"]
    assert [(m["kind"], m["status"], m["channel"]) for m in listed] == [
        ("receipt", "queued", "email"),
        ("status_change", "queued", "email"),
        ("reply", "queued", "email"),
    ]


def test_a_refusal_waits_for_the_manager_and_leaves_only_when_approved(api):
    number = body(api.post("/requests", card_form()))["number"]
    _post(api, number, "transition", {"to": "in_progress"}, "ex-ivan")
    refusal = {
        "kind": "refusal",
        "text": "The road belongs to the region, not the town.",
        "next_step": "Write to the regional road agency",
    }
    drafted = _post(api, number, "replies", refusal, "ex-ivan")
    assert drafted.status_code == 201, drafted.body
    card = body(drafted)
    assert card["status"] == "in_progress"  # nothing has left yet
    assert card["replies"][0]["status"] == "awaiting_approval"
    assert card["replies"][0]["approval_reasons"] == ["refusal"]
    assert card["history"][-1]["action"] == "reply_drafted"
    assert _kinds(api, number) == ["receipt", "status_change"]
    assert _post(api, number, "replies/r1/approve", {}, "ex-ivan").status_code == 403
    approved = _post(api, number, "replies/r1/approve", {}, "mgr-sergey")
    assert approved.status_code == 200, approved.body
    card = body(approved)
    assert card["status"] == "closed"
    assert card["closure_reason"] == refusal["text"]
    assert (card["replies"][0]["status"], card["replies"][0]["decided_by"]) == (
        "sent",
        "mgr-sergey",
    )
    assert [h["action"] for h in card["history"][-2:]] == ["reply_drafted", "reply_approved"]
    assert _kinds(api, number) == ["receipt", "status_change", "refusal"]
    again = _post(api, number, "replies/r1/approve", {}, "mgr-sergey")
    assert again.status_code == 422


def test_someone_elses_phone_in_a_reply_needs_approval_and_a_rejection_says_why(api, clock):
    number = body(api.post("/requests", card_form()))["number"]
    _post(api, number, "transition", {"to": "in_progress"}, "ex-ivan")
    answer = {
        "kind": "answer",
        "text": "Your neighbour Petrov (+7 916 555-12-34) reported it too; crew booked.",
        "next_step": "The crew comes",
        "next_step_due": (clock.now() + timedelta(days=2)).isoformat(),
    }
    drafted = body(_post(api, number, "replies", answer, "ex-ivan"))
    reply = drafted["replies"][0]
    assert (reply["status"], reply["approval_reasons"], reply["personal_data"]) == (
        "awaiting_approval",
        ["personal_data"],
        ["phone"],
    )
    no_reason = _post(api, number, "replies/r1/reject", {}, "mgr-sergey")
    assert no_reason.status_code == 422
    assert _fields(no_reason) == {"reason"}
    rejected = _post(
        api, number, "replies/r1/reject", {"reason": "Do not name the neighbour"}, "mgr-sergey"
    )
    assert rejected.status_code == 200
    card = body(rejected)
    assert card["replies"][0]["status"] == "rejected"
    assert card["history"][-1]["internal_note"]["text"] == "Do not name the neighbour"
    assert _kinds(api, number) == ["receipt", "status_change"]
    # The requester's own number and the department's are not someone else's data.
    own = {**answer, "text": "We will call you on +7 900 000-00-00 or ring us: +7 495 100-00-11."}
    assert body(_post(api, number, "replies", own, "ex-ivan"))["replies"][1]["status"] == "sent"


def test_on_a_card_under_manual_control_only_the_manager_speaks_to_the_requester(api, clock):
    form = card_form(category="other.staff_complaint", subject="The clerk was rude to me")
    number = body(api.post("/requests", form))["number"]
    card = body(api.get(f"/staff/cards/{number}", staff="adm-dmitry"))
    assert card["approval_required"]
    owner = card["executor_id"]
    assert owner.startswith("mgr-")
    # An operator may not close it or write publicly; a reply waits for the manager.
    closing = _post(
        api, number, "transition", {"to": "closed", "closure_reason": "Duplicate"}, "op-olga"
    )
    assert closing.status_code == 422
    assert _fields(closing) == {"to"}
    public = _post(api, number, "comments", {"text": "We are sorry", "public": True}, "op-olga")
    assert public.status_code == 422
    assert _fields(public) == {"public"}
    answer = {
        "kind": "answer",
        "text": "We are looking into what happened at the desk.",
        "next_step": "The manager talks to the clerk",
        "next_step_due": (clock.now() + timedelta(days=3)).isoformat(),
    }
    drafted = body(_post(api, number, "replies", answer, "op-olga"))
    assert drafted["replies"][0]["approval_reasons"] == ["manual_control"]
    sent = body(_post(api, number, "replies/r1/approve", {}, owner))
    assert sent["replies"][0]["status"] == "sent"
    own = body(_post(api, number, "replies", {**answer, "text": "An update from me."}, owner))
    assert own["replies"][1]["status"] == "sent"  # the manager's own reply is approved


def test_a_final_reply_resolves_and_is_refused_while_a_subtask_is_open(api):
    number = body(api.post("/requests", card_form()))["number"]
    _post(api, number, "transition", {"to": "in_progress"}, "ex-ivan")
    _post(
        api, number, "subtasks", {"department": "lighting", "text": "Light it up please"}, "ex-ivan"
    )
    final = {"kind": "final", "text": "Patched with asphalt on Monday."}
    held = _post(api, number, "replies", final, "ex-ivan")
    assert held.status_code == 422
    assert _fields(held) == {"subtasks"}
    boris = {"full_name": "Boris Petrov", "email": "boris@example.org"}  # a receipt of his own
    other = body(api.post("/requests", card_form(requester=boris)))["number"]
    owner = body(api.get(f"/staff/cards/{other}", staff="adm-dmitry"))["executor_id"]
    _post(api, other, "transition", {"to": "in_progress"}, owner)
    done = body(_post(api, other, "replies", final, owner))
    assert (done["status"], done["resolution"]) == ("resolved", final["text"])
    assert _kinds(api, other) == ["receipt", "status_change", "final_reply"]
    outsider = _post(api, other, "replies", {**final, "kind": "answer"}, "ex-pavel")
    assert outsider.status_code == 403


def test_after_closure_the_requester_rates_the_service_once_through_the_signed_link(api):
    receipt = body(api.post("/requests", card_form()))
    number = receipt["number"]
    early = api.post(
        f"/requests/{number}/survey",
        {"rating": 5},
        headers={"X-Access-Token": receipt["access_token"]},
    )
    assert early.status_code == 422
    assert _fields(early) == {"rating"}
    _post(api, number, "transition", {"to": "in_progress"}, "ex-ivan")
    _post(api, number, "replies", {"kind": "final", "text": "Patched on Monday."}, "ex-ivan")
    closed = _post(
        api, number, "transition", {"to": "closed", "closure_reason": "Done"}, "mgr-sergey"
    )
    assert closed.status_code == 200, closed.body
    (survey,) = [m for m in api.container.outbox.for_card(number) if m.kind == "survey"]
    assert survey.email is not None
    link = survey.email.text.split("https://", 1)[1].split()[0]
    assert "survey=1" in link
    token = link.split("#t=")[1]
    header = {"X-Access-Token": token}
    assert api.get(f"/requests/{number}", headers=header).status_code == 404  # rates, not reads
    bad = api.post(f"/requests/{number}/survey", {"rating": 6}, headers=header)
    assert bad.status_code == 400
    assert _fields(bad) == {"rating"}
    other = body(api.post("/requests", card_form()))["number"]
    assert api.post(f"/requests/{other}/survey", {"rating": 1}, headers=header).status_code == 404
    rated = api.post(
        f"/requests/{number}/survey", {"rating": 4, "comment": " Quick, thanks "}, headers=header
    )
    assert rated.status_code == 201, rated.body
    assert {k: body(rated)[k] for k in ("rating", "comment", "department")} == {
        "rating": 4,
        "comment": "Quick, thanks",
        "department": "roads",
    }
    again = api.post(
        f"/requests/{number}/survey",
        {"rating": 1},
        headers={"X-Access-Token": receipt["access_token"]},
    )
    assert again.status_code == 409
    assert [a.rating for a in api.container.surveys.of_year(int(number[:4]))] == [4]


def test_a_file_sent_with_the_final_answer_is_the_requesters_to_download(api):
    import requests

    receipt = body(api.post("/requests", card_form()))
    number, token = receipt["number"], receipt["access_token"]
    _post(api, number, "transition", {"to": "in_progress"}, "ex-ivan")
    scan = b"%PDF-1.7 repair act " + b"x" * 512
    ticket = api.post(
        f"/staff/cards/{number}/attachments",
        {"filename": "repair act.pdf", "content_type": "application/pdf", "size": len(scan)},
        staff="ex-ivan",
    )
    assert ticket.status_code == 201, ticket.body
    t = body(ticket)
    assert (
        api.post(
            f"/staff/cards/{number}/attachments",
            {"filename": "x.pdf", "content_type": "application/pdf", "size": 10},
            staff="ex-pavel",
        ).status_code
        == 403
    )
    sent = requests.post(
        t["url"], data=t["fields"], files={"file": ("a.pdf", scan, "application/pdf")}, timeout=10
    )
    assert sent.status_code < 300
    confirmed = api.put(t["confirm_path"], {"filename": "repair act.pdf"}, staff="ex-ivan")
    assert confirmed.status_code == 200, confirmed.body
    (file,) = body(confirmed)["attachments"]
    assert file["source"] == "staff"
    header = {"X-Access-Token": token}
    assert body(api.get(f"/requests/{number}", headers=header))["town_files"] == []
    hidden = api.get(f"/requests/{number}/files/{file['id']}", headers=header)
    assert hidden.status_code == 404  # not sent yet
    wrong = _post(
        api,
        number,
        "replies",
        {"kind": "final", "text": "Done.", "attachments": ["nope"]},
        "ex-ivan",
    )
    assert wrong.status_code == 400
    assert _fields(wrong) == {"attachments.0"}
    final = {"kind": "final", "text": "Patched; the act is attached.", "attachments": [file["id"]]}
    assert _post(api, number, "replies", final, "ex-ivan").status_code == 201
    status = body(api.get(f"/requests/{number}", headers=header))
    assert status["town_files"] == [
        {
            "id": file["id"],
            "filename": "repair act.pdf",
            "content_type": "application/pdf",
            "size": len(scan),
            "thumbnail": False,  # a PDF has no preview
        }
    ]
    link = api.get(f"/requests/{number}/files/{file['id']}", headers=header)
    assert link.status_code == 200
    downloaded = requests.get(body(link)["url"], timeout=10)
    assert downloaded.content == scan
    assert (
        api.get(
            f"/requests/{number}/files/{file['id']}", headers={"X-Access-Token": "x"}
        ).status_code
        == 404
    )


def test_someone_elses_data_cannot_slip_out_through_a_transition_or_a_public_comment(api):
    number = body(api.post("/requests", card_form()))["number"]
    _post(api, number, "transition", {"to": "in_progress"}, "ex-ivan")
    leaking = {"to": "resolved", "resolution": "Patched; ask Petrov, petrov@mail.example."}
    refused = _post(api, number, "transition", leaking, "ex-ivan")
    assert refused.status_code == 422
    assert _fields(refused) == {"text"}
    comment = {"text": "Neighbour's phone: 8 916 555-12-34", "public": True}
    assert _post(api, number, "comments", comment, "ex-ivan").status_code == 422
    ours = {"text": "Call us: +7 495 100-00-11 or roads@town.example", "public": True}
    assert _post(api, number, "comments", ours, "ex-ivan").status_code == 201
    assert _post(api, number, "transition", leaking, "mgr-sergey").status_code == 200  # manager


def test_a_preview_shows_the_message_and_whether_it_needs_approval_without_writing(api, clock):
    number = body(api.post("/requests", card_form()))["number"]
    version = body(api.get(f"/staff/cards/{number}", staff="adm-dmitry"))["version"]
    draft = {
        "kind": "refusal",
        "text": "The road belongs to the region.",
        "next_step": "Write to the regional road agency",
        "version": version,
    }
    shown = api.post(f"/staff/cards/{number}/replies/preview", draft, staff="ex-ivan")
    assert shown.status_code == 200, shown.body
    preview = body(shown)
    assert preview["text"].startswith("Hello, Anna Ivanova!")
    assert "The road belongs to the region." in preview["text"]
    assert "What you can do: Write to the regional road agency" in preview["text"]
    assert preview["approval_reasons"] == ["refusal"]
    assert body(api.get(f"/staff/cards/{number}", staff="adm-dmitry"))["version"] == version
    assert _kinds(api, number) == ["receipt"]
    incomplete = {**draft, "kind": "answer"}
    assert (
        api.post(f"/staff/cards/{number}/replies/preview", incomplete, staff="ex-ivan").status_code
        == 400
    )
    assert (
        api.post(f"/staff/cards/{number}/replies/preview", draft, staff="ex-pavel").status_code
        == 403
    )


def test_approving_an_older_draft_after_a_newer_answer_still_sends_it(api, clock):
    number = body(api.post("/requests", card_form()))["number"]
    _post(api, number, "transition", {"to": "in_progress"}, "ex-ivan")
    legal = {"kind": "answer", "text": "Under the road act you may claim damages.", "legal": True}
    answer = {
        "next_step": "The crew patches it",
        "next_step_due": (clock.now() + timedelta(days=2)).isoformat(),
    }
    _post(api, number, "replies", {**legal, **answer}, "ex-ivan")  # r1 waits
    plain = {"kind": "answer", "text": "The crew is booked.", **answer}
    _post(api, number, "replies", plain, "ex-ivan")  # r2 leaves at once
    approved = body(_post(api, number, "replies/r1/approve", {}, "mgr-sergey"))
    assert [r["status"] for r in approved["replies"]] == ["sent", "sent"]
    replies_sent = [m for m in api.container.outbox.for_card(number) if m.kind == "reply"]
    assert len(replies_sent) == 2
    assert replies_sent[-1].email is not None
    assert "road act" in replies_sent[-1].email.text

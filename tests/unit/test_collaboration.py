"""Working a card together: reassignment with a reason, ping-pong, mentions, risk flags and
subtasks to other departments."""

from __future__ import annotations

import pytest

from chalicelib.domain import lifecycle
from chalicelib.domain.card import ControlReason, Status
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import PermissionDenied, TransitionForbidden, ValidationFailed
from chalicelib.domain.public_view import public_view
from chalicelib.services import casework as staff
from chalicelib.services.commands import (
    Assign,
    CommentCreate,
    RiskFlags,
    SubtaskCreate,
    Transition,
)
from chalicelib.services.policies import IntakePolicy
from tests.factories import (
    CONTROLLER,
    EXECUTOR,
    MANAGER,
    OPERATOR,
    OTHER_EXECUTOR,
    notifier,
    principal,
)
from tests.unit.test_sla_watch import POLICIES, Town

LIGHTING_EXECUTOR = OTHER_EXECUTOR  # ex-pavel
LIGHTING_MANAGER = principal(
    "mgr-irina", Role.MANAGER, departments=("lighting", "sanitation", "housing")
)


@pytest.fixture
def town() -> Town:
    return Town()


def version(town: Town, number: str | None = None) -> int:
    return town.cards.get(number or town.number).version


def assign(town: Town, who, **command) -> None:
    staff.assign_card(
        who,
        town.number,
        Assign(**command, version=version(town)),
        cards=town.cards,
        directory=town.ports.directory,
        clock=town.clock,
    )


def test_a_reassignment_needs_a_reason_and_moves_between_departments_are_counted(town):
    assign(town, OPERATOR, executor_id="ex-ivan")  # the first owner needs no reason
    with pytest.raises(TransitionForbidden) as refused:
        assign(town, OPERATOR, executor_id="ex-maria")
    assert refused.value.field == "reason"
    assign(town, OPERATOR, executor_id="ex-maria", reason="Maria's crew is nearby")
    card = town.cards.get(town.number)
    assert (card.executor_id, card.transfers) == ("ex-maria", 0)
    # The roads manager says "not ours": the card goes to the lighting queue, unassigned.
    assign(town, MANAGER, department="lighting", reason="It is a streetlight, not the road")
    card = town.cards.get(town.number)
    assert (card.department, card.executor_id, card.transfers) == ("lighting", None, 1)
    with pytest.raises(PermissionDenied):  # the roads manager cannot pick lighting's executor
        assign(town, MANAGER, executor_id="ex-pavel", reason="Pavel knows the street")


def test_a_card_bounced_between_departments_is_flagged_to_the_controller_once(town):
    town.check()
    for department in ("lighting", "roads", "lighting", "roads"):
        assign(town, OPERATOR, department=department, reason="Not ours, try them")
    card = town.cards.get(town.number)
    assert card.transfers == 4
    result = town.check()
    assert f"{town.number}#attention#ping-pong" in result.sent
    alerts = [m for m in town.mails() if "Moved between departments" in m[1]]
    assert alerts == [
        (
            "elena.morozova@town.example",
            f"[#{town.number}] Moved between departments 4 times — Pothole on Lenina street",
        )
    ]
    assign(town, OPERATOR, department="lighting", reason="Once more")
    town.check()
    assert len([m for m in town.mails() if "Moved between departments" in m[1]]) == 1


def test_mentions_call_in_colleagues_who_may_see_the_card(town):
    def comment(text: str, mentions: list[str], public: bool = False):
        return staff.comment_on_card(
            EXECUTOR,
            town.number,
            CommentCreate(text=text, mentions=mentions, public=public, version=version(town)),
            cards=town.cards,
            directory=town.ports.directory,
            clock=town.clock,
        )

    with pytest.raises(ValidationFailed) as refused:
        comment("Pavel, Ghost, look", ["ex-pavel", "ghost"])
    assert {p.field: p.problem for p in refused.value.problems} == {
        "mentions.0": f"'ex-pavel' cannot see card {town.number}",
        "mentions.1": "no staff member 'ghost'",
    }
    with pytest.raises(TransitionForbidden) as public:
        comment("Dear resident, Maria will come", ["ex-maria"], public=True)
    assert public.value.field == "mentions"
    _, history = comment("Maria, can your crew take it?", ["ex-maria", "mgr-sergey", "ex-maria"])
    assert history[-1].mentions == ("ex-maria", "mgr-sergey")
    town.check()
    town.check()
    mentioned = sorted(r for r, s in town.mails() if "mentioned you" in s)
    assert mentioned == ["maria.volkova@town.example", "sergey.lebedev@town.example"]
    body = town.mailer.sent[-1].raw.decode()
    assert "can your crew" not in body  # the note stays in the card


def test_risk_flags_put_the_card_under_the_managers_control(town):
    assign(town, OPERATOR, executor_id="ex-ivan")

    def flag(who, flags, reason="Residents are filming the hole for TV"):
        return staff.flag_card(
            who,
            town.number,
            RiskFlags(flags=flags, reason=reason, version=version(town)),
            cards=town.cards,
            directory=town.ports.directory,
            clock=town.clock,
        )[0]

    with pytest.raises(PermissionDenied):
        flag(CONTROLLER, ["public_resonance"])
    card = flag(EXECUTOR, ["public_resonance", "safety"])
    assert card.manual_control == (ControlReason.PUBLIC_RESONANCE, ControlReason.SAFETY)
    assert card.executor_id == "mgr-sergey"
    assert card.approval_required
    with pytest.raises(ValidationFailed):
        flag(MANAGER, ["repeated"])  # set by intake, not by hand
    with pytest.raises(PermissionDenied):
        flag(EXECUTOR, ["safety"])  # clearing a flag is the manager's call
    card = flag(MANAGER, [], reason="The hole is fenced and the story is over")
    assert card.manual_control == ()
    assert not card.approval_required
    _, history = town.cards.get_with_history(town.number)
    assert [e.action.value for e in history][-2:] == ["risk_flagged", "risk_flagged"]
    assert all(not e.is_public for e in history[-2:])


def test_a_subtask_goes_to_another_department_and_holds_the_resolution(town):
    assign(town, OPERATOR, executor_id="ex-ivan")

    def ask(who, department="lighting", **extra):
        return staff.create_subtask(
            who,
            town.number,
            SubtaskCreate(
                department=department,
                text="Fix the streetlight over the pothole so the crew can work at night",
                version=version(town),
                **extra,
            ),
            cards=town.cards,
            directory=town.ports.directory,
            clock=town.clock,
            policy=IntakePolicy(),
        )

    with pytest.raises(PermissionDenied):
        ask(CONTROLLER)
    with pytest.raises(TransitionForbidden):
        ask(EXECUTOR, department="roads")
    with pytest.raises(ValidationFailed):
        ask(EXECUTOR, executor_id="ex-ivan")  # not lighting staff
    with pytest.raises(ValidationFailed) as foreign:
        ask(EXECUTOR, category="roads.potholes")  # not a lighting topic
    assert [p.field for p in foreign.value.problems] == ["category"]
    (parent, history), child = ask(EXECUTOR)
    assert parent.subtasks == (child.number,)
    # Its own topic, one of lighting's: reports and breach reviews count it there.
    assert child.category.startswith("lighting.")
    assert parent.category == "roads.potholes"
    assert (child.parent, child.department, child.executor_id) == (parent.number, "lighting", None)
    assert history[-1].action.value == "subtask_created"
    assert not history[-1].is_public
    assert town.cards.open_counts(["ex-pavel"]) == {"ex-pavel": 0}
    child_history = town.cards.get_with_history(child.number)[1]
    timers = POLICIES.deadlines.timers(child, child_history, town.clock.now())
    assert {t.kind.value for t in timers} == {"registration", "decision"}  # no requester clocks

    def move(who, number, to, **details):
        return staff.transition_card(
            who,
            number,
            Transition(to=to, version=version(town, number), **details),
            cards=town.cards,
            directory=town.ports.directory,
            clock=town.clock,
            notify=notifier(town.ports.directory),
            timers_of=lambda card, history: POLICIES.deadlines.timers(
                card, history, town.clock.now()
            ),
            sla=POLICIES.deadlines,
        )

    move(EXECUTOR, town.number, Status.IN_PROGRESS)
    with pytest.raises(TransitionForbidden) as held:
        move(EXECUTOR, town.number, Status.RESOLVED, resolution="Patched")
    assert held.value.field == "subtasks"
    assert child.number in held.value.message
    with pytest.raises(TransitionForbidden) as closing:  # closing is held the same way
        move(OPERATOR, town.number, Status.CLOSED, closure_reason="Duplicate")
    assert closing.value.field == "subtasks"
    offered = {
        n.to: n.blocked_by
        for n in lifecycle.next_statuses(town.cards.get(town.number), open_subtasks=True)
    }
    assert offered[Status.RESOLVED] == "subtasks"
    assert offered[Status.CLOSED] == "subtasks"

    staff.assign_card(
        LIGHTING_MANAGER,
        child.number,
        Assign(executor_id="ex-pavel", version=version(town, child.number)),
        cards=town.cards,
        directory=town.ports.directory,
        clock=town.clock,
    )
    move(LIGHTING_EXECUTOR, child.number, Status.IN_PROGRESS)
    move(LIGHTING_EXECUTOR, child.number, Status.RESOLVED, resolution="Lamp replaced")
    card, history = move(EXECUTOR, town.number, Status.RESOLVED, resolution="Patched")
    assert card.status == Status.RESOLVED

    view = public_view(card, history, category_label="Roads › Potholes").model_dump_json()
    assert child.number not in view
    assert "streetlight" not in view.lower()


def test_a_subtask_cannot_have_subtasks(town):
    (_, _), child = staff.create_subtask(
        OPERATOR,
        town.number,
        SubtaskCreate(department="lighting", text="Check the lamp", version=1),
        cards=town.cards,
        directory=town.ports.directory,
        clock=town.clock,
        policy=IntakePolicy(),
    )
    with pytest.raises(TransitionForbidden):
        staff.create_subtask(
            OPERATOR,
            child.number,
            SubtaskCreate(department="roads", text="And the road", version=1),
            cards=town.cards,
            directory=town.ports.directory,
            clock=town.clock,
            policy=IntakePolicy(),
        )

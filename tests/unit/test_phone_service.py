"""The IVR's steps at service level: a caller is known by their number, a card is made once per
call, and a status is told only to the phone it was registered with or with a code."""

from __future__ import annotations

from chalicelib.domain.notifications import NotificationKind, Occasion
from chalicelib.services.phone import Call

CALLER = "+79165554433"


def _call(contact: str = "contact-1", phone: str = CALLER) -> Call:
    return Call(contact_id=contact, phone=phone, locale="en")


def test_a_call_makes_one_card_whatever_the_retries(town):
    first = town.phone.create(_call(), "2", "The streetlight at Lenina 5 is out")
    again = town.phone.create(_call(), "2", "The streetlight at Lenina 5 is out")
    assert first["result"] == "created"
    assert again["number"] == first["number"]
    card = town.cards.get(first["number"])
    assert card.category == "lighting.streetlight_out"
    assert card.requester.phone == CALLER


def test_an_unknown_topic_key_is_said_to_be_invalid(town):
    assert town.phone.create(_call(), "7", "Something")["result"] != "created"


def test_the_caller_is_known_after_their_first_card(town):
    assert town.phone.lookup_caller(_call())["result"] != "known"
    town.phone.create(_call(), "1", "A deep pothole on Lenina 5")
    assert town.phone.lookup_caller(_call("contact-2"))["result"] == "known"


def test_the_status_is_told_to_the_registered_phone_only(town):
    number = town.phone.create(_call(), "1", "A deep pothole on Lenina 5")["number"]
    digits = number.replace("-", "")
    own = town.phone.status(_call("contact-2"), digits, "")
    assert own["result"] == "ok"
    assert own["number"] == number
    stranger = _call("contact-3", phone="+79160000000")
    assert town.phone.status(stranger, digits, "") == {"result": "verify", "number": number}
    assert town.phone.status(stranger, digits, "000000")["result"] == "not_found"
    # An unknown number answers like a known one, key for key: trying numbers tells nothing.
    assert town.phone.status(stranger, "2026999999", "") == {
        "result": "verify",
        "number": "2026-999999",
    }
    assert town.phone.status(stranger, "2026999999", "000000") == {"result": "not_found"}


def test_a_code_is_sent_to_the_request_s_contact_whether_or_not_the_number_exists(town):
    number = town.phone.create(_call(), "1", "A deep pothole on Lenina 5")["number"]
    assert town.phone.send_code(_call("c4", "+79160000000"), number.replace("-", "")) == {
        "result": "sent"
    }
    assert town.phone.send_code(_call("c5", "+79160000000"), "2026999999") == {"result": "sent"}
    kinds = [m.kind for m in town.outbox.for_card(number)]
    assert kinds.count("access_code") == 1


def test_a_caller_who_gave_no_name_is_greeted_without_one_in_their_language(town, clock):
    call = Call(contact_id="ru-1", phone="+79161112233", locale="ru")
    number = town.phone.create(call, "1", "Яма у дома пять")["number"]
    card = town.cards.get(number)
    assert card.subject == "Дороги › Ямы на дороге (звонок)"
    assert card.requester.full_name == "Звонок"  # what staff see for an unnamed caller
    greeting = town.notifier.preview(card, Occasion(NotificationKind.RECEIPT), at=clock.now())
    assert greeting.text.startswith("Здравствуйте!")
    assert "Звонок" not in greeting.text
    english = town.cards.get(town.phone.create(_call("en-1"), "1", "A pothole")["number"])
    assert (
        "Phone caller"
        not in town.notifier.preview(
            english, Occasion(NotificationKind.RECEIPT), at=clock.now()
        ).text
    )

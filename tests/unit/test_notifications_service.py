"""What the requester is sent, at service level: links built in one place, and a template that
breaks at render time never costs the message."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from chalicelib.domain.message_templates import TemplateVersion
from chalicelib.domain.signed_links import status_page_url
from chalicelib.services.commands import CardCreate
from tests.conftest import card_form


def test_the_status_link_carries_the_number_and_a_quoted_token_in_the_fragment():
    url = status_page_url("https://portal.town.example", "2026-000042", "a+b/c=d&e")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "portal.town.example",
        "/status.html",
    )
    assert parse_qs(parts.query) == {"n": ["2026-000042"]}
    assert parts.fragment.startswith("t=")
    assert "&" not in parts.fragment  # nothing a browser or the page splits on
    assert "/" not in parts.fragment
    assert unquote(parts.fragment.removeprefix("t=")) == "a+b/c=d&e"
    survey = urlsplit(status_page_url("https://p.example", "2026-000042", "tok", survey=True))
    assert parse_qs(survey.query) == {"n": ["2026-000042"], "survey": ["1"]}


def test_the_receipt_links_to_the_status_page_with_the_receipt_s_token(town, settings):
    receipt = town.intake.submit(CardCreate.model_validate(card_form()), key=None)
    (message,) = town.outbox.for_card(receipt.card.number)
    expected = status_page_url(settings.public_base_url, receipt.card.number, receipt.access_token)
    assert message.email is not None
    assert expected in message.email.text


def test_a_town_template_that_breaks_when_rendered_falls_back_to_the_shipped_one(town, clock):
    broken = "{% block subject %}{{ 1 // 0 }}{% endblock %}{% block text %}x{% endblock %}"
    town.templates.save(
        TemplateVersion(
            kind="receipt",
            locale="en",
            scope="town",
            version=1,
            source=broken + "{% block html %}x{% endblock %}{% block sms %}x{% endblock %}",
            saved_at=clock.now(),
            saved_by="adm-dmitry",
        )
    )
    receipt = town.intake.submit(CardCreate.model_validate(card_form()), key=None)
    (message,) = town.outbox.for_card(receipt.card.number)
    assert message.email is not None
    assert receipt.card.number in message.email.subject  # the shipped receipt's subject

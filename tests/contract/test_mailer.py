"""One contract, every Mailer: the recording twin and SES under moto (raw MIME)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from chalicelib.adapters.memory_mail import RecordingMailer
from chalicelib.adapters.ses_mailer import SesMailer
from chalicelib.domain.errors import DeliveryFailed
from chalicelib.ports import Mailer, OutgoingMail


@dataclass
class Post:
    mailer: Mailer
    delivered: Callable[[], list[bytes]]  # the raw mails the provider took


@pytest.fixture(params=["memory", "ses"])
def post(request, settings) -> Iterator[Post]:
    town = settings.mail_from.rsplit("@", 1)[-1]
    if request.param == "memory":
        memory = RecordingMailer(sender_domains={town})
        yield Post(memory, lambda: [m.raw for m in memory.sent])
    else:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        ses = request.getfixturevalue("aws")["ses"]
        backend = ses_backends[DEFAULT_ACCOUNT_ID][ses.meta.region_name]

        def delivered() -> list[bytes]:
            return [m.raw_data.encode() for m in backend.sent_messages]

        yield Post(SesMailer(ses), delivered)


def _mail(sender: str, subject: str) -> OutgoingMail:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "anna@example.org"
    message["Subject"] = subject
    message["Message-ID"] = "<reply-1@requests.town.example>"
    message.set_content("Your request 2026-000001 is registered.")
    return OutgoingMail("<reply-1@requests.town.example>", "anna@example.org", message.as_bytes())


def test_a_mail_leaves_as_composed(post, settings):
    post.mailer.send(_mail(settings.mail_from, "Заявка 2026-000001 зарегистрирована"))
    (raw,) = post.delivered()
    sent = message_from_bytes(raw, policy=default)
    assert sent["Message-ID"] == "<reply-1@requests.town.example>"
    assert sent["Subject"] == "Заявка 2026-000001 зарегистрирована"


def test_a_mail_from_an_address_the_town_may_not_send_as_is_refused_for_good(post):
    with pytest.raises(DeliveryFailed) as refused:
        post.mailer.send(_mail("mayor@elsewhere.example", "Hello"))
    assert refused.value.permanent
    assert post.delivered() == []

"""One contract, every RawMailStore: the in-memory twin and the inbound S3 bucket under moto."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from chalicelib.adapters.memory_mail import InMemoryRawMailStore
from chalicelib.adapters.s3_raw_mail import S3RawMailStore
from chalicelib.domain.errors import NotFound, PayloadTooLarge
from chalicelib.ports import RawMailStore

MAIL = b"From: anna@example.org\r\nSubject: Pothole\r\n\r\nA deep pothole on Lenina 5.\r\n"


@dataclass
class Store:
    mail: RawMailStore
    receive: Callable[[str, bytes], None]  # what SES's S3 action does on receipt


@pytest.fixture(params=["memory", "s3"])
def store(request, settings) -> Iterator[Store]:
    if request.param == "memory":
        memory = InMemoryRawMailStore()
        yield Store(memory, memory.add)
    else:
        s3 = request.getfixturevalue("aws")["s3"]

        def put(message_id: str, raw: bytes) -> None:
            s3.put_object(Bucket=settings.inbound_bucket, Key=f"inbound/{message_id}", Body=raw)

        yield Store(S3RawMailStore(s3, settings.inbound_bucket), put)


def test_a_received_mail_is_read_whole_within_the_limit(store):
    store.receive("m1", MAIL)
    assert store.mail.read("m1", max_bytes=len(MAIL)) == MAIL
    with pytest.raises(PayloadTooLarge):
        store.mail.read("m1", max_bytes=len(MAIL) - 1)


def test_a_mail_that_is_not_there_is_not_found(store):
    with pytest.raises(NotFound):
        store.mail.read("never-received", max_bytes=1000)
    with pytest.raises(NotFound):
        store.mail.restore("never-shelved", "dead-letter")


def test_a_shelved_mail_keeps_its_reason_and_verdicts_and_comes_back(store):
    store.receive("m2", MAIL)
    store.receive("m3", MAIL)
    verdicts = {"spam": "FAIL", "virus": "PASS", "dmarc": "GRAY"}
    store.mail.shelve("m2", "quarantine", reason="spam FAIL — похоже на спам", verdicts=verdicts)
    (shelved,) = store.mail.shelved("quarantine")
    assert (shelved.message_id, shelved.shelf) == ("m2", "quarantine")
    assert shelved.reason == "spam FAIL — похоже на спам"
    assert shelved.verdicts == verdicts
    assert store.mail.shelved("dead-letter") == []
    with pytest.raises(NotFound):
        store.mail.read("m2", max_bytes=1000)  # no longer waiting in inbound
    assert store.mail.read("m3", max_bytes=1000) == MAIL  # the other mail is untouched
    assert store.mail.read_shelved("m2", "quarantine", max_bytes=1000) == MAIL
    with pytest.raises(NotFound):
        store.mail.read_shelved("m3", "quarantine", max_bytes=1000)

    restored = store.mail.restore("m2", "quarantine")
    assert restored == shelved
    assert store.mail.shelved("quarantine") == []
    assert store.mail.read("m2", max_bytes=1000) == MAIL


def test_shelves_list_every_mail_on_them(store):
    for index in range(3):
        store.receive(f"d{index}", MAIL)
        store.mail.shelve(f"d{index}", "dead-letter", reason=f"reason {index}", verdicts={})
    listed = sorted((m.message_id, m.reason) for m in store.mail.shelved("dead-letter"))
    assert listed == [("d0", "reason 0"), ("d1", "reason 1"), ("d2", "reason 2")]


def test_a_mail_that_was_never_stored_is_shelved_as_a_record_and_run_again_once_it_is(store):
    store.mail.shelve("lost", "dead-letter", reason="not found in storage", verdicts={})
    (record,) = store.mail.shelved("dead-letter")
    assert (record.message_id, record.reason) == ("lost", "not found in storage")
    with pytest.raises(NotFound):
        store.mail.read_shelved("lost", "dead-letter", max_bytes=1000)
    store.receive("lost", MAIL)  # SES's copy turns up after all
    assert store.mail.restore("lost", "dead-letter") == record
    assert store.mail.shelved("dead-letter") == []
    assert store.mail.read("lost", max_bytes=1000) == MAIL  # the late copy is kept

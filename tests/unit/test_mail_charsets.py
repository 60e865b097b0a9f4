"""The charset chain: each step decodes what the one before could not, and says it did."""

from __future__ import annotations

import pytest

from chalicelib.adapters.mail_charsets import Step, decode, decode_iso2022jp_ms

PHRASE = "Яма на дороге у дома 5"


@pytest.mark.parametrize(
    ("data", "declared", "text", "step"),
    [
        (PHRASE.encode("koi8_r"), "koi8-r", PHRASE, Step.DECLARED),
        ("朱镕基路".encode("gbk"), "gb2312", "朱镕基路", Step.SUPERSET),
        ("c’est très".encode("cp1252"), "iso-8859-1", "c’est très", Step.SUPERSET),
        ("①②".encode("cp932"), "shift_jis", "①②", Step.SUPERSET),
        (PHRASE.encode(), "windows-1251", PHRASE, Step.UTF8),  # the label lied
        (PHRASE.encode(), "x-unknown", PHRASE, Step.UTF8),
        (PHRASE.encode("koi8_r"), None, PHRASE, Step.DETECTED),
        (PHRASE.encode("cp1251"), "utf-8", PHRASE, Step.DETECTED),
        (PHRASE.encode("cp866"), None, PHRASE, Step.DETECTED),
    ],
)
def test_each_step_decodes_what_the_one_before_could_not(data, declared, text, step):
    found = decode(data, declared)
    assert (found.text, found.step) == (text, step)


def test_a_hint_reads_a_short_raw_header_the_detector_could_not_be_sure_of():
    found = decode("Анна".encode("koi8_r"), None, hints=("koi8-r",))
    assert (found.text, found.step) == ("Анна", Step.DECLARED)


def test_what_fits_nothing_is_replaced_and_said_so():
    found = decode(b"\x81\x8d\x8f\x90\x9d", "iso-8859-1")
    assert found.step in (Step.DETECTED, Step.REPLACED)
    assert found.text  # never raises, never empty


def test_windows_iso2022jp_with_nec_characters_and_half_width_katakana():
    nec = b"\x1b$B-!-\x22\x1b(B abc \x1b(I12\x1b(B"  # ① ② then ASCII then ｱｲ
    assert decode_iso2022jp_ms(nec) == "①② abc ｱｲ"
    assert decode(nec, "ISO-2022-JP").step == Step.SUPERSET
    with pytest.raises(UnicodeDecodeError):
        decode_iso2022jp_ms(b"\x1b$Zxx")

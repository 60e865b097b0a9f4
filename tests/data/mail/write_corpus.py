"""Writes the mail corpus beside it: one ``<kind>.eml`` per kind of mail as it really arrives
(charsets declared, undeclared and mislabelled, forwarded messages, odd senders, broken headers),
and ``<kind>.json`` with what a clerk should read from it: the sender the card records, the
subject, and words of the body.

The messages are built byte by byte here (a mail program's charset is the point of most of
them), so the corpus can be read and regenerated: ``python tests/data/mail/write_corpus.py``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _headers(*lines: bytes) -> bytes:
    return b"".join(line + b"\r\n" for line in lines)


def _mail(headers: bytes, body: bytes) -> bytes:
    return headers + b"\r\n" + body


def _case(sender: str, subject: str, *words: str, **extra: Any) -> dict[str, Any]:
    return {"sender": sender, "subject": subject, "text": list(words), **extra}


CASES: dict[str, tuple[bytes, dict[str, Any]]] = {}


def case(name: str, raw: bytes, expected: dict[str, Any]) -> None:
    CASES[name] = (raw, expected)


# --- What already worked: the baselines every change must keep. ---------------------------
case(
    "plain_utf8",
    _mail(
        _headers(
            b"From: Anna Ivanova <anna@example.org>",
            b"To: requests@town.example",
            b"Subject: Pothole on Lenina 5",
            b"Message-ID: <plain-utf8@example.org>",
            b"Content-Type: text/plain; charset=utf-8",
        ),
        "A deep pothole by the bus stop. Глубокая яма у остановки.\r\n".encode(),
    ),
    _case("anna@example.org", "Pothole on Lenina 5", "deep pothole", "Глубокая яма"),
)
case(
    "html_only_cp1251_quoted_printable",
    _mail(
        _headers(
            b"From: =?windows-1251?B?"
            + base64.b64encode("Анна".encode("cp1251"))
            + b"?= <anna@example.org>",
            b"To: requests@town.example",
            b"Subject: =?windows-1251?Q?=DF=EC=E0?=",
            b"Message-ID: <html-cp1251@example.org>",
            b"Content-Type: text/html; charset=windows-1251",
            b"Content-Transfer-Encoding: quoted-printable",
        ),
        b"<p>=C3=EB=F3=E1=EE=EA=E0=FF =FF=EC=E0 =F3 =E4=EE=EC=E0 5</p>\r\n",
    ),
    _case("anna@example.org", "Яма", "Глубокая яма у дома 5"),
)

# --- 1. A forwarded message whose inner headers the standard library cannot re-serialise. ---
_OUTLOOK_ID = b"<[" + b"A1B2C3D4E5F6" * 6 + b"=@example.com]>"
_FORWARDED = (
    _headers(
        b"From: Boris Petrov <boris@example.net>",
        b"To: anna@example.org",
        b"Subject: Broken streetlight",
        b"Message-ID: " + _OUTLOOK_ID,
        b"Content-Type: text/plain; charset=utf-8",
    )
    + b"\r\nThe streetlight at Lenina 7 has been dark for a week.\r\n"
)
case(
    "forwarded_message_with_outlook_bracket_message_id",
    _mail(
        _headers(
            b"From: Anna Ivanova <anna@example.org>",
            b"To: requests@town.example",
            b"Subject: Fwd: Broken streetlight",
            b"Message-ID: <fwd-outlook@example.org>",
            b"MIME-Version: 1.0",
            b"Content-Type: multipart/mixed; boundary=OUTER",
        ),
        b"--OUTER\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"My neighbour wrote this to me; please fix it.\r\n"
        b"--OUTER\r\nContent-Type: message/rfc822\r\n\r\n" + _FORWARDED + b"\r\n--OUTER--\r\n",
    ),
    _case(
        "anna@example.org",
        "Broken streetlight",  # the card's subject goes without Fwd:/Re: prefixes
        "please fix it",
        "--- Forwarded message from boris@example.net ---",
        "dark for a week",
    ),
)

# --- 2. Undeclared and mislabelled charsets. -------------------------------------------------
_KOI8_BODY = (
    "Добрый день! Возле дома номер пять на улице Ленина большая яма на дороге, "
    "машины объезжают её по встречной полосе. Просим заделать как можно скорее."
)
case(
    "koi8r_body_without_charset",
    _mail(
        _headers(
            b"From: Anna Ivanova <anna@example.org>",
            b"To: requests@town.example",
            b"Subject: Pothole",
            b"Message-ID: <koi8-undeclared@example.org>",
            b"MIME-Version: 1.0",
            b"Content-Type: text/plain",
            b"Content-Transfer-Encoding: 8bit",
        ),
        _KOI8_BODY.encode("koi8_r") + b"\r\n",
    ),
    _case("anna@example.org", "Pothole", "большая яма на дороге", "как можно скорее"),
)
case(
    "raw_8bit_headers_koi8r",
    _mail(
        _headers(
            b"From: " + "Анна Иванова".encode("koi8_r") + b" <anna@example.org>",
            b"To: requests@town.example",
            b"Subject: " + "Яма на дороге у дома 5".encode("koi8_r"),
            b"Message-ID: <koi8-headers@example.org>",
            b"Content-Type: text/plain; charset=koi8-r",
            b"Content-Transfer-Encoding: 8bit",
        ),
        _KOI8_BODY.encode("koi8_r") + b"\r\n",
    ),
    _case(
        "anna@example.org",
        "Яма на дороге у дома 5",
        "большая яма",
        sender_name="Анна Иванова",
    ),
)
_CHINESE = "路灯坏了，晚上很黑，请尽快修理。"
case(
    "raw_8bit_headers_gb2312",
    _mail(
        _headers(
            b"From: " + "王伟".encode("gb2312") + b" <wang@example.cn>",
            b"To: requests@town.example",
            b"Subject: " + "路灯坏了".encode("gb2312"),
            b"Message-ID: <gb2312-headers@example.cn>",
            b"Content-Type: text/plain; charset=gb2312",
            b"Content-Transfer-Encoding: 8bit",
        ),
        _CHINESE.encode("gb2312") + b"\r\n",
    ),
    _case("wang@example.cn", "路灯坏了", "请尽快修理", sender_name="王伟"),
)
_JAPANESE = "道路に大きな穴があります。早く直してください。"
case(
    "raw_8bit_headers_shift_jis",
    _mail(
        _headers(
            b"From: " + "山田太郎".encode("shift_jis") + b" <yamada@example.jp>",
            b"To: requests@town.example",
            b"Subject: " + "道路の穴".encode("shift_jis"),
            b"Message-ID: <sjis-headers@example.jp>",
            b"Content-Type: text/plain; charset=Shift_JIS",
            b"Content-Transfer-Encoding: 8bit",
        ),
        _JAPANESE.encode("shift_jis") + b"\r\n",
    ),
    _case("yamada@example.jp", "道路の穴", "早く直してください", sender_name="山田太郎"),
)
case(
    "raw_8bit_headers_iso8859_1",
    _mail(
        _headers(
            b"From: " + "Zoé Müller".encode("latin-1") + b" <zoe@example.fr>",
            b"To: requests@town.example",
            b"Subject: " + "Trottoir cassé près du café".encode("latin-1"),
            b"Message-ID: <latin1-headers@example.fr>",
            b"Content-Type: text/plain; charset=iso-8859-1",
            b"Content-Transfer-Encoding: 8bit",
        ),
        "Le trottoir près du café est cassé, c’est très dangereux.".encode("cp1252") + b"\r\n",
    ),
    # The body says ’ (0x92): ISO-8859-1 has no such character, windows-1252 does.
    _case(
        "zoe@example.fr",
        "Trottoir cassé près du café",
        "c’est très dangereux",
        sender_name="Zoé Müller",
    ),
)
_GBK_ONLY = "镕"  # in GBK (and GB18030), not in GB2312
case(
    "gb2312_label_on_gbk_text",
    _mail(
        _headers(
            b"From: Wang Wei <wang@example.cn>",
            b"To: requests@town.example",
            b"Subject: =?gb2312?B?"
            + base64.b64encode(("朱" + _GBK_ONLY + "基路灯").encode("gbk"))
            + b"?=",
            b"Message-ID: <gbk-as-gb2312@example.cn>",
            b"Content-Type: text/plain; charset=gb2312",
            b"Content-Transfer-Encoding: base64",
        ),
        base64.encodebytes((_CHINESE + "朱" + _GBK_ONLY + "基路").encode("gbk")).replace(
            b"\n", b"\r\n"
        ),
    ),
    _case("wang@example.cn", "朱" + _GBK_ONLY + "基路灯", "朱" + _GBK_ONLY + "基路"),
)


def _iso2022jp_nec(text: str) -> bytes:
    """``text`` as Windows writes ISO-2022-JP (CP50220): JIS X 0208 with the NEC special
    characters (①, ㈱) of row 13, which the strict codecs refuse."""
    out = bytearray()
    for char in text:
        if ord(char) < 0x80:
            out += b"\x1b(B" + char.encode()
            continue
        sjis = char.encode("cp932")
        s1, s2 = sjis[0], sjis[1]
        row = (s1 - (0x70 if s1 < 0xA0 else 0xB0)) * 2
        if s2 < 0x9F:
            j1, j2 = row - 1, s2 - (0x1F if s2 < 0x80 else 0x20)
        else:
            j1, j2 = row, s2 - 0x7E
        out += b"\x1b$B" + bytes([j1, j2])
    return bytes(out + b"\x1b(B").replace(b"\x1b(B\x1b(B", b"\x1b(B")


case(
    "iso2022jp_with_nec_circled_digits",
    _mail(
        _headers(
            b"From: Yamada <yamada@example.jp>",
            b"To: requests@town.example",
            b"Subject: Road",
            b"Message-ID: <iso2022jp-nec@example.jp>",
            b"Content-Type: text/plain; charset=ISO-2022-JP",
            b"Content-Transfer-Encoding: 7bit",
        ),
        _iso2022jp_nec("①道路に穴②信号が故障") + b"\r\n",
    ),
    _case("yamada@example.jp", "Road", "①道路に穴②信号が故障"),
)
case(
    "utf8_part_without_content_type",
    _mail(
        _headers(
            b"From: Anna Ivanova <anna@example.org>",
            b"To: requests@town.example",
            b"Subject: Lamp",
            b"Message-ID: <no-content-type@example.org>",
        ),
        "Фонарь не горит возле дома 7.\r\n".encode(),
    ),
    _case("anna@example.org", "Lamp", "Фонарь не горит"),
)

# --- 3. An empty plain alternative in front of the HTML one. -------------------------------
case(
    "empty_plain_alternative_before_html",
    _mail(
        _headers(
            b"From: Anna Ivanova <anna@example.org>",
            b"To: requests@town.example",
            b"Subject: Bench broken",
            b"Message-ID: <empty-plain@example.org>",
            b"MIME-Version: 1.0",
            b"Content-Type: multipart/alternative; boundary=ALT",
        ),
        b"--ALT\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n \r\n\r\n"
        b"--ALT\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><body><p>The bench in the park is <b>broken</b>.</p></body></html>\r\n"
        b"--ALT--\r\n",
    ),
    _case("anna@example.org", "Bench broken", "The bench in the park is broken."),
)

# --- 4. Reply-To differs from From: both are the requester's. ------------------------------
case(
    "reply_to_differs_from_from",
    _mail(
        _headers(
            b"From: Anna Ivanova <anna@work.example>",
            b"Reply-To: Anna Ivanova <anna@example.org>",
            b"To: requests@town.example",
            b"Subject: Overflowing bins",
            b"Message-ID: <reply-to@work.example>",
            b"Content-Type: text/plain; charset=utf-8",
        ),
        b"The bins at Lenina 5 overflow every weekend.\r\n",
    ),
    # Replies go to Reply-To; the From address may follow up on the card too.
    _case(
        "anna@example.org",
        "Overflowing bins",
        "overflow every weekend",
        participants=["anna@work.example"],
    ),
)

# --- 5. Senders a person would have recognised. --------------------------------------------
case(
    "no_from_but_reply_to",
    _mail(
        _headers(
            b"Reply-To: Anna Ivanova <anna@example.org>",
            b"To: requests@town.example",
            b"Subject: Graffiti",
            b"Message-ID: <no-from-reply-to@example.org>",
            b"Content-Type: text/plain; charset=utf-8",
        ),
        b"Graffiti on the school fence.\r\n",
    ),
    _case("anna@example.org", "Graffiti", "school fence"),
)
case(
    "no_from_but_sender",
    _mail(
        _headers(
            b"Sender: Anna Ivanova <anna@example.org>",
            b"To: requests@town.example",
            b"Subject: Fallen tree",
            b"Message-ID: <no-from-sender@example.org>",
            b"Content-Type: text/plain; charset=utf-8",
        ),
        b"A tree fell across the path in the park.\r\n",
    ),
    _case("anna@example.org", "Fallen tree", "across the path"),
)
case(
    "from_domain_with_trailing_dot",
    _mail(
        _headers(
            b"From: Anna Ivanova <anna@example.org.>",
            b"To: requests@town.example",
            b"Subject: Broken swing",
            b"Message-ID: <trailing-dot@example.org>",
            b"Content-Type: text/plain; charset=utf-8",
        ),
        b"The swing on the playground is broken.\r\n",
    ),
    _case("anna@example.org", "Broken swing", "swing on the playground"),
)
case(
    "from_empty_address_then_real",
    _mail(
        _headers(
            b"From: <>, Anna Ivanova <anna@example.org>",
            b"To: requests@town.example",
            b"Subject: Icy steps",
            b"Message-ID: <empty-then-real@example.org>",
            b"Content-Type: text/plain; charset=utf-8",
        ),
        b"The steps of the library are icy.\r\n",
    ),
    _case("anna@example.org", "Icy steps", "steps of the library"),
)
case(
    "broken_folded_subject_header",
    _mail(
        _headers(
            b"Subject: Water leak in the basement",
            b"of Lenina 5",
            b"From: Anna Ivanova <anna@example.org>",
            b"To: requests@town.example",
            b"Message-ID: <broken-fold@example.org>",
            b"Content-Type: text/plain; charset=utf-8",
        ),
        b"Water has been leaking into the basement since Monday.\r\n",
    ),
    _case(
        "anna@example.org",
        "Water leak in the basement of Lenina 5",
        "leaking into the basement",
    ),
)
case(
    "body_starts_with_original_message_line",
    _mail(
        _headers(
            b"From: Anna Ivanova <anna@example.org>",
            b"To: requests@town.example",
            b"Subject: FW: Noise at night",
            b"Message-ID: <original-first@example.org>",
            b"Content-Type: text/plain; charset=utf-8",
        ),
        b"---- Original message ----\r\nFrom: Boris Petrov <boris@example.net>\r\n"
        b"Subject: Noise at night\r\n\r\nThe bar on Lenina 9 plays loud music after midnight.\r\n",
    ),
    _case("anna@example.org", "Noise at night", "loud music after midnight"),
)


def main() -> None:
    for name, (raw, expected) in CASES.items():
        (HERE / f"{name}.eml").write_bytes(raw)
        (HERE / f"{name}.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=2) + "\n", "utf-8"
        )
    print(f"{len(CASES)} messages written to {HERE}")


if __name__ == "__main__":
    main()

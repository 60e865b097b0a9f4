"""Bytes of a mail to text, as a person would have read them: the declared charset (or the
superset mail programs really mean by it), then strict UTF-8, then a statistical guess, and only
then replacement characters. Each decoding says which step won, so the share of each is counted.

Why not ``get_content()``: it replaces undecodable bytes silently, so a KOI8-R body with no
charset, or Chinese labelled GB2312 that is really GBK, turns into ``�`` although every byte
could have been read.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from enum import StrEnum


class Step(StrEnum):
    DECLARED = "declared"  # the charset the mail named (or one it implies: a header's hint)
    SUPERSET = "superset"  # what mail programs write under that name (GBK for GB2312, ...)
    UTF8 = "utf-8"  # strict UTF-8, whatever was declared
    DETECTED = "detected"  # the statistical detector's best guess
    REPLACED = "replaced"  # nothing fitted: undecodable bytes became U+FFFD


@dataclass(frozen=True)
class Decoded:
    text: str
    step: Step
    charset: str


# What mail programs mean by a declared name: a superset that reads everything the name reads.
SUPERSETS: dict[str, tuple[str, ...]] = {
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "x-gbk": ("gb18030",),
    "euc-cn": ("gb18030",),
    "iso-8859-1": ("cp1252",),
    "latin1": ("cp1252",),
    "shift_jis": ("cp932",),
    "shift-jis": ("cp932",),
    "sjis": ("cp932",),
    "x-sjis": ("cp932",),
    "euc-kr": ("cp949",),
    "ks_c_5601-1987": ("cp949",),
    "big5": ("big5hkscs", "cp950"),
    "iso-2022-jp": ("iso2022_jp_ext", "iso2022_jp_ms"),
    "tis-620": ("cp874",),
    "iso-8859-11": ("cp874",),
}

# The charsets a detector may choose among: the legacy charsets mail really arrives in. A free
# choice among every codec reads Latin text as Central European and Cyrillic as Japanese.
DETECTABLE = ["cp1251", "koi8_r", "cp1252", "gb18030", "big5", "cp932", "euc_jp", "euc_kr", "cp866"]
# Cyrillic charsets the detector confuses on short text; lower-case letters decide.
_CYRILLIC = ("cp1251", "koi8_r", "cp866")


def decode(data: bytes, declared: str | None = None, *, hints: tuple[str, ...] = ()) -> Decoded:
    """``data`` as text. ``declared``: the charset the mail named for it; ``hints``: charsets
    that apply without being named here (a raw 8-bit header takes the body's)."""
    if declared and _single_byte(declared) and (text := _multibyte_utf8(data)) is not None:
        # A single-byte label on valid multi-byte UTF-8 is a mislabel, not an accident:
        # legacy text never forms those sequences by chance.
        return Decoded(text, Step.UTF8, "utf-8")
    for charset in (declared, *hints):
        if charset and (found := _declared(data, charset)) is not None:
            return (
                found if charset == declared else Decoded(found.text, Step.DECLARED, found.charset)
            )
    if (text := _strict(data, "utf-8")) is not None:
        return Decoded(text, Step.UTF8, "utf-8")
    guessed = _detected(data)
    if guessed is not None:
        return guessed
    return Decoded(data.decode(_codec(declared) or "utf-8", "replace"), Step.REPLACED, "utf-8")


def _declared(data: bytes, declared: str) -> Decoded | None:
    name = declared.strip().strip('"').lower()
    codec = _codec(name)
    if codec is not None and (text := _strict(data, codec)) is not None:
        return Decoded(text, Step.DECLARED, name)
    for superset in SUPERSETS.get(name, ()):
        if (text := _strict(data, superset)) is not None:
            return Decoded(text, Step.SUPERSET, superset)
    return None


def _strict(data: bytes, codec: str) -> str | None:
    """``data`` in ``codec``, or None when it does not fit: an undecodable byte, or a C1
    control character, which no person writes (ISO-8859-1 "reads" windows-1252's quotes and
    dashes as such controls)."""
    try:
        text = decode_iso2022jp_ms(data) if codec == "iso2022_jp_ms" else data.decode(codec)
    except UnicodeDecodeError:
        return None
    return None if _C1_CONTROLS.search(text) else text


_C1_CONTROLS = re.compile("[\x80-\x9f]")


_SINGLE_BYTE = ("cp125", "iso8859", "koi8", "cp866", "latin", "mac-", "cp437", "cp850", "cp874")


def _single_byte(declared: str) -> bool:
    codec = _codec(declared.strip().strip('"').lower())
    return codec is not None and codec.startswith(_SINGLE_BYTE)


def _multibyte_utf8(data: bytes) -> str | None:
    if data.isascii():
        return None
    return _strict(data, "utf-8")


def _codec(name: str | None) -> str | None:
    """The Python codec for a charset name, or None for a name no codec knows."""
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _detected(data: bytes) -> Decoded | None:
    from charset_normalizer import from_bytes  # only mail that needs guessing pays for it

    best = from_bytes(data, cp_isolation=DETECTABLE).best()
    if best is None or best.encoding is None:
        return None
    charset = best.encoding
    if charset in _CYRILLIC:
        # Short Cyrillic text fits every Cyrillic table; the right one reads as lower-case
        # letters, the wrong ones as capitals or box drawing.
        charset = max(_CYRILLIC, key=lambda c: _lower_cyrillic_share(data.decode(c, "replace")))
    return Decoded(data.decode(charset, "replace"), Step.DETECTED, charset)


def _lower_cyrillic_share(text: str) -> float:
    """Lower-case Cyrillic letters among the characters beyond ASCII."""
    beyond_ascii = [c for c in text if ord(c) > 0x7F]
    lower = sum("\u0430" <= c <= "\u045f" for c in beyond_ascii)
    return lower / len(beyond_ascii) if beyond_ascii else 0.0


def decode_iso2022jp_ms(data: bytes) -> str:
    """ISO-2022-JP as Windows writes it (CP50220/50221): JIS X 0208 plus the NEC special
    characters (①, ㈱, Roman numerals) and the IBM extensions, read through their Shift_JIS
    (cp932) code points; half-width katakana by ``ESC ( I``. Raises UnicodeDecodeError on
    anything else."""
    out: list[str] = []
    mode = "ascii"
    index = 0
    while index < len(data):
        if data[index] == 0x1B:
            sequence = data[index + 1 : index + 3]
            mode = {b"(B": "ascii", b"(J": "ascii", b"$B": "jis", b"$@": "jis", b"(I": "kana"}.get(
                bytes(sequence), ""
            )
            if not mode:
                raise UnicodeDecodeError("iso2022_jp_ms", data, index, index + 3, "escape")
            index += 3
            continue
        byte = data[index]
        if mode == "jis" and byte not in (0x0A, 0x0D):
            if index + 1 >= len(data):
                raise UnicodeDecodeError("iso2022_jp_ms", data, index, index + 1, "truncated")
            out.append(_jis_pair(byte, data[index + 1]).decode("cp932"))
            index += 2
            continue
        out.append(chr(byte + 0xFF40) if mode == "kana" and 0x21 <= byte <= 0x5F else chr(byte))
        index += 1
    return "".join(out)


def _jis_pair(first: int, second: int) -> bytes:
    """A JIS X 0208 code (row, cell) as its Shift_JIS bytes."""
    lead = (first + 1) // 2 + (0x70 if first <= 0x5E else 0xB0)
    # Odd rows take the low half of the trail bytes (skipping 0x7F), even rows the high half.
    trail = second + (0x1F if second < 0x60 else 0x20) if first % 2 else second + 0x7E
    return bytes([lead, trail])

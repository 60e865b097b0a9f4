"""Words to their stems, English and Russian alike: "streetlights" and "streetlight", "фонари"
and "фонарей" meet. What OpenSearch's english and russian analyzers do, for the embedded index."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Letters and digits of either alphabet; "ё" is folded to "е" as the russian analyzer does.
_WORD = re.compile(r"[0-9a-zа-яё]+")
_CYRILLIC = re.compile(r"[а-яё]")
STOP_WORDS = frozenset(
    {"a", "an", "and", "at", "by", "for", "in", "is", "it", "of", "on", "or", "the", "to"}
    | {"в", "во", "и", "к", "на", "не", "о", "по", "с", "со", "у", "за", "от", "до", "из"}
)


@lru_cache(maxsize=2)
def _stemmer(language: str) -> Any:
    # Imported when first needed: a cold start that reads no words does not load Snowball.
    import snowballstemmer

    return snowballstemmer.stemmer(language)


def words(text: str) -> list[str]:
    """The text's words, lower-cased, in order (stop words kept: snippets need them)."""
    return _WORD.findall(text.lower().replace("ё", "е"))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    language = "russian" if _CYRILLIC.search(word) else "english"
    return str(_stemmer(language).stemWord(word))


def stems(text: str) -> list[str]:
    """The stems of the text's words, stop words dropped: what is indexed and searched for."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]

"""English and Russian word forms meet at one stem; stop words do not count."""

from __future__ import annotations

import pytest

from chalicelib.adapters.word_forms import stems, words


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("streetlights", "streetlight"),
        ("Broken", "broken"),
        ("фонари", "фонарей"),
        ("улице Ленина", "улица ленина"),
        ("ёлка", "елки"),
    ],
)
def test_forms_of_a_word_share_a_stem(one, other):
    assert stems(one) == stems(other)


def test_stop_words_are_dropped_but_words_keep_their_order():
    assert words("The light on Lenina, 5") == ["the", "light", "on", "lenina", "5"]
    assert stems("the light on the street") == ["light", "street"]
    assert stems("фонарь на улице") == stems("фонарь улица")

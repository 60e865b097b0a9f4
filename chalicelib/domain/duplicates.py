"""Likely duplicates: which cards report the same thing as a new one, and why we think so.

A card is filed for the look-up under its topic and its place (a geohash cell, or its
normalised address when it has no point; see ``twin_of``). A look-up reads the cells its radius
touches, keeps the cards of the same topic within the radius (or at the same address), open
or finished in the last ``FINISHED_WITHIN``, and ranks them by distance, age and how alike
their words are. Pure: the words' stems are computed by the caller's ``stems``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain import geo
from chalicelib.domain.card import Card, Location, Status
from chalicelib.domain.public_view import first_public_photo

DEFAULT_RADIUS_METRES = 250
FINISHED_WITHIN = timedelta(days=30)
MOST_WORDS = 24  # the stems kept per card: the subject's and the description's first
WORDS_FROM = 600  # characters of the description the stems come from
MOST_FOUND = 10
# How long after it closed a card may still take others merged into it.
MERGE_INTO_CLOSED_WITHIN = timedelta(days=30)

Stems = Callable[[str], Iterable[str]]

# Words an address carries that do not tell places apart ("Lenina st. 5" is "ул. Ленина, д. 5").
_ADDRESS_NOISE = frozenset(
    {"st", "street", "str", "rd", "road", "ave", "avenue", "sq", "square", "lane", "ln", "no"}
    | {"ул", "улица", "д", "дом", "пр", "просп", "проспект", "пер", "переулок", "пл", "площадь"}
    | {"г", "город", "town", "city", "house", "bldg", "корп", "к", "стр"}
)
_ADDRESS_WORD = re.compile(r"[0-9a-zа-я]+")


def address_key(address: str | None) -> str | None:
    """The address's words without the kind of street, case, punctuation or order: the same
    place written two ways meets. None when nothing is left."""
    if not address:
        return None
    found = _ADDRESS_WORD.findall(address.lower().replace("ё", "е"))
    kept = sorted({w for w in found if w not in _ADDRESS_NOISE})
    return " ".join(kept) or None


@dataclass(frozen=True)
class Twin:
    """A card as the duplicate look-up knows it: topic, status, dates, place and word stems
    (what the index holds; no person, no text a reader could follow)."""

    number: str
    category: str
    status: Status
    created_at: datetime
    finished_at: datetime | None
    latitude: float | None
    longitude: float | None
    address: str | None
    address_key: str | None
    words: frozenset[str]
    photo: str | None = None  # the first photo's thumbnail key
    followers: int = 0

    @property
    def cell(self) -> str | None:
        if self.latitude is None or self.longitude is None:
            return None
        return geo.encode(self.latitude, self.longitude)


def twin_of(card: Card, stems: Stems) -> Twin | None:
    """The card's line for the look-up, or None: a sensitive topic (about a person, not a
    place; never shown to the public), a subtask (the town's own work), a card merged into
    another (its main card stands for it) and a card with neither point nor address."""
    where = card.location or Location()
    key = address_key(where.address)
    has_point = where.latitude is not None and where.longitude is not None
    if card.sensitive or card.is_subtask or card.merged_into or not (has_point or key):
        return None
    return Twin(
        number=card.number,
        category=card.category,
        status=card.status,
        created_at=card.created_at,
        finished_at=finished_at(card),
        latitude=where.latitude if has_point else None,
        longitude=where.longitude if has_point else None,
        address=where.address,
        address_key=key,
        words=words_of(f"{card.subject} {card.description[:WORDS_FROM]}", stems),
        photo=first_public_photo(card),
        followers=len(card.followers),
    )


def finished_at(card: Card) -> datetime | None:
    if not card.status.is_final:
        return None
    marks = card.milestones
    closed = marks.closed_at if card.status == Status.CLOSED else None
    return closed or marks.resolved_at or card.updated_at


def words_of(text: str, stems: Stems) -> frozenset[str]:
    kept: list[str] = []
    for stem in stems(text):
        if len(stem) > 1 and stem not in kept:
            kept.append(stem)
        if len(kept) == MOST_WORDS:
            break
    return frozenset(kept)


@dataclass(frozen=True)
class Sought:
    """What a look-up is for: a topic at a place, with words; ``number`` is the card itself
    (never its own duplicate)."""

    category: str
    latitude: float | None
    longitude: float | None
    address_key: str | None
    words: frozenset[str]
    radius_metres: float
    number: str | None = None

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def cells(self) -> list[str]:
        if self.latitude is None or self.longitude is None:
            return []
        return geo.covering(self.latitude, self.longitude, self.radius_metres)


def sought_for(card: Card, radius_metres: float, stems: Stems) -> Sought:
    where = card.location or Location()
    return Sought(
        category=card.category,
        latitude=where.latitude,
        longitude=where.longitude,
        address_key=address_key(where.address),
        words=words_of(f"{card.subject} {card.description[:WORDS_FROM]}", stems),
        radius_metres=radius_metres,
        number=card.number,
    )


@dataclass(frozen=True)
class Likely:
    """A likely duplicate and the reasons: the same topic, how far (None: the same address,
    no points to measure), how much older (negative: newer) and how alike the words are."""

    twin: Twin
    distance_metres: float | None
    days_older: int
    similarity: float
    score: float

    @property
    def same_address(self) -> bool:
        return self.distance_metres is None


def likely(sought: Sought, twins: Iterable[Twin], *, now: datetime, at: datetime) -> list[Likely]:
    """The twins that likely report what ``sought`` does, best first: same topic, within the
    radius (or at the same address when either has no point), open or finished since
    ``FINISHED_WITHIN`` before ``now``. ``at``: when the sought card was made (now for a form
    being filled), for the ages."""
    found: dict[str, Likely] = {}
    for twin in twins:
        if twin.category != sought.category or twin.number == sought.number:
            continue
        if twin.finished_at is not None and now - twin.finished_at > FINISHED_WITHIN:
            continue
        distance = _distance(sought, twin)
        if distance is _FAR:
            continue
        similarity = _similarity(sought.words, twin.words)
        days_older = (
            (at - twin.created_at).days if at >= twin.created_at else -((twin.created_at - at).days)
        )
        score = _score(distance, sought.radius_metres, similarity, abs(days_older), twin)
        found[twin.number] = Likely(twin, distance, days_older, similarity, score)
    return sorted(found.values(), key=lambda f: (-f.score, f.twin.number))[:MOST_FOUND]


_FAR = -1.0


def _distance(sought: Sought, twin: Twin) -> float | None:
    """Metres between them, None for the same address without points, ``_FAR`` otherwise."""
    if (
        sought.latitude is not None
        and sought.longitude is not None
        and twin.latitude is not None
        and twin.longitude is not None
    ):
        metres = geo.distance_metres(
            sought.latitude, sought.longitude, twin.latitude, twin.longitude
        )
        return metres if metres <= sought.radius_metres else _FAR
    if sought.address_key and sought.address_key == twin.address_key:
        return None
    return _FAR


def _similarity(mine: frozenset[str], theirs: frozenset[str]) -> float:
    """How many of the shorter text's words the other has (0 to 1): a short subject inside a
    long description still counts as alike."""
    if not mine or not theirs:
        return 0.0
    return len(mine & theirs) / min(len(mine), len(theirs))


def _score(
    distance: float | None, radius: float, similarity: float, days_apart: int, twin: Twin
) -> float:
    """Nearness weighs most, then words, then how recent; a finished card a little less (it
    may be a new fault at the same place)."""
    near = 1.0 if distance is None else max(0.0, 1 - distance / radius) if radius else 1.0
    recent = 1 / (1 + days_apart / 7)
    score = 0.5 * near + 0.3 * similarity + 0.2 * recent
    return round(score * (0.8 if twin.finished_at else 1.0), 4)


def reason(found: Likely) -> str:
    """The reason in English, as staff read it: "same topic, 40 m, 2 days older"."""
    parts = ["same topic"]
    parts.append(
        "same address" if found.distance_metres is None else f"{found.distance_metres:.0f} m"
    )
    days = found.days_older
    if days == 0:
        parts.append("the same day")
    else:
        word = "day" if abs(days) == 1 else "days"
        parts.append(f"{abs(days)} {word} {'older' if days > 0 else 'newer'}")
    if found.similarity >= 0.5:
        parts.append("similar words")
    if found.twin.finished_at is not None:
        parts.append(f"already {found.twin.status.value}")
    return ", ".join(parts)


def may_take_merges(main: Card, now: datetime) -> bool:
    """Open, or closed within ``MERGE_INTO_CLOSED_WITHIN``: a report of a fault fixed long ago
    is a new fault."""
    done = finished_at(main)
    return done is None or now - done <= MERGE_INTO_CLOSED_WITHIN

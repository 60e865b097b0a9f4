"""Finding past requests: keeping the index in step with the cards, and searching it within
what the person may see."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chalicelib.domain import search
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.search import Scope, SearchQuery, SearchResult
from chalicelib.observability import logger
from chalicelib.ports import CardRepository, SearchIndex

# OpenSearch answers at most 10,000 hits deep (index.max_result_window); so does the API.
MAX_DEPTH = 10_000
REINDEX_PAGE = 100


def search_cards(principal: Principal, query: SearchQuery, *, index: SearchIndex) -> SearchResult:
    if not 1 <= query.size <= search.MAX_PAGE:
        raise ValidationFailed.single("size", f"must be between 1 and {search.MAX_PAGE}")
    if not 0 <= query.offset <= MAX_DEPTH - query.size:
        raise ValidationFailed.single(
            "cursor", f"results go {MAX_DEPTH} deep at most; narrow the search with filters"
        )
    if len(query.text) > 200:
        raise ValidationFailed.single("q", "at most 200 characters")
    return index.search(query, Scope.of(principal))


@dataclass(frozen=True)
class Changed:
    """A card the table says changed, and whether it is on an overdue list now."""

    number: str
    overdue: bool


def index_changed(
    changed: Iterable[Changed], *, cards: CardRepository, index: SearchIndex
) -> list[str]:
    """Index the cards' current state (read with their history: messages are searched too).
    Returns the numbers that could not be indexed; a card gone from the table is skipped."""
    latest = {c.number: c for c in changed}  # a batch may carry one card several times
    docs = []
    for number, change in latest.items():
        try:
            card, history = cards.get_with_history(number)
        except NotFound:
            logger.warning("changed card not found; not indexed", extra={"card": number})
            continue
        docs.append(search.document(card, history, overdue=change.overdue))
    number_of = {d.id: d.number for d in docs}
    return [number_of[i] for i in index.index(docs)]


def reindex(
    *,
    cards: CardRepository,
    index: SearchIndex,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild the index from the table, every card (versions make it safe to run while the
    stream indexer works). Returns how many cards were indexed."""
    done, cursor = 0, None
    while True:
        page = cards.every_card(limit=REINDEX_PAGE, cursor=cursor)
        changed = [Changed(c.number, c.number in page.overdue_since) for c in page.cards]
        failed = index_changed(changed, cards=cards, index=index)
        if failed:
            raise RuntimeError(f"{len(failed)} cards could not be indexed, e.g. {failed[0]}")
        done += len(changed)
        if progress is not None:
            progress(done)
        cursor = page.cursor
        if cursor is None:
            return done


@dataclass(frozen=True)
class Search:
    """Search wired to its ports (built once by the container)."""

    cards: CardRepository
    index: SearchIndex

    def find(self, principal: Principal, query: SearchQuery) -> SearchResult:
        return search_cards(principal, query, index=self.index)

    def index_changed(self, changed: Iterable[Changed]) -> list[str]:
        return index_changed(changed, cards=self.cards, index=self.index)

    def reindex(self, progress: Callable[[int], None] | None = None) -> int:
        return reindex(cards=self.cards, index=self.index, progress=progress)

"""The SearchIndex of the local stack and the tests: SQLite's FTS5 over Snowball stems.

It keeps OpenSearch's contract (the same contract suite runs against it): English and Russian
word forms, BM25 ranking with the subject weighted up, filters, facet counts over the matched
cards, highlighted fragments, idempotent writes by card id and version, and the private text of
sensitive cards matched only within the searcher's scope.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chalicelib.adapters.word_forms import stem, stems
from chalicelib.domain import search
from chalicelib.domain.search import (
    Facet,
    Scope,
    SearchDoc,
    SearchFilters,
    SearchHit,
    SearchQuery,
    SearchResult,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    number TEXT NOT NULL,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    category_top TEXT NOT NULL,
    department TEXT NOT NULL,
    district TEXT,
    channel TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_day TEXT NOT NULL,
    overdue INTEGER NOT NULL,
    sensitive INTEGER NOT NULL,
    executor_id TEXT,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_created ON docs (created_at);
CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5(open, private, tokenize = 'unicode61');
"""
_FACET_COLUMNS = {
    Facet.STATUS: "status",
    Facet.CATEGORY: "category_top",
    Facet.DEPARTMENT: "department",
    Facet.DISTRICT: "district",
    Facet.CHANNEL: "channel",
    Facet.OVERDUE: "overdue",
}
# What the matched set carries from docs: the sort key and every facet column.
_CARRIED = ", ".join(f"d.{c}" for c in ("created_at", *_FACET_COLUMNS.values()))
SUBJECT_WEIGHT = 3  # the subject's stems are indexed this many times: a title match ranks first
FRAGMENT = 60  # characters of context on each side of the first match


class EmbeddedSearchIndex:
    def __init__(self, path: Path | str = ":memory:") -> None:
        if isinstance(path, Path):
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(_SCHEMA)

    def index(self, docs: Sequence[SearchDoc]) -> list[str]:
        with self._lock, self._db:
            for doc in docs:
                self._put(doc)
        return []

    def _put(self, doc: SearchDoc) -> None:
        row = self._db.execute("SELECT rowid, version FROM docs WHERE id = ?", (doc.id,)).fetchone()
        if row is not None:
            if row[1] > doc.version:
                return  # an older version never overwrites a newer one
            self._db.execute("DELETE FROM docs WHERE rowid = ?", (row[0],))
            self._db.execute("DELETE FROM terms WHERE rowid = ?", (row[0],))
        cursor = self._db.execute(
            "INSERT INTO docs (id, version, number, status, category, category_top, "
            "department, district, channel, created_at, created_day, overdue, sensitive, "
            "executor_id, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc.id,
                doc.version,
                doc.number,
                doc.status.value,
                doc.category,
                doc.category_top,
                doc.department,
                doc.district,
                doc.channel.value,
                doc.created_at.isoformat(),
                doc.created_at.date().isoformat(),
                int(doc.overdue),
                int(doc.sensitive),
                doc.executor_id,
                json.dumps(search.plain(doc)),
            ),
        )
        self._db.execute(
            "INSERT INTO terms (rowid, open, private) VALUES (?, ?, ?)",
            (cursor.lastrowid, _terms(doc.open_text), _terms(doc.private_text)),
        )

    def version_of(self, card_id: str) -> int | None:
        with self._lock:
            row = self._db.execute("SELECT version FROM docs WHERE id = ?", (card_id,)).fetchone()
        return None if row is None else int(row[0])

    def search(self, query: SearchQuery, scope: Scope) -> SearchResult:
        wanted = stems(query.text)
        where, params = _conditions(query.filters, scope)
        if wanted:
            match = " AND ".join(f'"{s}"' for s in wanted)
            private_ok = "(d.department IN ({}) OR d.executor_id = ?)".format(
                ",".join("?" * len(scope.private_departments)) or "NULL"
            )
            matched = (
                # Only placeholders and fixed column names are formatted into these statements.
                f"SELECT m.doc, m.rank, {_CARRIED} FROM ("  # noqa: S608
                "SELECT doc, MIN(rank) AS rank FROM ("
                f"SELECT d.rowid AS doc, bm25(terms) AS rank FROM terms JOIN docs d ON d.rowid = "
                f"terms.rowid WHERE terms MATCH ? AND {where} "
                "UNION ALL "
                f"SELECT d.rowid AS doc, bm25(terms) AS rank FROM terms JOIN docs d ON d.rowid = "
                f"terms.rowid WHERE terms MATCH ? AND {where} AND {private_ok}"
                ") GROUP BY doc) m JOIN docs d ON d.rowid = m.doc"
            )
            matched_params: list[Any] = [
                f"{{open}} : ({match})",
                *params,
                f"{{private}} : ({match})",
                *params,
                *sorted(scope.private_departments),
                scope.staff_id,
            ]
            order: tuple[str, ...] = ("rank", "created_at DESC", "doc DESC")
        else:
            matched = f"SELECT d.rowid AS doc, 0.0 AS rank, {_CARRIED} FROM docs d WHERE {where}"  # noqa: S608
            matched_params = list(params)
            order = ("created_at DESC", "doc DESC")
        with self._lock:
            self._db.execute("DROP TABLE IF EXISTS temp.matched")
            self._db.execute(f"CREATE TEMP TABLE matched AS {matched}", matched_params)
            total = self._db.execute("SELECT COUNT(*) FROM temp.matched").fetchone()[0]
            # The page first, then its bodies: only ``size`` rows are read from docs.
            rows = self._db.execute(
                "SELECT d.body, m.rank FROM (SELECT doc, rank, created_at FROM temp.matched "  # noqa: S608
                f"ORDER BY {', '.join(order)} LIMIT ? OFFSET ?) m JOIN docs d "
                f"ON d.rowid = m.doc ORDER BY {', '.join('m.' + o for o in order)}",
                (query.size, query.offset),
            ).fetchall()
            facets = {
                facet: {
                    _facet_key(facet, value): count
                    for value, count in self._db.execute(
                        f"SELECT {column}, COUNT(*) FROM temp.matched "  # noqa: S608
                        f"WHERE {column} IS NOT NULL "
                        f"GROUP BY {column} ORDER BY COUNT(*) DESC, {column}"
                    )
                }
                for facet, column in _FACET_COLUMNS.items()
            }
        hits = [
            _hit(search.from_plain(json.loads(body)), -float(rank), wanted, scope)
            for body, rank in rows
        ]
        return SearchResult(total=total, hits=hits, facets=facets)


def _terms(texts: dict[str, str]) -> str:
    parts = [" ".join(stems(texts.get("subject", "")))] * SUBJECT_WEIGHT
    parts += [" ".join(stems(v)) for k, v in texts.items() if k != "subject"]
    return " ".join(p for p in parts if p)


def _conditions(filters: SearchFilters, scope: Scope) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []

    def one_of(column: str, values: Sequence[str]) -> None:
        if values:
            clauses.append(f"d.{column} IN ({','.join('?' * len(values))})")
            params.extend(values)

    if not scope.everything:
        places = sorted(scope.departments)
        clauses.append(
            f"(d.department IN ({','.join('?' * len(places)) or 'NULL'}) OR d.executor_id = ?)"
        )
        params.extend([*places, scope.staff_id])
    one_of("status", [s.value for s in filters.status])
    if filters.category:
        marks = ",".join("?" * len(filters.category))
        clauses.append(f"(d.category IN ({marks}) OR d.category_top IN ({marks}))")
        params.extend([*filters.category, *filters.category])
    one_of("department", list(filters.department))
    one_of("district", list(filters.district))
    one_of("channel", [c.value for c in filters.channel])
    if filters.created_from is not None:
        clauses.append("d.created_day >= ?")
        params.append(filters.created_from.isoformat())
    if filters.created_to is not None:
        clauses.append("d.created_day <= ?")
        params.append(filters.created_to.isoformat())
    if filters.overdue is not None:
        clauses.append("d.overdue = ?")
        params.append(int(filters.overdue))
    return " AND ".join(clauses) or "1", params


def _facet_key(facet: Facet, value: Any) -> str:
    if facet == Facet.OVERDUE:
        return "true" if value else "false"
    return str(value)


def _hit(doc: SearchDoc, score: float, wanted: list[str], scope: Scope) -> SearchHit:
    texts = {**doc.open_text, **doc.private_text}
    highlights = {
        name: [fragment]
        for name, text in texts.items()
        if (fragment := highlight(text, set(wanted))) is not None
    }
    return search.hit(doc, score, highlights, scope)


_WORDS = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")


def highlight(text: str, wanted: set[str]) -> str | None:
    """A fragment of ``text`` around its first matching word, every match wrapped in « »."""
    if not wanted:
        return None
    spans = [
        m.span()
        for m in _WORDS.finditer(text)
        if stem(m.group().lower().replace("ё", "е")) in wanted
    ]
    if not spans:
        return None
    start = max(0, spans[0][0] - FRAGMENT)
    end = min(len(text), spans[0][1] + FRAGMENT)
    out, at = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out += [text[at:s], "«", text[s:e], "»"]
        at = e
    out.append(text[at:end])
    fragment = "".join(out).strip()
    return ("…" if start else "") + fragment + ("…" if end < len(text) else "")

"""Typo-tolerant place search (the place index): areas, schools, roads, route endpoints, routes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.errors import InvalidInputError
from geo.places.abbrev import school_variants

MIN_QUERY = 2
MAX_QUERY = 100
MAX_RESULTS = 50
# Candidates scored per query (scoring is most of a search's time): names starting with the
# query (in name order); of the first WORD_MATCHES names holding every query word as typed, the
# most similar ones; the same for names holding them or their corrections (fill-ups).
PREFIX_CANDIDATES = 50
WORD_MATCHES = 500
WORD_CANDIDATES = 60
NEAR_CANDIDATES = 30
CORRECTIONS = 3  # vocabulary words tried for a query word the city does not know
MAX_WORDS = 8  # query words looked at (the "all words but one" retry grows with the square)
# a number typed against a word of 3+ letters ("Negeri15", "47Babakan") is two words; short
# mixes such as "1A" or "5B" stay one (school and house numbers)
_GLUED = re.compile(r"(?<=\d)(?=[^\W\d_]{3})|(?<=[^\W\d_]{3})(?=\d)")

# The query's words (the same parser as place.words) with what the city's vocabulary says of
# each: known as typed, known as a prefix (the last word, still being typed), or the nearest
# known words by trigram similarity (typos). It also tunes the planner for this transaction
# only: no parallel workers for these small queries, and a plan for the actual values even when
# the driver has prepared the statement (a generic plan cannot use the prefix range of LIKE).
_WORDS = text(
    """
    WITH t AS (SELECT lexeme COLLATE "C" AS word, positions[1] AS pos
               FROM unnest(to_tsvector('simple', :q))),
    last AS (SELECT max(pos) AS pos FROM t)
    SELECT t.word, t.pos = last.pos AS is_last,
           EXISTS (SELECT 1 FROM place_word v
                   WHERE v.city_id = CAST(:city AS integer) AND v.word = t.word) AS known,
           t.pos = last.pos AND EXISTS (SELECT 1 FROM place_word v
                                        WHERE v.city_id = CAST(:city AS integer)
                                          AND v.word >= t.word
                                          AND v.word < t.word || chr(1114111)
                                          AND starts_with(v.word, t.word)) AS known_prefix,
           ARRAY(SELECT v.word FROM place_word v
                 WHERE v.city_id = CAST(:city AS integer) AND v.word % t.word
                 ORDER BY similarity(v.word, t.word) DESC, v.word LIMIT :corrections)
             AS corrections,
           set_config('max_parallel_workers_per_gather', '0', true) AS _serial,
           set_config('plan_cache_mode', 'force_custom_plan', true) AS _custom
    FROM t, last
    ORDER BY t.pos
    LIMIT :max_words
    """
)

# (:city is cast: psycopg binds a small int as smallint, and btree_gin's integer opclass
# of the words index has no cross-type operators, so the index would ignore the city.)
# Candidates from four index scans (names starting with the query; names holding its words as
# typed; names holding them or their corrections; a route's code), then one score for all:
# (similarity + word similarity) / 2, plus 1.0 for the exact name (or a route's code), 0.3 for
# a prefix, 0.15 for a substring: exact > prefix > contains > fuzzy.
_SEARCH = text(
    """
    WITH cand AS (
        (SELECT id FROM place
         WHERE city_id = CAST(:city AS integer) AND name_key LIKE :key_prefix
         ORDER BY name_key LIMIT :prefix_candidates)
        UNION
        (SELECT id FROM (SELECT id, name FROM place
                         WHERE city_id = CAST(:city AS integer) AND words @@ CAST(:words AS tsquery)
                         LIMIT :word_matches) w
         ORDER BY similarity(w.name, :q) DESC LIMIT :word_candidates)
        UNION
        (SELECT id FROM (SELECT id, name FROM place
                         WHERE city_id = CAST(:city AS integer) AND words @@ CAST(:near AS tsquery)
                         LIMIT :word_matches) n
         ORDER BY similarity(n.name, :q) DESC LIMIT :near_candidates)
        UNION
        (SELECT id FROM place
         WHERE city_id = CAST(:city AS integer) AND kind = 'route' AND lower(detail) = lower(:q))
    )
    SELECT p.kind, p.name, p.detail, p.ref, p.lon, p.lat, p.minx, p.miny, p.maxx, p.maxy,
           (similarity(p.name, :q) + word_similarity(:q, p.name)) / 2
             + CASE WHEN lower(p.name) = lower(:q)
                         OR (p.kind = 'route' AND lower(p.detail) = lower(:q)) THEN 1.0
                    WHEN p.name ILIKE :prefix THEN 0.3
                    WHEN p.name ILIKE :like THEN 0.15 ELSE 0 END AS score
    FROM place p JOIN cand USING (id)
    WHERE p.city_id = CAST(:city AS integer)
    ORDER BY score DESC, p.rank, p.name, p.ref
    LIMIT :limit
    """
)


def split_glued(q: str) -> str:
    """The query with a space between a number and a word of 3+ letters typed against it
    ("SMK Negeri15" -> "SMK Negeri 15"; "SD 1A" stays), for reading its words."""
    return _GLUED.sub(" ", q)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _lexeme(word: str, *, prefix: bool = False) -> str:
    """A tsquery operand: the word quoted (as tsquery quotes), ``:*`` for a prefix."""
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + (":*" if prefix else "")


def _word_terms(rows: Sequence[Row[Any]]) -> tuple[list[str], list[str]]:
    """tsquery terms, one per query word the city knows or has corrections for.

    Strict terms take a known word as typed (corrections only for unknown words); broad terms
    add the corrections of known words too, so that a near name fills the results up.
    """
    strict, broad = [], []
    for row in rows:
        typed = [_lexeme(row.word, prefix=row.is_last)] if row.known or row.known_prefix else []
        fixes = [_lexeme(word) for word in row.corrections if word != row.word]
        if typed or fixes:
            strict.append("(" + " | ".join(typed or fixes) + ")")
            broad.append("(" + " | ".join(typed + fixes) + ")")
    return strict, broad


def _relaxed(terms: list[str]) -> list[str | None]:
    """tsqueries to try in turn: every word; every word but one; any word (None: no words)."""
    if not terms:
        return [None]
    queries: list[str | None] = [" & ".join(terms)]
    if len(terms) > 2:
        queries.append(
            " | ".join(
                "(" + " & ".join(terms[:i] + terms[i + 1 :]) + ")" for i in range(len(terms))
            )
        )
    if len(terms) > 1:
        queries.append(" | ".join(terms))
    return queries


def _search_one(session: Session, city: CityInfo, q: str, limit: int) -> list[Row[Any]]:
    """One spelling of the query: its words, then the candidates, relaxed until some match."""
    words = session.execute(
        _WORDS,
        {
            "city": city.id,
            "q": split_glued(q),
            "corrections": CORRECTIONS,
            "max_words": MAX_WORDS,
        },
    ).all()
    escaped = _escape_like(q)
    params: dict[str, Any] = {
        "city": city.id,
        "q": q,
        "key_prefix": f"{escaped.lower()}%",
        "prefix": f"{escaped}%",
        "like": f"%{escaped}%",
        "limit": limit,
        "prefix_candidates": PREFIX_CANDIDATES,
        "word_matches": WORD_MATCHES,
        "word_candidates": WORD_CANDIDATES,
        "near_candidates": NEAR_CANDIDATES,
    }
    strict, broad = _word_terms(words)
    rows: list[Row[Any]] = []
    for exact, near in zip(_relaxed(strict), _relaxed(broad), strict=True):
        # the same tsquery twice: the fill-up scan would rank the same matches again and add
        # nothing the word scan does not hold (its 30 best are among the word scan's 60 best)
        fill = None if near == exact else near
        rows = list(session.execute(_SEARCH, {**params, "words": exact, "near": fill}).all())
        if rows:
            break
    return rows


def _result(row: Row[Any]) -> dict[str, Any]:
    bbox = None if row.minx is None else [row.minx, row.miny, row.maxx, row.maxy]
    return {
        "kind": row.kind,
        "name": row.name,
        "detail": row.detail,
        "id": row.ref,
        "point": [round(row.lon, 7), round(row.lat, 7)],
        "bbox": [round(v, 7) for v in bbox] if bbox else None,
        "score": round(float(row.score), 3),
    }


def _one_per_route(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Both directions of a route as one result (the better one), with ``directions`` (how
    many) and ``ids`` (each direction's route id)."""
    out: list[dict[str, Any]] = []
    by_code: dict[str, dict[str, Any]] = {}
    for res in results:
        if res["kind"] != "route":
            out.append(res)
            continue
        first = by_code.get(res["detail"])
        if first is None:
            by_code[res["detail"]] = first = {**res, "directions": 0, "ids": []}
            out.append(first)
        first["directions"] += 1
        first["ids"].append(res["id"])
    return out


def search_places(session: Session, city: CityInfo, q: str, *, limit: int = 10) -> dict[str, Any]:
    """Search names of a city's kelurahan, kecamatan, schools, roads, route endpoints, routes.

    Reads the ``place`` index (migration 0004), which triggers keep in step with every write,
    so an edit is found by the next search. Candidates are the names that start with the query
    and the names that hold all its words, where a word the city does not know stands for the
    known words nearest to it (trigram similarity: typos) and the last word may be unfinished;
    when none hold them all, names holding all words but one, then any word. The candidates
    are ranked exact > prefix > contains > fuzzy. School levels are searched in both
    spellings ("SMPN 5" and "SMP Negeri 5", "MTs" and "Madrasah Tsanawiyah":
    ``geo.places.abbrev``), each result with its best score; both directions of a route are
    one result.

    Args:
        session: Open session.
        city: The city.
        q: 2-100 characters; typos are tolerated.
        limit: Most results returned (1-50).

    Returns:
        ``{"query": q, "results": [{"kind", "name", "detail", "id", "point", "bbox", "score"}]}``
        ranked best first; ``bbox`` is set for areas, roads and routes; a route result adds
        ``directions`` (1 or 2: "2 arah") and ``ids`` (the route id of each direction).

    Raises:
        InvalidInputError: ``q`` too short or too long, or a bad ``limit``.
    """
    q = " ".join(q.split())
    if not MIN_QUERY <= len(q) <= MAX_QUERY:
        raise InvalidInputError(
            f"q must be {MIN_QUERY} to {MAX_QUERY} characters",
            [{"field": "q", "in": "query", "message": "length out of range"}],
        )
    if not 1 <= limit <= MAX_RESULTS:
        raise InvalidInputError(f"limit must be between 1 and {MAX_RESULTS}")
    merged: dict[tuple[str, int], dict[str, Any]] = {}
    rank: dict[tuple[str, int], int] = {}
    for variant in school_variants(q):
        for row in _search_one(session, city, variant, min(limit * 2, MAX_RESULTS)):
            res, key = _result(row), (row.kind, row.ref)
            if key not in merged or res["score"] > merged[key]["score"]:
                merged[key] = res
            rank.setdefault(key, len(rank))
    ordered = sorted(merged, key=lambda k: (-merged[k]["score"], rank[k]))
    results = _one_per_route([merged[k] for k in ordered])[:limit]
    return {"query": q, "results": results}

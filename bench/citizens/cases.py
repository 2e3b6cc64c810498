"""Seeded request mixes: OD pairs (near routes and not), school and route points, search terms."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import Engine, text

SEED = 5
NEAR_M = 1000.0  # "within walking range of a route": the planner's default max_walk_m

LonLat = tuple[float, float]

# uniform points inside the kota boundary, each with its distance to the nearest active route
_POINTS = text(
    """
    WITH k AS (SELECT ST_Union(geom) AS g FROM admin_area WHERE city_id = :c AND level = 'kota'),
    p AS (SELECT (ST_Dump(ST_GeneratePoints(k.g, :n, :seed))).geom AS g FROM k)
    SELECT ST_X(p.g), ST_Y(p.g),
           coalesce((SELECT ST_Distance(r.geom::geography, p.g::geography) FROM angkot_route r
                     WHERE r.city_id = :c AND r.active ORDER BY r.geom <-> p.g LIMIT 1), 1e9)
    FROM p
    """
)


@dataclass(frozen=True)
class Mix:
    """What one city is asked."""

    slug: str
    od_pairs: list[tuple[LonLat, LonLat]]
    far_ends: int  # OD ends farther than NEAR_M from every route
    points: list[LonLat]  # for schools/nearest and routes/near
    terms: list[str]  # search terms, typos included


def _typo(word: str, rnd: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rnd.randrange(1, len(word) - 2)
    kind = rnd.randrange(3)
    if kind == 0:  # a letter dropped
        return word[:i] + word[i + 1 :]
    if kind == 1:  # two letters swapped
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rnd.choice("aeiou") + word[i + 1 :]  # a vowel wrong


def _terms(engine: Engine, city_id: int, count: int, rnd: random.Random) -> list[str]:
    """Names people type: areas, schools, streets, route endpoints; a third with a typo."""
    with engine.connect() as conn:
        names = [
            str(row[0])
            for row in conn.execute(
                text(
                    "(SELECT name FROM admin_area WHERE city_id = :c AND level <> 'kota')"
                    " UNION (SELECT DISTINCT name FROM road_edge WHERE city_id = :c"
                    "        AND name IS NOT NULL)"
                    " UNION (SELECT origin FROM angkot_route WHERE city_id = :c"
                    "        AND origin IS NOT NULL)"
                    " UNION (SELECT name FROM (SELECT name FROM school WHERE city_id = :c"
                    "        ORDER BY id LIMIT 2000) s) ORDER BY 1"
                ),
                {"c": city_id},
            )
        ]
    terms = []
    for _ in range(count):
        words = rnd.choice(names).split()
        # people type the name, or its last two words ("Negeri 12 Cipondoh", "Raya Serpong")
        term = " ".join(words if rnd.random() < 0.5 else words[-2:])
        terms.append(_typo(term, rnd) if rnd.random() < 0.33 else term)
    return terms


def build_mix(engine: Engine, slug: str, *, pairs: int, points: int, terms: int) -> Mix:
    """The seeded requests for one city.

    Half of the OD pairs have both ends within ``NEAR_M`` of a route; the other half are drawn
    uniformly over the city (ends out of reach included, where the city has such places).
    """
    rnd = random.Random(f"{SEED}-{slug}")
    with engine.connect() as conn:
        city_id = int(
            conn.execute(text("SELECT id FROM city WHERE slug = :s"), {"s": slug}).one()[0]
        )
        pool = [
            ((float(x), float(y)), float(d))
            for x, y, d in conn.execute(
                _POINTS, {"c": city_id, "n": 4 * pairs + points, "seed": SEED}
            )
        ]
    near = [p for p, d in pool if d <= NEAR_M]
    anywhere = [p for p, _d in pool]
    far = {p for p, d in pool if d > NEAR_M}
    od: list[tuple[LonLat, LonLat]] = []
    for n in range(pairs):
        source = near if n % 2 and near else anywhere
        od.append((rnd.choice(source), rnd.choice(source)))
    return Mix(
        slug=slug,
        od_pairs=od,
        far_ends=sum((o in far) + (d in far) for o, d in od),
        points=rnd.sample(anywhere, min(points, len(anywhere))),
        terms=_terms(engine, city_id, terms, rnd),
    )

"""The city-key rule (DESIGN §8) read from the catalogue: what every city-scoped table must meet.

A table is city-scoped when it is in the public schema and has a ``city_id`` column. Then:

1. its primary key includes ``city_id``;
2. every unique (and exclusion) constraint includes ``city_id``;
3. every foreign key to another city-scoped table pairs ``city_id`` with that table's
   ``city_id`` (a row never points into another city);
4. every index leads with ``city_id`` (btree, GIN, hash; the indexes of the primary key and
   of the unique constraints too), except GiST, SP-GiST and BRIN indexes, which may be on
   ``geom`` alone: GiST on geometry cannot hold an integer column without btree_gist, cities
   do not overlap in space, and a Citus shard keeps its own spatial index for its cities.

Citus distributes such tables by ``city_id`` and co-locates them; tables without ``city_id``
(``city``, national layers later) are reference tables and are not checked.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

# Tables with a city_id that are NOT city-scoped, each with its reason: only for rows that
# belong to the whole deployment (city_id nullable, e.g. users of several cities, later).
NOT_CITY_SCOPED: dict[str, str] = {
    # city_id NULL marks deployment administrators: the key cannot include a nullable column
    "app_user": "deployment-wide accounts (city_id NULL for deployment administrators)",
    # appended from every city and the CLI (city_id NULL for deployment-wide actions)
    "audit_log": "deployment-wide, append-only history (city_id NULL for deployment actions)",
}

# index access methods exempt from "leads with city_id" (spatial and range structures)
SPATIAL_METHODS = ("gist", "spgist", "brin")

_TABLES = text(
    """
    SELECT c.oid, c.relname, a.attnum
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'city_id' AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
    ORDER BY c.relname
    """
)

_CONSTRAINTS = text(
    """
    SELECT k.conname, k.contype, k.conrelid, k.confrelid, k.conkey, k.confkey,
           pg_get_constraintdef(k.oid) AS definition
    FROM pg_constraint k
    WHERE k.conrelid = ANY(CAST(:tables AS oid[])) AND k.contype IN ('p', 'u', 'x', 'f')
    ORDER BY k.conname
    """
)

_INDEXES = text(
    """
    SELECT i.indrelid, x.relname AS name, am.amname AS method, i.indkey[0] AS first,
           pg_get_indexdef(i.indexrelid) AS definition
    FROM pg_index i
    JOIN pg_class x ON x.oid = i.indexrelid
    JOIN pg_am am ON am.oid = x.relam
    WHERE i.indrelid = ANY(CAST(:tables AS oid[]))
    ORDER BY x.relname
    """
)

_KINDS = {"p": "primary key", "u": "unique constraint", "x": "exclusion constraint"}


def city_scoped_tables(conn: Connection | Session) -> dict[str, int]:
    """Table name -> attnum of its ``city_id``, for every city-scoped table."""
    rows = conn.execute(_TABLES).all()
    return {name: attnum for _oid, name, attnum in rows if name not in NOT_CITY_SCOPED}


def city_key_offenders(conn: Connection | Session) -> list[str]:
    """Every breach of the city-key rule, one line each, sorted (empty when all comply)."""
    rows = conn.execute(_TABLES).all()
    scoped = {oid: (name, attnum) for oid, name, attnum in rows if name not in NOT_CITY_SCOPED}
    # an allowlisted table that exists must still have its city_id (a stale entry is an error);
    # one that does not exist yet (an older revision, in the migration tests) is fine
    present = set(
        conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
    )
    problems = [
        f"{name}: listed in NOT_CITY_SCOPED but has no city_id column"
        for name in sorted((set(NOT_CITY_SCOPED) & present) - {name for _oid, name, _a in rows})
    ]
    if not scoped:
        return problems
    keyed: set[int] = set()
    for con in conn.execute(_CONSTRAINTS, {"tables": list(scoped)}).all():
        table, city_col = scoped[con.conrelid]
        if con.contype == "p":
            keyed.add(con.conrelid)
        if con.contype in _KINDS and city_col not in con.conkey:
            problems.append(
                f"{table}: {_KINDS[con.contype]} {con.conname} {con.definition}"
                " does not include city_id"
            )
        elif con.contype == "f" and con.confrelid in scoped:
            target, target_city = scoped[con.confrelid]
            if (city_col, target_city) not in set(zip(con.conkey, con.confkey, strict=True)):
                problems.append(
                    f"{table}: foreign key {con.conname} {con.definition}"
                    f" does not pair city_id with {target}.city_id"
                )
    problems += [
        f"{name}: no primary key" for oid, (name, _a) in scoped.items() if oid not in keyed
    ]
    for index in conn.execute(_INDEXES, {"tables": list(scoped)}).all():
        table, city_col = scoped[index.indrelid]
        if index.method not in SPATIAL_METHODS and index.first != city_col:
            problems.append(
                f"{table}: index {index.name} does not lead with city_id: {index.definition}"
            )
    return sorted(problems)

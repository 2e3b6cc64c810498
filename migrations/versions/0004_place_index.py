"""place index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 14:00:00

The place search index (issue #5 §4, "Targets": search p95 <= 20 ms): one ``place`` row per
searchable name of a city — each kelurahan/kecamatan/kota, school and route, ONE row per
distinct road name (a point on the road nearest its centre, the bbox of all its edges) and one
per route endpoint name — with its words (``to_tsvector('simple', name)``) under a GIN index,
and ``place_word``, the city's vocabulary, that typos are corrected against (pg_trgm).

Statement-level triggers with transition tables keep ``place`` in step with the source tables in
the writing transaction: they refresh only the rows (or road/endpoint names) a statement touched,
so a 100,000-row import costs one set-based insert, not one aggregate per row. They are named
``tpo_search_*`` so they fire after the ``tpo_rev_*`` revision triggers, whose row lock on
``layer_revision`` already serialises writers of one layer of a city.

The per-column trigram indexes of migration 0002 served only the old search; they are replaced
by a plain (city_id, name) index on road_edge, which the road refresh looks names up with.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index name, table, column) of migration 0002, dropped here and restored by downgrade()
TRGM_INDEXES = (
    ("ix_admin_area_name_trgm", "admin_area", "name"),
    ("ix_school_name_trgm", "school", "name"),
    ("ix_road_edge_name_trgm", "road_edge", "name"),
    ("ix_angkot_route_name_trgm", "angkot_route", "name"),
    ("ix_angkot_route_origin_trgm", "angkot_route", "origin"),
    ("ix_angkot_route_destination_trgm", "angkot_route", "destination"),
)

PLACE_COLUMNS = "city_id, kind, name, detail, ref, lon, lat, minx, miny, maxx, maxy, rank"

# rows of one source table (``src``: a transition table or the table itself) as place rows
AREA_ROWS = f"""
    INSERT INTO place ({PLACE_COLUMNS})
    SELECT a.city_id, a.level, a.name, a.code, a.id, ST_X(pt), ST_Y(pt),
           ST_XMin(a.geom), ST_YMin(a.geom), ST_XMax(a.geom), ST_YMax(a.geom), 1
    FROM {{src}} a CROSS JOIN LATERAL ST_PointOnSurface(a.geom) AS pt
"""  # noqa: S608 (identifiers: our constants)
SCHOOL_ROWS = f"""
    INSERT INTO place ({PLACE_COLUMNS})
    SELECT s.city_id, 'school', s.name, s.level || ' ' || s.status, s.id,
           ST_X(s.geom), ST_Y(s.geom), NULL, NULL, NULL, NULL, 2
    FROM {{src}} s
"""  # noqa: S608
ROUTE_ROWS = f"""
    INSERT INTO place ({PLACE_COLUMNS})
    SELECT r.city_id, 'route', r.name, r.code, r.id, ST_X(pt), ST_Y(pt),
           ST_XMin(r.geom), ST_YMin(r.geom), ST_XMax(r.geom), ST_YMax(r.geom), 5
    FROM {{src}} r CROSS JOIN LATERAL ST_LineInterpolatePoint(r.geom, 0.5) AS pt
"""  # noqa: S608

# roads and route endpoints are one row per (city, name): refreshed by name
REFRESH_FUNCTIONS = (
    f"""
CREATE FUNCTION tpo_place_refresh_roads(cities integer[], names text[])
RETURNS void LANGUAGE sql VOLATILE AS $$
    DELETE FROM place p USING unnest(cities, names) AS c(city_id, name)
    WHERE p.kind = 'road' AND p.city_id = c.city_id
      AND p.name_key = lower(c.name) COLLATE "C" AND p.name = c.name;
    INSERT INTO place ({PLACE_COLUMNS})
    SELECT g.city_id, 'road', g.name, NULL, g.ref, ST_X(pt), ST_Y(pt),
           ST_XMin(g.edges), ST_YMin(g.edges), ST_XMax(g.edges), ST_YMax(g.edges), 3
    FROM (SELECT e.city_id, e.name, min(e.id) AS ref, ST_Collect(e.geom) AS edges
          FROM road_edge e
          JOIN (SELECT DISTINCT * FROM unnest(cities, names)) AS c(city_id, name)
            ON e.city_id = c.city_id AND e.name = c.name
          GROUP BY e.city_id, e.name) g
    CROSS JOIN LATERAL ST_ClosestPoint(g.edges, ST_Centroid(g.edges)) AS pt;
$$
""",  # noqa: S608
    f"""
CREATE FUNCTION tpo_place_refresh_endpoints(cities integer[], names text[])
RETURNS void LANGUAGE sql VOLATILE AS $$
    DELETE FROM place p USING unnest(cities, names) AS c(city_id, name)
    WHERE p.kind = 'route_endpoint' AND p.city_id = c.city_id
      AND p.name_key = lower(c.name) COLLATE "C" AND p.name = c.name;
    INSERT INTO place ({PLACE_COLUMNS})
    SELECT DISTINCT ON (x.city_id, x.name) x.city_id, 'route_endpoint', x.name, x.code, x.id,
           ST_X(x.pt), ST_Y(x.pt), NULL, NULL, NULL, NULL, 4
    FROM (SELECT r.city_id, r.origin AS name, r.code, r.id, ST_StartPoint(r.geom) AS pt
          FROM angkot_route r
          JOIN (SELECT DISTINCT * FROM unnest(cities, names)) AS c(city_id, name)
            ON r.city_id = c.city_id AND r.origin = c.name
          UNION ALL
          SELECT r.city_id, r.destination, r.code, r.id, ST_EndPoint(r.geom)
          FROM angkot_route r
          JOIN (SELECT DISTINCT * FROM unnest(cities, names)) AS c(city_id, name)
            ON r.city_id = c.city_id AND r.destination = c.name) x
    ORDER BY x.city_id, x.name, x.id;
$$
""",  # noqa: S608
)


def _row_trigger_function(name: str, kinds: str, insert_sql: str, extra: str = "") -> str:
    """A trigger function that replaces the place rows of the changed source rows."""
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM place p USING old_rows o WHERE p.kind IN ({kinds}) AND p.ref = o.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {insert_sql.format(src="new_rows")};
    END IF;
    {extra}
    RETURN NULL;
END
$$
"""  # noqa: S608


def _changed_names(columns: tuple[str, ...], function: str) -> str:
    """plpgsql: refresh the (city, name) pairs of ``columns`` in the old and new rows."""
    parts = []
    for rows, ops in (("old_rows", "('UPDATE', 'DELETE')"), ("new_rows", "('INSERT', 'UPDATE')")):
        pairs = " UNION ".join(
            f"SELECT city_id, {col} AS name FROM {rows} WHERE {col} IS NOT NULL"  # noqa: S608
            for col in columns
        )
        parts.append(
            f"""
    IF TG_OP IN {ops} THEN
        PERFORM {function}(array_agg(c.city_id), array_agg(c.name))
        FROM ({pairs}) c HAVING count(*) > 0;
    END IF;"""
        )
    return "".join(parts)


TRIGGER_FUNCTIONS = (
    _row_trigger_function("tpo_place_sync_areas", "'kota', 'kecamatan', 'kelurahan'", AREA_ROWS),
    _row_trigger_function("tpo_place_sync_schools", "'school'", SCHOOL_ROWS),
    _row_trigger_function(
        "tpo_place_sync_routes",
        "'route'",
        ROUTE_ROWS,
        _changed_names(("origin", "destination"), "tpo_place_refresh_endpoints"),
    ),
    """
CREATE FUNCTION tpo_place_sync_roads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN"""
    + _changed_names(("name",), "tpo_place_refresh_roads")
    + """
    RETURN NULL;
END
$$
""",
    """
CREATE FUNCTION tpo_place_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- the vocabulary only grows (a stale word costs nothing); sorted, so that concurrent
    -- writers lock the words in the same order
    INSERT INTO place_word (city_id, word)
    SELECT DISTINCT n.city_id, w.word FROM new_rows n, unnest(tsvector_to_array(n.words)) AS w(word)
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$
""",
)

# source table -> its trigger function
SYNCED = {
    "admin_area": "tpo_place_sync_areas",
    "school": "tpo_place_sync_schools",
    "angkot_route": "tpo_place_sync_routes",
    "road_edge": "tpo_place_sync_roads",
}
FUNCTIONS = (
    *SYNCED.values(),
    "tpo_place_words",
    "tpo_place_refresh_roads",
    "tpo_place_refresh_endpoints",
)


def _create_triggers() -> None:
    for sql in (*REFRESH_FUNCTIONS, *TRIGGER_FUNCTIONS):
        op.execute(sql)
    for table, function in SYNCED.items():
        for event, ref in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            op.execute(
                f"CREATE TRIGGER tpo_search_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {ref} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    op.execute(
        "CREATE TRIGGER tpo_search_words AFTER INSERT ON place REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION tpo_place_words()"
    )


def _fill() -> None:
    """Index what the source tables hold already."""
    op.execute(AREA_ROWS.format(src="admin_area"))
    op.execute(SCHOOL_ROWS.format(src="school"))
    op.execute(ROUTE_ROWS.format(src="angkot_route"))
    op.execute(
        "SELECT tpo_place_refresh_roads(array_agg(city_id), array_agg(name))"
        " FROM (SELECT DISTINCT city_id, name FROM road_edge WHERE name IS NOT NULL) c"
    )
    op.execute(
        "SELECT tpo_place_refresh_endpoints(array_agg(city_id), array_agg(name))"
        " FROM (SELECT city_id, origin AS name FROM angkot_route WHERE origin IS NOT NULL"
        "       UNION SELECT city_id, destination FROM angkot_route"
        "       WHERE destination IS NOT NULL) c"
    )


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.create_table(
        "place",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("ref", sa.BigInteger(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("minx", sa.Float(), nullable=True),
        sa.Column("miny", sa.Float(), nullable=True),
        sa.Column("maxx", sa.Float(), nullable=True),
        sa.Column("maxy", sa.Float(), nullable=True),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column(
            "name_key",
            sa.String(length=200, collation="C"),
            sa.Computed("lower((name)::text)", persisted=True),
            nullable=False,
        ),
        sa.Column(
            "words",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('simple'::regconfig, (name)::text)", persisted=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["city_id"], ["city.id"], name=op.f("fk_place_city_id_city"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place")),
    )
    op.create_index("ix_place_kind_ref", "place", ["kind", "ref"])
    op.create_index("ix_place_city_id_name_key", "place", ["city_id", "name_key"])
    op.create_index("ix_place_city_id_words", "place", ["city_id", "words"], postgresql_using="gin")
    op.create_index(
        "ix_place_city_id_route_code",
        "place",
        ["city_id", sa.text("lower(detail)")],
        postgresql_where=sa.text("kind = 'route'"),
    )
    op.create_table(
        "place_word",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("word", sa.Text(collation="C"), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"], ["city.id"], name=op.f("fk_place_word_city_id_city"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("city_id", "word", name=op.f("pk_place_word")),
    )
    op.create_index(
        "ix_place_word_word_trgm",
        "place_word",
        ["city_id", "word"],
        postgresql_using="gin",
        postgresql_ops={"word": "gin_trgm_ops"},
    )
    for name, table, _column in TRGM_INDEXES:
        op.drop_index(name, table_name=table)
    op.create_index("ix_road_edge_city_id_name", "road_edge", ["city_id", "name"])
    _create_triggers()
    _fill()


def downgrade() -> None:
    for table in (*SYNCED, "place"):
        for event in ("insert", "update", "delete", "words"):
            op.execute(f"DROP TRIGGER IF EXISTS tpo_search_{event} ON {table}")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_index("ix_road_edge_city_id_name", table_name="road_edge")
    for name, table, column in TRGM_INDEXES:
        op.create_index(
            name,
            table,
            [column],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )
    op.drop_table("place_word")
    op.drop_table("place")

"""public request counts from a rollup per kelurahan, type and status

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 03:10:00

``request_public_count`` (the ``requests_public`` layer, 0009) counted ``service_request`` rows
at read time: one lateral count per kelurahan and (type, status) combination, about a second
for an uncached page at a million requests, and every submission bumps the layer's revision, so
under load most pages were uncached. The daily rollup of 0011 does not help here: it keeps a
row per day as well, nearly as many rows as requests at that size.

``request_kelurahan_count`` holds, per city, type, kelurahan and status, the number of requests
(missing codes ``''``): a few thousand rows per city whatever its number of requests. It is kept
exact in the writing transaction by statement-level triggers with transition tables on
``service_request``, the same way as ``request_daily_count`` (0011): removed rows count -1 and
added rows +1 per key, keys summing to 0 are dropped, negative sums lower existing rows, positive
ones are upserted in key order (concurrent writers lock alike); ``n >= 0`` is checked; TRUNCATE
empties it; filled from the existing rows here.

The view now sums it: ``GROUP BY kelurahan_code, CUBE (type, status)`` over the city's rows,
then every kelurahan x every combination that occurs in the city, 0 included. Unchanged: the
columns, the row ids (kelurahan id x 2^28 + 28 bits of the md5 of ``type|status``), ``'*'`` for
every type or status, counts 1..4 suppressed (``n_shown`` NULL, ``n_label`` ``'< 5'``;
``geo.requests.MIN_PUBLIC_COUNT`` written out), freshness (layer revisions bumped in the writing
transaction). A combination occurs when its sum is above 0, as a status with no request left did
not appear in the old ``CUBE``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = "city_id, type, kelurahan_code, status"


def _keyed(source: str, sign: int) -> str:
    return (
        f"SELECT city_id, type, coalesce(kelurahan_code, '') AS kelurahan_code, status,"  # noqa: S608 - fixed fragments
        f" {sign} AS n FROM {source}"
    )


def _delta(*parts: str) -> str:
    return (
        f"SELECT {KEYS}, sum(n) AS n FROM ({' UNION ALL '.join(parts)}) d"  # noqa: S608 - fixed fragments
        f" GROUP BY {KEYS} HAVING sum(n) <> 0"
    )


def _add(delta: str) -> str:
    return (
        f"INSERT INTO request_kelurahan_count AS c ({KEYS}, n)"  # noqa: S608 - fixed fragments
        f" SELECT {KEYS}, n FROM ({delta}) d WHERE n > 0 ORDER BY {KEYS}"
        " ON CONFLICT ON CONSTRAINT pk_request_kelurahan_count DO UPDATE SET n = c.n + EXCLUDED.n"
    )


def _subtract(delta: str) -> str:
    match = " AND ".join(f"c.{k} = d.{k}" for k in KEYS.split(", "))
    return (
        f"UPDATE request_kelurahan_count c SET n = c.n + d.n FROM ({delta}) d"  # noqa: S608 - fixed fragments
        f" WHERE d.n < 0 AND {match}"
    )


_NEW, _OLD = _keyed("tpo_new", 1), _keyed("tpo_old", -1)
FUNCTION = f"""
CREATE FUNCTION tpo_request_kelurahan_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_add(_delta(_NEW))};
    ELSIF TG_OP = 'UPDATE' THEN
        {_subtract(_delta(_NEW, _OLD))};
        {_add(_delta(_NEW, _OLD))};
    ELSIF TG_OP = 'DELETE' THEN
        {_subtract(_delta(_OLD))};
    ELSE
        DELETE FROM request_kelurahan_count;
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608 - fixed fragments

TRIGGERS = (
    ("insert", "INSERT", "REFERENCING NEW TABLE AS tpo_new FOR EACH STATEMENT"),
    (
        "update",
        "UPDATE",
        "REFERENCING OLD TABLE AS tpo_old NEW TABLE AS tpo_new FOR EACH STATEMENT",
    ),
    ("delete", "DELETE", "REFERENCING OLD TABLE AS tpo_old FOR EACH STATEMENT"),
    ("truncate", "TRUNCATE", "FOR EACH STATEMENT"),
)

ROLLUP_VIEW = """
CREATE VIEW request_public_count AS
SELECT x.city_id,
       x.kelurahan_id::bigint * 268435456
           + ('x' || substr(md5(x.type || '|' || x.status), 1, 7))::bit(28)::integer AS id,
       x.kelurahan_code,
       x.kelurahan_name,
       x.kecamatan_code,
       x.type,
       x.status,
       CASE WHEN x.n > 0 AND x.n < 5 THEN NULL ELSE x.n END AS n_shown,
       CASE WHEN x.n > 0 AND x.n < 5 THEN '< 5' ELSE x.n::text END AS n_label,
       x.geom,
       x.geom_geojson
FROM city ci
CROSS JOIN LATERAL (
    WITH s AS (
        SELECT coalesce(d.type, '*') AS type, coalesce(d.status, '*') AS status,
               d.kelurahan_code, sum(d.n)::integer AS n
        FROM request_kelurahan_count d WHERE d.city_id = ci.id
        GROUP BY d.kelurahan_code, CUBE (d.type, d.status)
        HAVING sum(d.n) > 0
    ), c AS (
        SELECT type, status FROM s UNION SELECT '*', '*'
    )
    SELECT k.city_id, k.id AS kelurahan_id, k.code AS kelurahan_code,
           k.name AS kelurahan_name, k.parent_code AS kecamatan_code, c.type, c.status,
           coalesce(s.n, 0) AS n, k.geom, k.geom_geojson
    FROM c
    CROSS JOIN admin_area k
    LEFT JOIN s ON s.kelurahan_code = k.code AND s.type = c.type AND s.status = c.status
    WHERE k.city_id = ci.id AND k.level = 'kelurahan'
) x
"""

# the view of 0009, written out (a migration must give the same schema whatever came later)
COUNTING_VIEW = """
CREATE VIEW request_public_count AS
SELECT k.city_id,
       k.id::bigint * 268435456
           + ('x' || substr(md5(c.type || '|' || c.status), 1, 7))::bit(28)::integer AS id,
       k.code AS kelurahan_code,
       k.name AS kelurahan_name,
       k.parent_code AS kecamatan_code,
       c.type,
       c.status,
       CASE WHEN n.n > 0 AND n.n < 5 THEN NULL ELSE n.n END AS n_shown,
       CASE WHEN n.n > 0 AND n.n < 5 THEN '< 5' ELSE n.n::text END AS n_label,
       k.geom,
       k.geom_geojson
FROM city ci
CROSS JOIN LATERAL (
    SELECT coalesce(r.type, '*') AS type, coalesce(r.status, '*') AS status
    FROM service_request r WHERE r.city_id = ci.id GROUP BY CUBE (r.type, r.status)
    UNION
    SELECT '*', '*'
) c
JOIN admin_area k ON k.city_id = ci.id AND k.level = 'kelurahan'
CROSS JOIN LATERAL (
    SELECT count(*)::integer AS n FROM service_request r
    WHERE r.city_id = k.city_id AND r.kelurahan_code = k.code
      AND (c.type = '*' OR r.type = c.type) AND (c.status = '*' OR r.status = c.status)
) n
"""


def upgrade() -> None:
    code = sa.String(32)
    op.create_table(
        "request_kelurahan_count",
        sa.Column(
            "city_id", sa.Integer(), sa.ForeignKey("city.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("kelurahan_code", code, nullable=False, server_default=""),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.CheckConstraint("n >= 0", name="n_not_negative"),
        sa.PrimaryKeyConstraint(
            "city_id", "type", "kelurahan_code", "status", name="pk_request_kelurahan_count"
        ),
    )
    op.execute(_add(_delta(_keyed("service_request", 1))))
    op.execute(FUNCTION)
    for name, event, how in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER tpo_kelurahan_count_{name} AFTER {event} ON service_request"
            f" {how} EXECUTE FUNCTION tpo_request_kelurahan_count()"
        )
    op.execute("DROP VIEW request_public_count")
    op.execute(ROLLUP_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW request_public_count")
    op.execute(COUNTING_VIEW)
    for name, _event, _how in reversed(TRIGGERS):
        op.execute(f"DROP TRIGGER tpo_kelurahan_count_{name} ON service_request")
    op.execute("DROP FUNCTION tpo_request_kelurahan_count()")
    op.drop_table("request_kelurahan_count")

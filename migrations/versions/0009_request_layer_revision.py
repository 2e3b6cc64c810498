"""request layers and their revisions

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:40:00

The two request layers (#12 §4, DESIGN §7):

- ``requests`` (restricted points) reads ``service_request.geom_point``: the request's point, or
  a point on its area (``ST_PointOnSurface``), a STORED generated column with its own GiST
  index, so tiles and ``bbox`` queries of areas and points use one index and never a function
  per row.
- ``requests_public`` (public polygons) reads the view ``request_public_count``: one row per
  kelurahan and (type, status), where ``'*'`` stands for every type or status (the rows of
  ``GROUP BY CUBE``); every kelurahan has a row for each (type, status) that occurs in its
  city, 0 included. Laterals keyed by the city and the kelurahan keep a read to the rows of
  one city (the combinations of the city, then each kelurahan's requests by its index), so
  the cost of an uncached page grows with the city's requests, not the deployment's.
  Counts 1..4 are suppressed: ``n_shown`` NULL and ``n_label`` ``'< 5'``
  (``geo.requests.MIN_PUBLIC_COUNT`` = 5; tests check the two agree). Row ids are stable:
  the kelurahan id times 2^28 plus 28 bits of the md5 of ``type|status``.

Freshness: statement-level triggers (the convention of 0001, ``tpo_bump_layer_revision``)
bump ``requests`` and ``requests_public`` of every city whose requests a statement inserted,
updated or deleted, in the writing transaction; admin_area writes bump ``requests_public``
too (its polygons and names are the kelurahan's).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# counts 1..4 are shown as "< 5": geo.requests.MIN_PUBLIC_COUNT, written out (a migration
# must give the same view whatever the code says later; tests check the two agree)
PUBLIC_VIEW = """
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

# (table, trigger name prefix, layer bumped)
TRIGGERS = (
    ("service_request", "tpo_rev", "requests"),
    ("service_request", "tpo_rev_public", "requests_public"),
    ("admin_area", "tpo_rev_public", "requests_public"),
)


def upgrade() -> None:
    op.execute(
        "ALTER TABLE service_request ADD COLUMN geom_point geometry(Point, 4326)"
        " GENERATED ALWAYS AS (CASE WHEN GeometryType(geom) = 'POINT' THEN geom"
        " ELSE ST_PointOnSurface(geom) END) STORED"
    )
    op.execute(
        "CREATE INDEX ix_service_request_geom_point ON service_request USING gist (geom_point)"
    )
    op.execute(PUBLIC_VIEW)
    for table, name, layer in TRIGGERS:
        for event, ref in (
            ("INSERT", "NEW TABLE AS tpo_changed"),
            ("UPDATE", "NEW TABLE AS tpo_changed"),
            ("DELETE", "OLD TABLE AS tpo_changed"),
        ):
            op.execute(
                f"CREATE TRIGGER {name}_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {ref} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION tpo_bump_layer_revision('{layer}')"
            )


def downgrade() -> None:
    for table, name, _layer in reversed(TRIGGERS):
        for event in ("delete", "update", "insert"):
            op.execute(f"DROP TRIGGER {name}_{event} ON {table}")
    # the layer_revision rows stay: revisions only grow, so an ETag is never reused
    op.execute("DROP VIEW request_public_count")
    op.execute("DROP INDEX ix_service_request_geom_point")
    op.execute("ALTER TABLE service_request DROP COLUMN geom_point")

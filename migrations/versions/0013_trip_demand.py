"""trip demand and route coverage

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 03:10:00

Two things the route editor shows planners (#13 §4, §5):

- ``trip_demand``: unmet trip searches counted anonymously per city, day (Asia/Jakarta),
  origin cell, destination cell and reason (``no_itinerary`` | ``long_walk``). A cell is a
  500 m square of the city's UTM zone, stored as its index ``ix * 100000 + iy`` (``ix =
  floor(x / 500)``, ``iy = floor(y / 500)``): never a point, an address, an IP or a time finer
  than the day (``geo.analysis.trip_demand``). Key ``(city_id, day, origin_cell,
  destination_cell, reason)`` (DESIGN §8); ``n`` searches.
- ``route_coverage``: a view, one row per kelurahan: the share of its area within 400 m of an
  active route (``angkot_route``, the published state), measured in the city's UTM zone, and
  the codes of the routes within 400 m. Each kelurahan buffers only the pieces of the routes
  near it (clipped to its box grown by 401 m, which leaves the buffer inside the kelurahan
  exact) and unions those buffers (2-3 times faster than buffering their collection, whose
  overlapping directions are costly to node), so reading one city costs its kelurahan, not
  the deployment's routes. Triggers on
  ``angkot_route`` and ``admin_area`` bump the layer revision ``route_coverage`` in the writing
  transaction (the convention of 0001), so its ETags and caches follow every publish.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# written out: geo.analysis.coverage.COVERAGE_RADIUS_M (a migration must not change with the
# code; tests check the two agree); 0.01 degrees prefilter > 400 m up to ~70 degrees latitude
COVERAGE_VIEW = """
CREATE VIEW route_coverage AS
SELECT k.city_id,
       k.id,
       k.code,
       k.name,
       k.parent_code AS kecamatan_code,
       ST_Area(k.g) / 1e6 AS area_km2,
       coalesce(ST_Area(ST_Intersection(k.g, c.buffer)), 0) / 1e6 AS covered_km2,
       coalesce(ST_Area(ST_Intersection(k.g, c.buffer)) / NULLIF(ST_Area(k.g), 0), 0) AS share,
       coalesce(c.routes, '') AS routes,
       coalesce(c.route_count, 0) AS route_count,
       k.geom,
       k.geom_geojson
FROM (
    SELECT a.*, ST_Transform(a.geom, ci.utm_srid) AS g, ci.utm_srid
    FROM admin_area a JOIN city ci ON ci.id = a.city_id
    WHERE a.level = 'kelurahan'
) k
CROSS JOIN LATERAL (
    SELECT ST_Union(ST_Buffer(ST_ClipByBox2D(n.g, ST_Expand(box2d(k.g), 401)), 400)) AS buffer,
           string_agg(DISTINCT n.code, ',' ORDER BY n.code) AS routes,
           count(DISTINCT n.code)::integer AS route_count
    FROM (
        SELECT r.code, ST_Transform(r.geom, k.utm_srid) AS g
        FROM angkot_route r
        WHERE r.city_id = k.city_id AND r.active AND r.geom && ST_Expand(k.geom, 0.01)
    ) n
    WHERE ST_DWithin(n.g, k.g, 400)
) c
"""

TRIGGERS = (
    ("angkot_route", "tpo_rev_coverage", "route_coverage"),
    ("admin_area", "tpo_rev_coverage", "route_coverage"),
)


def upgrade() -> None:
    op.create_table(
        "trip_demand",
        sa.Column(
            "city_id", sa.Integer(), sa.ForeignKey("city.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("origin_cell", sa.Integer(), nullable=False),
        sa.Column("destination_cell", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.CheckConstraint("n > 0", name="n_positive"),
        sa.CheckConstraint("reason IN ('no_itinerary', 'long_walk')", name="reason_known"),
        sa.PrimaryKeyConstraint(
            "city_id",
            "day",
            "origin_cell",
            "destination_cell",
            "reason",
            name="pk_trip_demand",
        ),
    )
    op.execute(COVERAGE_VIEW)
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
    op.execute("DROP VIEW route_coverage")
    op.drop_table("trip_demand")

"""requests may be lines: a citizen's transport suggestion from here to there

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-02 03:30:00

The type ``saran_transport`` (#13 §5) places a suggestion at a point ("angkot sering ngetem di
sini") or along a line from -> to ("butuh angkot dari sini ke sana"). ``service_request.geom``
now allows LINESTRING beside POINT and MULTIPOLYGON, and ``geom_point`` (what the ``requests``
layer draws and the kelurahan is assigned by, see ``geo.requests.place.PLACE_SQL``) is a line's
start: the place where the need is. A generated column's expression cannot be altered in
PostgreSQL 15, so the column and its GiST index are dropped and added again (a table rewrite;
the rollup triggers of 0011 do not fire on DDL).

Downgrade refuses while line requests exist (it would have to delete citizens' suggestions).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = "('POINT', 'MULTIPOLYGON')"
KINDS_AFTER = "('POINT', 'LINESTRING', 'MULTIPOLYGON')"
POINT_BEFORE = "CASE WHEN GeometryType(geom) = 'POINT' THEN geom ELSE ST_PointOnSurface(geom) END"
POINT_AFTER = (
    "CASE GeometryType(geom) WHEN 'POINT' THEN geom WHEN 'LINESTRING' THEN ST_StartPoint(geom)"
    " ELSE ST_PointOnSurface(geom) END"
)


def _swap(old_check: str, new_check: str, kinds: str, point: str) -> None:
    op.execute(f"ALTER TABLE service_request DROP CONSTRAINT ck_service_request_{old_check}")
    op.execute(
        f"ALTER TABLE service_request ADD CONSTRAINT ck_service_request_{new_check}"
        f" CHECK (GeometryType(geom) IN {kinds})"
    )
    op.execute("DROP INDEX ix_service_request_geom_point")
    op.execute("ALTER TABLE service_request DROP COLUMN geom_point")
    op.execute(
        "ALTER TABLE service_request ADD COLUMN geom_point geometry(Point, 4326)"
        f" GENERATED ALWAYS AS ({point}) STORED"
    )
    op.execute(
        "CREATE INDEX ix_service_request_geom_point ON service_request USING gist (geom_point)"
    )


def upgrade() -> None:
    _swap("geom_point_or_area", "geom_point_line_or_area", KINDS_AFTER, POINT_AFTER)


def downgrade() -> None:
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM service_request"
        " WHERE GeometryType(geom) = 'LINESTRING') THEN RAISE EXCEPTION"
        " 'service_request holds line requests: move or delete them before downgrading 0014';"
        " END IF; END $$"
    )
    _swap("geom_point_line_or_area", "geom_point_or_area", KINDS_BEFORE, POINT_BEFORE)

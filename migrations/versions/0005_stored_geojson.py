"""stored geojson

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 03:00:00

Each polygon and line feature of the OGC items keeps its GeoJSON geometry as text
(``geom_geojson``), so an items page concatenates stored text instead of calling
``ST_AsGeoJSON`` on every vertex per request (104 kelurahan of 200 vertices: 5.4 ms of SQL a
page; 300 routes of 200-800 vertices: 45 ms). It is a STORED generated column,
``ST_AsGeoJSON(geom, 6)`` exactly as the items SQL built it, so PostgreSQL rewrites it in the
same statement as any change of ``geom`` (no trigger to bypass, never stale). Storage
EXTERNAL: the text is TOASTed out of line but not compressed, so reading it costs no
decompression. Roads are left out (many short edges: little to gain, more to import) and so
are points (their GeoJSON costs nothing to build).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("admin_area", "angkot_route", "permit_parcel")


def upgrade() -> None:
    for table in TABLES:  # one ALTER: the table is rewritten once, already with EXTERNAL
        op.execute(
            f"ALTER TABLE {table}"
            " ADD COLUMN geom_geojson text GENERATED ALWAYS AS (ST_AsGeoJSON(geom, 6)) STORED,"
            " ALTER COLUMN geom_geojson SET STORAGE EXTERNAL"
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_column(table, "geom_geojson")

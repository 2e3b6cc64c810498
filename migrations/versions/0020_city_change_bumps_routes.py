"""A change of a city's row bumps its routes revision

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 09:30:00

The route index behind ``routes/near`` (``geo/transit/route_index.py``) keeps the city as read
when it was built: its bbox bounds the points it accepts and its UTM zone projects the lines.
The index is cached per routes revision (``angkot_routes``), so a new bbox (a boundary import's
``set_city_extent``, or any ``UPDATE city``) stayed unseen until a route edit or a restart. A row
trigger on ``city`` now bumps the city's ``angkot_routes`` revision when the row changes, in the
writing transaction, so the next request rebuilds the index (and the trip network) from the
new row. Caches keyed by that revision (the routes items) miss once; nothing else changes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
CREATE FUNCTION tpo_city_bumps_routes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO layer_revision AS lr (city_id, layer, revision, updated_at)
    VALUES (NEW.id, 'angkot_routes', 1, now())  -- ROUTES_LAYER, geo/transit/cache.py
    ON CONFLICT (city_id, layer)
    DO UPDATE SET revision = lr.revision + 1, updated_at = now();
    RETURN NULL;
END $$;
CREATE TRIGGER tpo_city_bumps_routes AFTER UPDATE ON city
FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
EXECUTE FUNCTION tpo_city_bumps_routes();
"""
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER tpo_city_bumps_routes ON city")
    op.execute("DROP FUNCTION tpo_city_bumps_routes()")

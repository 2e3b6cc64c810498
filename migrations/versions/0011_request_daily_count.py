"""requests counted per day: the rollup of the by-kelurahan aggregate

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 02:00:00

At a million requests the staff choropleth's ``GROUP BY kelurahan_code, status`` over the
matching rows costs hundreds of ms even through the covering indexes of 0010 (a 6-month window
of open statuses is ~15 % of the table, and status changes keep the visibility map cold, so the
index-only scan fetches the heap). ``request_daily_count`` holds, per city, type, OPD,
kecamatan, kelurahan, status and calendar day (Asia/Jakarta, the day ``geo.requests.deadlines
.day_start`` starts the staff filters' ``from``/``to`` on), the number of requests: the
aggregate sums at most (kelurahan x statuses x days) rows instead of counting requests.

- Missing codes are stored as ``''`` (primary key columns cannot be NULL); no code a filter or
  a grant names is empty, so ``opd_code = :x`` means the same on both tables.
- Kept exact in the writing transaction by statement-level triggers with transition tables on
  ``service_request`` (insert, update, delete): the rows a statement removed count -1 and the
  rows it added +1 per key, keys whose sum is 0 (an update that moved nothing counted, such as
  a version bump) are dropped; negative sums lower existing rows, positive ones are upserted
  in key order. A key whose count falls to 0 keeps its row (n = 0): sums are unaffected.
  ``n >= 0`` is checked, so a count that drifted below its table fails the write instead of
  answering wrong numbers. TRUNCATE of the requests empties the rollup.
- Filled from the existing rows here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# written out: geo.requests.deadlines.CITY_TZ (a migration must not change with the code)
TZ = "Asia/Jakarta"
KEYS = "city_id, type, opd_code, kecamatan_code, kelurahan_code, status, day"


def _keyed(source: str, sign: int) -> str:
    return (
        f"SELECT city_id, type, coalesce(opd_code, '') AS opd_code,"  # noqa: S608 - fixed fragments
        f" coalesce(kecamatan_code, '') AS kecamatan_code,"
        f" coalesce(kelurahan_code, '') AS kelurahan_code, status,"
        f" CAST(created_at AT TIME ZONE '{TZ}' AS date) AS day, {sign} AS n FROM {source}"
    )


def _delta(*parts: str) -> str:
    return (
        f"SELECT {KEYS}, sum(n) AS n FROM ({' UNION ALL '.join(parts)}) d"  # noqa: S608 - fixed fragments
        f" GROUP BY {KEYS} HAVING sum(n) <> 0"
    )


def _add(delta: str) -> str:
    """Upsert the positive counts of ``delta`` (in key order: concurrent writers lock alike)."""
    return (
        f"INSERT INTO request_daily_count AS c ({KEYS}, n)"  # noqa: S608 - fixed fragments
        f" SELECT {KEYS}, n FROM ({delta}) d WHERE n > 0 ORDER BY {KEYS}"
        " ON CONFLICT ON CONSTRAINT pk_request_daily_count DO UPDATE SET n = c.n + EXCLUDED.n"
    )


def _subtract(delta: str) -> str:
    """Lower existing counts by the negative ones of ``delta`` (a CHECK refuses them on an
    INSERT even when it would conflict)."""
    match = " AND ".join(f"c.{k} = d.{k}" for k in KEYS.split(", "))
    return (
        f"UPDATE request_daily_count c SET n = c.n + d.n FROM ({delta}) d"  # noqa: S608 - fixed fragments
        f" WHERE d.n < 0 AND {match}"
    )


_NEW, _OLD = _keyed("tpo_new", 1), _keyed("tpo_old", -1)
FUNCTION = f"""
CREATE FUNCTION tpo_request_daily_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_add(_delta(_NEW))};
    ELSIF TG_OP = 'UPDATE' THEN
        {_subtract(_delta(_NEW, _OLD))};
        {_add(_delta(_NEW, _OLD))};
    ELSIF TG_OP = 'DELETE' THEN
        {_subtract(_delta(_OLD))};
    ELSE
        DELETE FROM request_daily_count;
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


def upgrade() -> None:
    code = sa.String(32)
    op.create_table(
        "request_daily_count",
        sa.Column(
            "city_id", sa.Integer(), sa.ForeignKey("city.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("opd_code", code, nullable=False, server_default=""),
        sa.Column("kecamatan_code", code, nullable=False, server_default=""),
        sa.Column("kelurahan_code", code, nullable=False, server_default=""),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.CheckConstraint("n >= 0", name="n_not_negative"),
        sa.PrimaryKeyConstraint(
            "city_id",
            "status",
            "day",
            "type",
            "opd_code",
            "kecamatan_code",
            "kelurahan_code",
            name="pk_request_daily_count",
        ),
    )
    # a date window without a status filter
    op.create_index("ix_request_daily_count_city_id_day", "request_daily_count", ["city_id", "day"])
    op.execute(_add(_delta(_keyed("service_request", 1))))
    op.execute(FUNCTION)
    for name, event, how in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER tpo_daily_count_{name} AFTER {event} ON service_request"
            f" {how} EXECUTE FUNCTION tpo_request_daily_count()"
        )


def downgrade() -> None:
    for name, _event, _how in reversed(TRIGGERS):
        op.execute(f"DROP TRIGGER tpo_daily_count_{name} ON service_request")
    op.execute("DROP FUNCTION tpo_request_daily_count()")
    op.drop_index("ix_request_daily_count_city_id_day", table_name="request_daily_count")
    op.drop_table("request_daily_count")

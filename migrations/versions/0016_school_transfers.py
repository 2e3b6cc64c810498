"""school transfers: role sekolah scoped to one school (NPSN), schools' remaining capacity

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 03:40:00

``user_role`` gets ``npsn``: a grant of the new role ``sekolah`` names the school (Dapodik NPSN)
whose staff the user is; the role check and the unique grant index take the new role and column.
``school`` gets ``capacity_remaining``: seats open for mid-year transfers (daya tampung sisa) when
the school layer has them, NULL when not known (the transfer workflow then says so).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_ROLES = (
    "('warga', 'dishub', 'dishub_reviewer', 'opd_staff', 'inspektur', 'admin_kota', 'admin')"
)
_NEW_ROLES = (
    "('warga', 'dishub', 'dishub_reviewer', 'opd_staff', 'inspektur', 'sekolah', 'admin_kota',"
    " 'admin')"
)
_GRANT_COLUMNS = [
    "user_id",
    "role",
    sa.text("coalesce(opd_code, ''::character varying)"),
    sa.text("coalesce(kecamatan_code, ''::character varying)"),
]


def upgrade() -> None:
    op.add_column("user_role", sa.Column("npsn", sa.String(length=16), nullable=True))
    op.drop_constraint(op.f("ck_user_role_role_known"), "user_role", type_="check")
    op.create_check_constraint(
        op.f("ck_user_role_role_known"), "user_role", f"role IN {_NEW_ROLES}"
    )
    op.drop_index("ix_user_role_grant", table_name="user_role")
    op.create_index(
        "ix_user_role_grant",
        "user_role",
        [*_GRANT_COLUMNS, sa.text("coalesce(npsn, ''::character varying)")],
        unique=True,
    )
    op.add_column("school", sa.Column("capacity_remaining", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_school_capacity_not_negative"), "school", "capacity_remaining >= 0"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_school_capacity_not_negative"), "school", type_="check")
    op.drop_column("school", "capacity_remaining")
    op.execute("DELETE FROM user_role WHERE role = 'sekolah'")
    op.drop_index("ix_user_role_grant", table_name="user_role")
    op.create_index("ix_user_role_grant", "user_role", _GRANT_COLUMNS, unique=True)
    op.drop_constraint(op.f("ck_user_role_role_known"), "user_role", type_="check")
    op.create_check_constraint(
        op.f("ck_user_role_role_known"), "user_role", f"role IN {_OLD_ROLES}"
    )
    op.drop_column("user_role", "npsn")

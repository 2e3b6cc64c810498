"""e-audit: photos of the office's follow-up entries

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 17:45:00

``audit_photo.followup_id``: the office's follow-up entry (``finding_followup``) a photo belongs
to (#14 §2: the office's follow-up may carry photos as findings do). Such a photo also names the
finding and the audit, so the inspectorate's reads of both list it; the finding stays unchanged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_photo", sa.Column("followup_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_photo", "followup_id")

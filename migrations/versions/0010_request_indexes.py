"""indexes of the staff reads of requests at a million rows

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:45:00

The staff table and the by-kelurahan aggregate filter by status and a date window, and the
scope columns (type, OPD, kecamatan, kelurahan) decide the rest. Two covering indexes let both
read only the matching index entries (bench/requests, docs/benchmarks.md):

- ``(city_id, status, created_at) INCLUDE (type, opd_code, kecamatan_code, kelurahan_code)``
  for a status filter;
- ``(city_id, created_at) INCLUDE (type, status, opd_code, kecamatan_code, kelurahan_code)``
  replaces the plain ``(city_id, created_at)`` for a date window without a status.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_service_request_city_id_status_created_at",
        "service_request",
        ["city_id", "status", "created_at"],
        postgresql_include=["type", "opd_code", "kecamatan_code", "kelurahan_code"],
    )
    op.drop_index("ix_service_request_city_id_created_at", table_name="service_request")
    op.create_index(
        "ix_service_request_city_id_created_at",
        "service_request",
        ["city_id", "created_at"],
        postgresql_include=["type", "status", "opd_code", "kecamatan_code", "kelurahan_code"],
    )


def downgrade() -> None:
    op.drop_index("ix_service_request_city_id_created_at", table_name="service_request")
    op.create_index(
        "ix_service_request_city_id_created_at", "service_request", ["city_id", "created_at"]
    )
    op.drop_index("ix_service_request_city_id_status_created_at", table_name="service_request")

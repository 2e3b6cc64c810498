"""accounts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:00:00

Accounts (issue #9 §2): ``opd`` (the city's offices), ``app_user`` (a city's users; ``city_id``
NULL for deployment administrators; one username per city, case-insensitive), ``user_role`` (a
role with its optional OPD / kecamatan scope), ``user_session`` (server-side sessions: the
SHA-256 of the cookie value), ``api_token`` (the SHA-256 of the token), ``login_attempt`` (read
by the login throttle) and ``audit_log``.

The audit log is append-only at the database level: statement-level triggers refuse every
UPDATE, DELETE and TRUNCATE (even one touching no row), whoever runs it, and PUBLIC holds none
of those privileges. It has no foreign keys, so deleting a city or a user keeps its history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION tpo_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
APPEND_ONLY_TRIGGERS = {
    "tpo_audit_log_no_update": "UPDATE",
    "tpo_audit_log_no_delete": "DELETE",
    "tpo_audit_log_no_truncate": "TRUNCATE",
}


def upgrade() -> None:
    op.create_table(
        "opd",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"], ["city.id"], name=op.f("fk_opd_city_id_city"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("city_id", "code", name=op.f("pk_opd")),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["city_id"], ["city.id"], name=op.f("fk_app_user_city_id_city"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
    )
    op.create_index(op.f("ix_app_user_city_id"), "app_user", ["city_id"], unique=False)
    op.create_index(
        "ix_app_user_city_username",
        "app_user",
        [sa.text("coalesce(city_id, 0)"), sa.text("lower(username::text)")],
        unique=True,
    )
    op.create_table(
        "user_role",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("opd_code", sa.String(length=32), nullable=True),
        sa.Column("kecamatan_code", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "role IN ('warga', 'dishub', 'dishub_reviewer', 'opd_staff', 'inspektur',"
            " 'admin_kota', 'admin')",
            name=op.f("ck_user_role_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_user_role_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_role")),
    )
    op.create_index(
        "ix_user_role_grant",
        "user_role",
        [
            "user_id",
            "role",
            sa.text("coalesce(opd_code, ''::character varying)"),
            sa.text("coalesce(kecamatan_code, ''::character varying)"),
        ],
        unique=True,
    )
    op.create_table(
        "user_session",
        sa.Column("id_hash", sa.CHAR(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("ip", postgresql.INET(), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_user_session_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_user_session")),
    )
    op.create_index(op.f("ix_user_session_expires_at"), "user_session", ["expires_at"])
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"])
    op.create_table(
        "api_token",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("token_hash", sa.CHAR(length=64), nullable=False),
        sa.Column(
            "scopes",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_api_token_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_index(op.f("ix_api_token_user_id"), "api_token", ["user_id"])
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("username_key", sa.String(length=64), nullable=False),
        sa.Column("ip", postgresql.INET(), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    op.create_index("ix_login_attempt_username_key_at", "login_attempt", ["username_key", "at"])
    op.create_index("ix_login_attempt_ip_at", "login_attempt", ["ip", "at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("ip", postgresql.INET(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=True),
        sa.Column("object_id", sa.String(length=128), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_city_id_at", "audit_log", ["city_id", "at"])
    op.create_index("ix_audit_log_action_at", "audit_log", ["action", "at"])
    op.execute(APPEND_ONLY_FUNCTION)
    for name, event in APPEND_ONLY_TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON audit_log"
            " FOR EACH STATEMENT EXECUTE FUNCTION tpo_audit_log_append_only()"
        )
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC")


def downgrade() -> None:
    op.drop_table("audit_log")  # its triggers go with it
    op.execute("DROP FUNCTION IF EXISTS tpo_audit_log_append_only()")
    op.drop_table("login_attempt")
    op.drop_table("api_token")
    op.drop_table("user_session")
    op.drop_table("user_role")
    op.drop_table("app_user")
    op.drop_table("opd")

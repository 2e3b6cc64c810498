"""Accounts: OPDs, users and their roles, sessions, API tokens, login attempts, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geo.models.base import Base

# every role a user can hold (the permission matrix in geo.accounts refers to these)
# ``sekolah``: the staff of one school (its NPSN in the grant), for school transfers
ROLES = (
    "warga",
    "dishub",
    "dishub_reviewer",
    "opd_staff",
    "inspektur",
    "sekolah",
    "admin_kota",
    "admin",
)


class Opd(Base):
    """An OPD (organisasi perangkat daerah: a city office such as Dishub) of a city."""

    __tablename__ = "opd"

    city_id: Mapped[int] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class AppUser(Base):
    """A user account of a city, or a deployment administrator (``city_id`` NULL)."""

    __tablename__ = "app_user"
    __table_args__ = (
        # one username per city, case-insensitive; deployment admins share "city 0"
        Index(
            "ix_app_user_city_username",
            text("coalesce(city_id, 0)"),
            text("lower(username::text)"),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    city_id: Mapped[int | None] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), index=True
    )
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserRole(Base):
    """One role of a user with its optional scope (an OPD code, a kecamatan code)."""

    __tablename__ = "user_role"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role_known"),
        Index(
            "ix_user_role_grant",
            "user_id",
            "role",
            text("coalesce(opd_code, ''::character varying)"),
            text("coalesce(kecamatan_code, ''::character varying)"),
            text("coalesce(npsn, ''::character varying)"),
            unique=True,
        ),
    )

    # a surrogate key: the ORM needs one, and (user_id, role, scope) has NULLs
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    opd_code: Mapped[str | None] = mapped_column(String(32))
    kecamatan_code: Mapped[str | None] = mapped_column(String(32))
    # role ``sekolah``: the school (Dapodik NPSN) whose staff the user is
    npsn: Mapped[str | None] = mapped_column(String(16))


class UserSession(Base):
    """A login session; the cookie holds a random value, this row its SHA-256 (hex)."""

    __tablename__ = "user_session"

    id_hash: Mapped[str] = mapped_column(CHAR(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    ip: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(String(300))


class ApiToken(Base):
    """An API token of a user: ``tpo_`` + prefix + secret, kept as its SHA-256 (hex)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(CHAR(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """One login attempt (ok or failed), read by the throttle."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_key_at", "username_key", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    username_key: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(INET)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ok: Mapped[bool] = mapped_column(Boolean)


class AuditLog(Base):
    """One audited event; append-only (triggers refuse UPDATE, DELETE and TRUNCATE)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_city_id_at", "city_id", "at"),
        Index("ix_audit_log_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    city_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(INET)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(128))
    before: Mapped[Any | None] = mapped_column(JSONB)
    after: Mapped[Any | None] = mapped_column(JSONB)
    detail: Mapped[Any | None] = mapped_column(JSONB)

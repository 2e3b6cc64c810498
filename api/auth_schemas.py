"""Pydantic schemas of the accounts endpoints (``/auth/*``, ``/admin/*``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from geo.accounts import Grant, Principal


class LoginCreate(BaseModel):
    """``POST /auth/login``, as JSON or as a form post of web/masuk.html."""

    username: str = Field(min_length=1, max_length=64, examples=["dishub.demo"])
    password: str = Field(min_length=1, max_length=1024)
    city: str | None = Field(
        default=None, max_length=64, description="City slug; empty: the default city"
    )
    next: str | None = Field(
        default=None, max_length=2000, description="Form posts: the path to open after login"
    )


class GrantPublic(BaseModel):
    """One role of a user, with its scope."""

    role: str = Field(examples=["opd_staff"])
    opd: str | None = Field(default=None, examples=["DISHUB"])
    kecamatan: str | None = None
    npsn: str | None = Field(default=None, description="The school of a `sekolah` grant")

    @classmethod
    def of(cls, grant: Grant) -> GrantPublic:
        """Schema of a :class:`Grant`."""
        return cls(role=grant.role, opd=grant.opd, kecamatan=grant.kecamatan, npsn=grant.npsn)


class UserPublic(BaseModel):
    """The logged-in user as the user sees themself (no email, no ids)."""

    username: str
    display_name: str
    city: str | None = Field(description="Slug of the user's city; null: deployment admin")
    roles: list[GrantPublic]

    @classmethod
    def of(cls, principal: Principal, city: str | None) -> UserPublic:
        """Schema of a user :class:`Principal` whose city has the slug ``city``."""
        return cls(
            username=principal.username,
            display_name=principal.display_name,
            city=city,
            roles=[GrantPublic.of(g) for g in principal.grants],
        )


class MePublic(BaseModel):
    """``GET /auth/me``."""

    authenticated: bool
    user: UserPublic | None
    csrf_token: str | None = Field(
        description="Send as X-CSRF-Token with unsafe requests authenticated by the cookie"
    )


class LoginPublic(BaseModel):
    """``POST /auth/login`` (JSON): the user and the session's CSRF token."""

    user: UserPublic
    csrf_token: str


class AuditEntryPublic(BaseModel):
    """One row of the audit log."""

    id: int
    at: datetime
    city_id: int | None
    actor_id: int | None
    actor: str
    ip: str | None
    action: str
    object_type: str | None
    object_id: str | None
    before: Any | None
    after: Any | None
    detail: Any | None


class AuditPagePublic(BaseModel):
    """``GET /admin/audit``: newest first."""

    entries: list[AuditEntryPublic]
    number_matched: int
    limit: int
    offset: int


class UserAdminPublic(BaseModel):
    """A user as an administrator sees them (personal data: reading it is audited)."""

    id: int
    username: str
    display_name: str
    email: str | None
    city: str | None
    active: bool
    roles: list[GrantPublic]
    created_at: datetime
    last_login_at: datetime | None


class UserListPublic(BaseModel):
    """``GET /admin/users``."""

    users: list[UserAdminPublic]

"""``tpo user``, ``tpo token`` and ``tpo audit``: accounts from the command line (audited)."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from api.cli_errors import load_settings
from geo.accounts import (
    ROLES,
    Grant,
    Principal,
    cli_principal,
    create_token,
    create_user,
    generate_password,
    get_user,
    grant,
    list_audit,
    list_users,
    record,
    revoke,
    revoke_token,
    set_active,
    set_password,
)
from geo.cities import get_city
from geo.errors import InvalidInputError
from geo.store import make_engine, prepare_database, session_scope

console = Console(stderr=True)
out = Console()
user_app = typer.Typer(help="User accounts of a city ('-' as CITY: deployment administrators).")
token_app = typer.Typer(help="API tokens for scripts (shown once, stored hashed).")

City = Annotated[str, typer.Argument(help="City slug, or '-' for deployment administrators.")]
Username = Annotated[str, typer.Argument(help="The user's login name.")]
Role = Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")]
Opd = Annotated[str | None, typer.Option("--opd", help="OPD code (for opd_staff).")]
Kecamatan = Annotated[str | None, typer.Option("--kecamatan", help="Kecamatan code scope.")]
Npsn = Annotated[str | None, typer.Option("--npsn", help="The school's NPSN (for sekolah).")]
Generate = Annotated[bool, typer.Option("--generate", help="Generate a password, print it once.")]


@contextmanager
def _session() -> Iterator[tuple[Session, Principal]]:
    settings = load_settings()
    prepared = prepare_database(settings, log=lambda m: console.print(f"[dim]{escape(m)}[/dim]"))
    engine = make_engine(prepared.url, pool_size=1)
    try:
        with session_scope(engine) as session:
            yield session, cli_principal(getpass.getuser())
    finally:
        engine.dispose()
        prepared.release()


def _city_id(session: Session, city: str) -> int | None:
    return None if city == "-" else get_city(session, city).id


def _password(generate: bool) -> str:
    if generate:
        return generate_password()
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Again", hide_input=True) != first:
        raise InvalidInputError(
            "the two passwords differ", [{"field": "password", "message": "differ"}]
        )
    return str(first)


def _audit(
    session: Session, who: Principal, action: str, city_id: int | None, **after: object
) -> None:
    record(session, who, action, city_id=city_id, object_type="app_user", after=dict(after))


@user_app.command("add")
def user_add(  # noqa: PLR0917 (typer reads the parameters)
    city: City,
    username: Username,
    role: Role,
    opd: Opd = None,
    kecamatan: Kecamatan = None,
    npsn: Npsn = None,
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    generate: Generate = False,
) -> None:
    """Add a user with one role (asks for the password twice, or --generate)."""
    password = _password(generate)
    with _session() as (session, who):
        city_id = _city_id(session, city)
        create_user(
            session,
            city_id=city_id,
            username=username,
            display_name=name or username,
            password=password,
            email=email,
            grants=[Grant(role, opd=opd, kecamatan=kecamatan, npsn=npsn)],
        )
        _audit(session, who, "users.create", city_id, username=username, role=role, opd=opd)
    out.print(f"User {escape(username)} added ({escape(role)}).")
    if generate:
        out.print(f"Password (shown once): {escape(password)}")


@user_app.command("list")
def user_list(city: City) -> None:
    """The users of a city with their roles."""
    with _session() as (session, who):
        city_id = _city_id(session, city)
        users = list_users(session, city_id=city_id)
        _audit(session, who, "users.list", city_id, count=len(users))
    table = Table("username", "name", "roles", "active", "last login")
    for user in users:
        roles = ", ".join(
            g.role
            + (f" ({g.opd})" if g.opd else "")
            + (f" [{g.kecamatan}]" if g.kecamatan else "")
            + (f" NPSN {g.npsn}" if g.npsn else "")
            for g in user.grants
        )
        last = user.last_login_at.isoformat(timespec="minutes") if user.last_login_at else "-"
        table.add_row(
            escape(user.username),
            escape(user.display_name),
            escape(roles),
            "yes" if user.active else "no",
            last,
        )
    out.print(table)


def _set_active(city: str, username: str, active: bool) -> None:
    with _session() as (session, who):
        city_id = _city_id(session, city)
        user = get_user(session, city_id=city_id, username=username)
        set_active(session, user.id, active)
        _audit(
            session, who, "users.enable" if active else "users.disable", city_id, username=username
        )
    out.print(f"User {escape(username)} {'enabled' if active else 'disabled'}.")


@user_app.command("disable")
def user_disable(city: City, username: Username) -> None:
    """Disable a user (their sessions end at once)."""
    _set_active(city, username, False)


@user_app.command("enable")
def user_enable(city: City, username: Username) -> None:
    """Enable a disabled user again."""
    _set_active(city, username, True)


@user_app.command("reset-password")
def user_reset_password(city: City, username: Username, generate: Generate = False) -> None:
    """Give a user a new password (their sessions end)."""
    password = _password(generate)
    with _session() as (session, who):
        city_id = _city_id(session, city)
        user = get_user(session, city_id=city_id, username=username)
        set_password(session, user.id, password)
        _audit(session, who, "users.reset_password", city_id, username=username)
    out.print(f"Password of {escape(username)} changed.")
    if generate:
        out.print(f"Password (shown once): {escape(password)}")


def _grant(city: str, username: str, g: Grant, give: bool) -> None:
    with _session() as (session, who):
        city_id = _city_id(session, city)
        user = get_user(session, city_id=city_id, username=username)
        (grant if give else revoke)(session, user.id, g)
        action = "users.grant" if give else "users.revoke"
        _audit(session, who, action, city_id, username=username, role=g.role, opd=g.opd)
    out.print(f"{'Granted' if give else 'Revoked'} {escape(g.role)} for {escape(username)}.")


@user_app.command("grant")
def user_grant(  # noqa: PLR0917 (typer reads the parameters)
    city: City,
    username: Username,
    role: Role,
    opd: Opd = None,
    kecamatan: Kecamatan = None,
    npsn: Npsn = None,
) -> None:
    """Give a user another role."""
    _grant(city, username, Grant(role, opd=opd, kecamatan=kecamatan, npsn=npsn), True)


@user_app.command("revoke")
def user_revoke(  # noqa: PLR0917 (typer reads the parameters)
    city: City,
    username: Username,
    role: Role,
    opd: Opd = None,
    kecamatan: Kecamatan = None,
    npsn: Npsn = None,
) -> None:
    """Take a role (with exactly this scope) from a user."""
    _grant(city, username, Grant(role, opd=opd, kecamatan=kecamatan, npsn=npsn), False)


@token_app.command("create")
def token_create(
    city: City,
    username: Username,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")],
    expires_days: Annotated[int | None, typer.Option("--expires-days", min=1, max=3650)] = None,
) -> None:
    """Create an API token acting as the user; it is printed once."""
    expires = datetime.now(UTC) + timedelta(days=expires_days) if expires_days else None
    with _session() as (session, who):
        city_id = _city_id(session, city)
        user = get_user(session, city_id=city_id, username=username)
        token_id, token = create_token(session, user.id, name=name, expires_at=expires)
        record(
            session,
            who,
            "tokens.create",
            city_id=city_id,
            object_type="api_token",
            object_id=str(token_id),
            after={"username": username, "name": name},
        )
    out.print(f"Token {token_id} for {escape(username)} (shown once): {escape(token)}")


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Revoke an API token by its id."""
    with _session() as (session, who):
        revoke_token(session, token_id)
        record(session, who, "tokens.revoke", object_type="api_token", object_id=str(token_id))
    out.print(f"Token {token_id} revoked.")


def audit_cmd(
    city: Annotated[str | None, typer.Option("--city", help="City slug.")] = None,
    action: Annotated[str | None, typer.Option("--action")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
) -> None:
    """The newest entries of the audit log (who, when, from where, what)."""
    with _session() as (session, who):
        city_id = get_city(session, city).id if city else None
        page = list_audit(session, who, city_id=city_id, action=action, limit=limit)
    table = Table("when (UTC)", "who", "from", "action", "object")
    for entry in page.entries:
        thing = f"{entry.object_type or ''} {entry.object_id or ''}".strip()
        table.add_row(
            entry.at.astimezone(UTC).isoformat(timespec="seconds"),
            escape(entry.actor),
            escape(entry.ip or "-"),
            escape(entry.action),
            escape(thing),
        )
    out.print(table)
    out.print(f"{len(page.entries)} of {page.total} entries")

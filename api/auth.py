"""Who calls and what they may do: the Principal, ``requires(action)``, CSRF, the client IP."""

from __future__ import annotations

import hmac
import ipaddress
import urllib.parse
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.settings import Settings
from geo.accounts import (
    ANONYMOUS,
    PERMISSIONS,
    Principal,
    authorize,
    resolve_session,
    resolve_token,
)
from geo.cities import get_city
from geo.errors import AuthenticationRequiredError, PermissionDeniedError

COOKIE = "tpo_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# a session cookie or token longer than this is junk, never looked up
MAX_CREDENTIAL = 200
FORM = "application/x-www-form-urlencoded"


class CsrfFailedError(PermissionDeniedError):
    """A cookie-authenticated unsafe request without the session's CSRF token."""

    code = "csrf-failed"
    title = "CSRF check failed"


def client_ip(request: Request) -> str | None:
    """The client's IP address: the peer, or what a trusted proxy says in ``X-Forwarded-For``.

    ``X-Forwarded-For`` is read only when the peer is one of ``TPO_TRUSTED_PROXIES``; then the
    rightmost address that is not a trusted proxy is the client. Anything that is not an IP
    address (the test client's "testclient") gives None.
    """
    peer = _ip(request.client.host if request.client else None)
    settings: Settings = request.app.state.settings
    proxies = settings.proxy_networks()
    if peer is None or not proxies or not _within(peer, proxies):
        return None if peer is None else str(peer)
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in hops if h]):
        address = _ip(hop)
        if address is None:
            break
        if not _within(address, proxies):
            return str(address)
    return str(peer)


def _ip(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value or "")
    except ValueError:
        return None


def _within(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network],
) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def user_agent(request: Request) -> str | None:
    """The User-Agent header, cut to what the session table keeps."""
    agent = request.headers.get("user-agent")
    return agent[:300] if agent else None


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if any."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def _resolve(session: Session, request: Request) -> tuple[Principal, str | None]:
    token = bearer_token(request)
    if token is not None:
        principal = resolve_token(session, token) if len(token) <= MAX_CREDENTIAL else None
        if principal is None:
            raise AuthenticationRequiredError("the API token is unknown, expired or revoked")
        return principal, None
    cookie = request.cookies.get(COOKIE)
    if cookie and len(cookie) <= MAX_CREDENTIAL:
        found = resolve_session(session, cookie)
        if found is not None:
            return found
    # a stale or unknown cookie: the request is anonymous (the page still works)
    return ANONYMOUS, None


def principal_of(session: Session, request: Request) -> Principal:
    """The caller of a safe (GET) request, resolved on demand: a Bearer API token, else the
    ``tpo_session`` cookie, else anonymous (no database work without a credential).

    For routes that need the caller only sometimes (restricted layers on the layer routes,
    whose public reads stay free of it).

    Raises:
        AuthenticationRequiredError: An unknown, expired or revoked Bearer token.
    """
    return _resolve(session, request)[0]


async def get_principal(request: Request, session: SessionDep) -> Principal:
    """The caller: a Bearer API token, else the ``tpo_session`` cookie, else anonymous.

    A cookie-authenticated request with an unsafe method must send the session's CSRF token
    (header ``X-CSRF-Token`` or form field ``csrf_token``), else 403 ``csrf-failed``; Bearer
    requests carry no ambient credential and need none. An unknown Bearer token is a 401.
    """
    principal, csrf = await run_in_threadpool(_resolve, session, request)
    request.state.csrf_token = csrf
    if principal.via == "session" and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or await _form_field(request, CSRF_FIELD)
        if not sent or csrf is None or not hmac.compare_digest(sent.encode(), csrf.encode()):
            raise CsrfFailedError("this request needs the session's X-CSRF-Token header")
    return principal


async def _form_field(request: Request, name: str) -> str | None:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        return None
    fields = urllib.parse.parse_qs((await request.body()).decode("utf-8", "replace"))
    values = fields.get(name)
    return values[0] if values else None


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def csrf_token_of(request: Request) -> str | None:
    """The CSRF token of the request's session (after ``get_principal``), if any."""
    token: str | None = getattr(request.state, "csrf_token", None)
    return token


def requires(
    action: str,
    *,
    scope_from_city: bool = True,
    openapi_extra: dict[str, Any] | None = None,
    dependencies: Sequence[Any] = (),
) -> dict[str, Any]:
    """Route keyword arguments making the route check ``action`` of the permission matrix.

    ``@router.get("/x", **requires("layers.read"))``: the route gets a dependency that
    authorizes the principal (401 for anonymous callers of a role-restricted rule, 403 for the
    wrong role or city), and ``x-permission: action`` in the OpenAPI document (merged into
    ``openapi_extra``; ``dependencies`` run after the check). With
    ``scope_from_city`` the ``{city}`` of the URL is the object's city of a city-scoped rule.
    Rules open to anyone need no principal: such routes stay free of any database work here.

    Raises:
        KeyError: ``action`` is not in the matrix (a programming error, found at start-up).
    """
    rule = PERMISSIONS[action]
    extra = {**(openapi_extra or {}), "x-permission": action}
    if rule.roles is None:

        def anyone() -> None:
            """Open to anyone, anonymous included."""

        return {"dependencies": [Depends(anyone), *dependencies], "openapi_extra": extra}

    def check(request: Request, principal: PrincipalDep, session: SessionDep) -> None:
        city_id = None
        slug = request.path_params.get("city")
        if scope_from_city and rule.scope == "city" and isinstance(slug, str):
            if principal.is_anonymous:
                authorize(principal, action)  # 401 before revealing whether the city exists
            city_id = get_city(session, slug).id
        authorize(principal, action, city_id=city_id)

    return {"dependencies": [Depends(check), *dependencies], "openapi_extra": extra}


def session_cookie(response: Response, request: Request, value: str, ttl_s: int) -> None:
    """Set the ``tpo_session`` cookie: HttpOnly, SameSite=Lax, Path=/, Secure on https."""
    response.set_cookie(
        COOKIE,
        value,
        max_age=ttl_s,
        path="/",
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    """Expire the ``tpo_session`` cookie."""
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=cookie_secure(request)
    )


def cookie_secure(request: Request) -> bool:
    """Whether the session cookie is ``Secure`` (``TPO_COOKIE_SECURE``; auto: https only)."""
    settings: Settings = request.app.state.settings
    if settings.cookie_secure == "auto":
        return request.url.scheme == "https"
    return settings.cookie_secure == "always"

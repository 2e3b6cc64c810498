"""``/auth``: log in (JSON or the form of /masuk), log out, who am I."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.auth import (
    COOKIE,
    FORM,
    PrincipalDep,
    clear_session_cookie,
    client_ip,
    csrf_token_of,
    requires,
    session_cookie,
    user_agent,
)
from api.auth_schemas import LoginCreate, LoginPublic, MePublic, UserPublic
from api.deps import SessionDep, SettingsDep
from geo.accounts import Principal, authenticate, end_session, record, start_session
from geo.cities import get_city, list_cities
from geo.errors import AuthenticationRequiredError, LoginThrottledError, NotFoundError

router = APIRouter(prefix="/auth", tags=["accounts"])
JSON = "application/json"
NO_STORE = {"Cache-Control": "no-store"}
LOGIN_PAGE = "/masuk"
_LOGIN_SCHEMA = LoginCreate.model_json_schema()
LOGIN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {JSON: {"schema": _LOGIN_SCHEMA}, FORM: {"schema": _LOGIN_SCHEMA}},
    }
}


@dataclass(frozen=True)
class LoginInput:
    """The fields of a login request and whether it came as a form post."""

    fields: dict[str, Any]
    form: bool


async def read_login(request: Request) -> LoginInput:
    """The login fields from a JSON body or a urlencoded form (415 for anything else)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if kind == FORM:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), max_num_fields=20)
        return LoginInput({k: v for k, v in pairs if k in LoginCreate.model_fields}, form=True)
    if kind == JSON or kind.endswith("+json"):
        try:
            fields = json.loads(body)
        except ValueError:
            raise _invalid("body", "the body is not valid JSON") from None
        if not isinstance(fields, dict):
            raise _invalid("body", "the body must be a JSON object")
        return LoginInput(fields, form=False)
    raise HTTPException(415, f"send the login as {JSON} or {FORM}")


def _invalid(field: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", field), "msg": message, "type": "value_error"}])


LoginDep = Annotated[LoginInput, Depends(read_login)]


def safe_next(value: str | None) -> str:
    """A path of this site to go to after a form login; anything else gives ``/``."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urllib.parse.urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "/"
    return value


def _back(error: str, fragment: str, next_path: str, retry_s: int | None = None) -> Response:
    query = {"error": error}
    if retry_s is not None:
        query["retry"] = str(retry_s)
    if next_path != "/":
        query["next"] = next_path
    url = f"{LOGIN_PAGE}?{urllib.parse.urlencode(query)}#{fragment}"
    return RedirectResponse(url, status_code=303, headers=NO_STORE)


def city_slug(session: Session, city_id: int | None) -> str | None:
    """The slug of the city with id ``city_id`` (None for deployment admins)."""
    if city_id is None:
        return None
    return next((c.slug for c in list_cities(session) if c.id == city_id), None)


def _login_city(session: Session, slug: str | None, default: str) -> int | None:
    """The city a login names; without one the default city (or none, for deployment admins)."""
    if slug:
        return get_city(session, slug).id
    try:
        return get_city(session, default).id
    except NotFoundError:
        return None


@router.post(
    "/login",
    **requires("auth.login", openapi_extra=LOGIN_BODY),
    summary="Log in (JSON, or the form of /masuk)",
    response_model=LoginPublic,
    responses={
        303: {"description": "Form posts: to `next`, or back to /masuk?error=..."},
        401: {"description": "Wrong username or password (one answer for both)"},
        429: {"description": "Too many failed logins; see Retry-After"},
    },
)
def login(request: Request, session: SessionDep, settings: SettingsDep, sent: LoginDep) -> Response:
    """Check the password and start a session: the `tpo_session` cookie (HttpOnly, SameSite=Lax)
    plus a CSRF token for unsafe requests. Five failures per username or address within 15
    minutes block further tries (429 with Retry-After)."""
    try:
        data = LoginCreate.model_validate(sent.fields)
    except ValidationError as exc:
        if sent.form:
            return _back("invalid-input", "isian", "/")
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_input=False)]
        raise RequestValidationError(errors) from None
    next_path = safe_next(data.next)
    try:
        city_id = _login_city(session, data.city, settings.default_city)
    except NotFoundError:
        if sent.form:
            return _back("city-not-found", "kota", next_path)
        raise
    try:
        principal = authenticate(
            session,
            city_id=city_id,
            username=data.username,
            password=data.password,
            ip=client_ip(request),
        )
    except (AuthenticationRequiredError, LoginThrottledError) as exc:
        # the failed attempt and its audit row are kept although the answer is an error
        session.commit()
        if not sent.form:
            raise
        if isinstance(exc, LoginThrottledError):
            return _back("login-throttled", "terlalu-banyak", next_path, exc.retry_after_s)
        return _back("invalid-credentials", "salah", next_path)
    cookie, csrf = start_session(
        session,
        principal,
        ip=client_ip(request),
        user_agent=user_agent(request),
        ttl_s=settings.session_ttl_s,
    )
    # committed before the cookie leaves, so the next request finds the session
    user = UserPublic.of(principal, city_slug(session, principal.city_id))
    session.commit()
    response: Response
    if sent.form:
        response = RedirectResponse(next_path, status_code=303, headers=NO_STORE)
    else:
        body = LoginPublic(user=user, csrf_token=csrf)
        response = JSONResponse(body.model_dump(mode="json"), headers=NO_STORE)
    session_cookie(response, request, cookie, settings.session_ttl_s)
    return response


@router.post(
    "/logout",
    **requires("auth.logout"),
    summary="Log out",
    status_code=204,
    response_class=Response,
)
def logout(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    """End the cookie's session (it no longer works anywhere) and clear the cookie. A
    cookie-authenticated call needs the X-CSRF-Token header."""
    cookie = request.cookies.get(COOKIE)
    if principal.via == "session" and cookie:
        end_session(session, cookie)
        record(session, principal, "auth.logout", city_id=principal.city_id, ip=client_ip(request))
        session.commit()
    response = Response(status_code=204, headers=NO_STORE)
    clear_session_cookie(response, request)
    return response


@router.get("/me", **requires("auth.me"), summary="Who is logged in", response_model=MePublic)
def me(
    request: Request, response: Response, session: SessionDep, principal: PrincipalDep
) -> MePublic:
    """The user of the session cookie or API token with their roles, or `authenticated: false`;
    `csrf_token` for cookie sessions."""
    response.headers.update(NO_STORE)
    return me_of(session, principal, csrf_token_of(request))


def me_of(session: Session, principal: Principal, csrf: str | None) -> MePublic:
    """``/auth/me`` of ``principal``."""
    if principal.is_anonymous:
        return MePublic(authenticated=False, user=None, csrf_token=None)
    user = UserPublic.of(principal, city_slug(session, principal.city_id))
    return MePublic(authenticated=True, user=user, csrf_token=csrf)

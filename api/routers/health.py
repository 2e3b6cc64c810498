"""``GET /health`` and ``GET /config``."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.auth import PrincipalDep, requires
from api.deps import SessionDep, SettingsDep
from api.schemas import AppConfig, Health
from geo.accounts import allowed
from geo.store.db import postgis_version

router = APIRouter(tags=["service"])
VERSION = "0.1.0"


@router.get(
    "/health",
    response_model=Health,
    **requires("service.health"),
    summary="Service and database health",
)
def health(session: SessionDep, principal: PrincipalDep) -> Health:
    """Answer 200 when the database and PostGIS respond; 503 problem+json otherwise.

    Anyone gets the status and our version (as /config); the server builds (PostgreSQL,
    PostGIS, the schema revision) only a deployment administrator
    (``service.health_detail``): exact builds tell an attacker which known holes to try.
    """
    versions = postgis_version(session)  # a real query: the database must answer
    if not allowed(principal, "service.health_detail"):
        return Health(status="ok", database="ok", version=VERSION)
    revision = session.execute(
        text(
            "SELECT version_num FROM alembic_version"
            " WHERE to_regclass('alembic_version') IS NOT NULL"
        )
    ).scalar()
    return Health(
        status="ok",
        database="ok",
        postgresql=versions["postgresql"],
        postgis=versions["postgis"],
        schema_revision=revision,
        version=VERSION,
    )


@router.get(
    "/config",
    response_model=AppConfig,
    **requires("service.config"),
    summary="Start-up settings for the web map",
)
def config(settings: SettingsDep) -> AppConfig:
    """The default city and optional external basemap URL."""
    return AppConfig(
        default_city=settings.default_city, basemap_url=settings.basemap_url, version=VERSION
    )

"""Request dependencies: one database session per request, and the city of the URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from geo.cities import CityInfo, get_city
from geo.db import session_scope
from geo.settings import Settings


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: committed when the handler returns, rolled back on error."""
    with session_scope(request.app.state.sessionmaker) as session:
        yield session


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_city_dep(
    session: SessionDep,
    city: Annotated[str, Path(description="City slug, e.g. `tangerang`", max_length=64)],
) -> CityInfo:
    """The city named in the URL, or a 404 problem."""
    return get_city(session, city)


CityDep = Annotated[CityInfo, Depends(get_city_dep)]

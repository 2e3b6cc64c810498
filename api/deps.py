"""Request dependencies: one database session per request, and the city of the URL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from api.settings import Settings
from geo.cities import CityInfo, get_city
from geo.editing import DriveGraphCache
from geo.store.db import session_scope
from layers.items_async import LayerRead, PooledRead

# how the items endpoint reads: ``app.state.layer_read_factory`` (set by ``create_app`` to
# ``pooled_layer_read``; tests set one that reads through their rolled-back session)
LayerReadFactory = Callable[[Request], LayerRead]


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: committed when the handler returns, rolled back on error."""
    with session_scope(request.app.state.sessionmaker) as session:
        yield session


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


# scope="function": the commit runs when the handler returns, before the response is sent, so
# a client that re-reads right after a write's answer always sees the write (with FastAPI's
# default request scope the commit came after the response: a browser's next GET could race it)
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_city_dep(
    session: SessionDep,
    city: Annotated[str, Path(description="City slug, e.g. `tangerang`", max_length=64)],
) -> CityInfo:
    """The city named in the URL, or a 404 problem."""
    return get_city(session, city)


CityDep = Annotated[CityInfo, Depends(get_city_dep)]


def get_drive_graphs(request: Request) -> DriveGraphCache:
    """The app's drive graphs per city and roads revision (route snapping)."""
    cache: DriveGraphCache = request.app.state.drive_graphs
    return cache


DriveGraphsDep = Annotated[DriveGraphCache, Depends(get_drive_graphs)]


def pooled_layer_read(request: Request) -> LayerRead:
    """A read over one connection of the app's ``LayerReadPool`` (the default factory)."""
    sessionmaker = request.app.state.sessionmaker
    return PooledRead(request.app.state.layer_pool, sessions=lambda: session_scope(sessionmaker))


def open_layer_read(request: Request) -> LayerRead:
    """The items read of a request (the lean path: no FastAPI dependency, no ORM session),
    made by the app's ``layer_read_factory``."""
    factory: LayerReadFactory = request.app.state.layer_read_factory
    return factory(request)

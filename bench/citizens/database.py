"""The citizens bench's own PostGIS cluster (var/bench/citizens-pg) and its two cities."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from bench.citizens.city import CitySizes, LoadedCity, ensure_city
from data.demo import load_demo_city
from geo.store import PROJECT_ROOT, migrate
from geo.store.cluster import EmbeddedCluster
from geo.store.db import ensure_database

Log = Callable[[str], None]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
CLUSTER_DIR = PROJECT_ROOT / "var" / "bench" / "citizens-pg"
DEMO_SLUG = "tangerang"


@contextlib.contextmanager
def cluster(db_name: str, log: Log) -> Iterator[tuple[str, str]]:
    """Start (or reuse) the bench cluster, migrate ``db_name``: yields (socket URL, TCP URL)."""
    pg = EmbeddedCluster(CLUSTER_DIR, PG_BIN, fast=True, log=log)
    was_running = pg.status().state == "running"
    status = pg.up()
    try:
        url = status.url(db_name)
        ensure_database(url)
        migrate.upgrade(url)
        tcp = pg.tcp_url(db_name)
        if tcp is None:
            raise RuntimeError("the citizens bench cluster has no TCP URL")
        yield url, tcp
    finally:
        if not was_running:
            pg.stop()


def ensure_demo(engine: Engine, log: Log) -> tuple[int, float]:
    """Load the demo city ``tangerang`` once: (city id, seconds spent loading now)."""
    with engine.begin() as conn:
        row = conn.execute(text("SELECT id FROM city WHERE slug = :s"), {"s": DEMO_SLUG}).first()
    if row is not None:
        return int(row[0]), 0.0
    log("Loading the demo city tangerang ...")
    started = time.monotonic()
    with Session(engine) as session:
        summary = load_demo_city(session, DEMO_SLUG)
        session.commit()
    return summary.city_id, time.monotonic() - started


def ensure_cities(url: str, sizes: CitySizes, log: Log) -> tuple[int, LoadedCity]:
    """Both bench cities: (demo city id, the synthetic city)."""
    engine = create_engine(url)
    try:
        demo_id, _ = ensure_demo(engine, log)
        synthetic = ensure_city(engine, sizes, log)
    finally:
        engine.dispose()
    return demo_id, synthetic

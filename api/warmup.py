"""Build the trip planner's networks at start-up, in the background, so that the first citizen
who plans a trip does not wait for the walking graph and the angkot network to be built."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from geo.cities import list_cities
from geo.transit.cache import PlannerCache

log = logging.getLogger("tpo.api")
STOP_WAIT_S = 5.0  # at shutdown, wait this long for a build under way (the thread is a daemon)


@dataclass
class Warmup:
    """A background build of every city's networks; ``built`` lists the slugs done."""

    planner: PlannerCache
    sessions: sessionmaker[Session]
    built: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Warmup:
        """Start building in a daemon thread; returns at once."""
        self._thread = threading.Thread(target=self._run, name="tpo-planner-warmup", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = STOP_WAIT_S) -> None:
        """Build no further city, and wait up to ``timeout_s`` for the one under way."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            with self.sessions() as session:
                cities = list_cities(session)
                session.rollback()
            for city in cities:
                if self._stop.is_set():
                    return
                with self.sessions() as session:
                    self.planner.get(session, city)
                    self.planner.route_index(session, city)
                    session.rollback()  # read only
                self.built.append(city.slug)
            if self.built:
                log.info(
                    "trip planner ready for %s in %.1f s",
                    ", ".join(self.built),
                    time.perf_counter() - started,
                )
        except DBAPIError as exc:
            # the database is down or slow: requests report the outage (api/outage.py), and
            # the first trip builds what is missing, as without a warm-up
            log.debug("trip planner warm-up stopped: %s", exc)
        except Exception as exc:
            log.warning("trip planner warm-up stopped: %s", exc)
        finally:
            self.done.set()


def start_warmup(planner: PlannerCache, sessions: sessionmaker[Session]) -> Warmup:
    """Build every city's walking graph, angkot network and route index in the background.

    Args:
        planner: The app's cache (``app.state.planner``), filled as requests would fill it.
        sessions: The app's session factory; each city is read in its own transaction.

    Returns:
        The running warm-up (``stop()`` it at shutdown).
    """
    return Warmup(planner, sessions).start()

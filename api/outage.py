"""Database outages in the log: one traceback when one begins, one line per failed request."""

from __future__ import annotations

import logging
import threading

from starlette.requests import Request

MAX_REASON = 200


def reason_of(exc: BaseException) -> str:
    """The first line of what went wrong (the driver's message, not SQLAlchemy's wrapping)."""
    cause = getattr(exc, "orig", None) or exc.__cause__ or exc
    text = str(cause).strip() or type(cause).__name__
    return text.splitlines()[0][:MAX_REASON]


class OutageLog:
    """Logs database failures so that an outage costs one traceback, not one per request.

    The first failure after a success logs the full traceback (ERROR); later failures one
    short line each (WARNING), with the count so far; the first success after them (any
    connection handed out by the pools) logs one line and starts afresh.
    """

    def __init__(self, log: logging.Logger) -> None:
        self.log = log
        self.failures = 0
        self._lock = threading.Lock()

    def failed(self, request: Request, exc: BaseException) -> None:
        """Record that ``request`` failed because the database is unavailable."""
        with self._lock:
            self.failures += 1
            count = self.failures
        where = f"{request.method} {request.url.path}"
        if count == 1:
            self.log.error("database unavailable (%s): %s", where, reason_of(exc), exc_info=exc)
        else:
            self.log.warning(
                "database still unavailable (%d failed requests) %s: %s",
                count,
                where,
                reason_of(exc),
            )

    def recovered(self) -> None:
        """Record a success: closes the outage, if one is open (cheap when none is)."""
        if not self.failures:
            return
        with self._lock:
            count, self.failures = self.failures, 0
        if count:
            self.log.warning("database available again after %d failed requests", count)


def outage_log(request: Request) -> OutageLog:
    """The app's ``OutageLog`` (made by ``create_app``)."""
    outage: OutageLog = request.app.state.outage
    return outage

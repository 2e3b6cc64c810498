"""The one error path of the ``tpo`` command line: error codes to exit statuses, no tracebacks."""

from __future__ import annotations

import logging
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text
from sqlalchemy.exc import OperationalError
from typer.core import TyperGroup

from api.settings import Settings
from geo.errors import GeoError, InvalidSettingError

log = logging.getLogger("tpo.cli")
console = Console(stderr=True)

EXIT_OK = 0
EXIT_UNEXPECTED = 1
# error code -> exit status; an error takes the status of the first class of its MRO listed
# here (``invalid-file`` and ``point-outside-city`` are ``invalid-input``: 2)
EXIT_CODES: dict[str, int] = {
    "invalid-input": 2,
    "invalid-setting": 2,
    "not-found": 3,
    "conflict": 4,
    "precondition-required": 4,
    "database-unavailable": 5,
    "cluster-error": 5,
    "authentication-required": 6,
    "permission-denied": 6,
    "login-throttled": 6,
    "submissions-throttled": 6,
}
# what the command line reports for errors that are not a GeoError
UNEXPECTED_CODE = "internal-error"
DATABASE_CODE = "database-unavailable"


def exit_code(error: BaseException) -> int:
    """The exit status of a command that failed with ``error`` (``EXIT_CODES``, else 1)."""
    if isinstance(error, GeoError):
        for cls in type(error).__mro__:
            code = vars(cls).get("code")
            if isinstance(code, str) and code in EXIT_CODES:
                return EXIT_CODES[code]
        return EXIT_UNEXPECTED
    if isinstance(error, OperationalError):
        return EXIT_CODES[DATABASE_CODE]
    return EXIT_UNEXPECTED


def report(error: BaseException) -> None:
    """Print ``error`` as ``error[code]: detail`` on stderr, its field errors and notes."""
    if isinstance(error, GeoError):
        code, detail = error.code, error.detail
    elif isinstance(error, OperationalError):
        code, detail = DATABASE_CODE, "cannot reach PostgreSQL: " + _first_line(error.orig)
    else:
        code, detail = UNEXPECTED_CODE, f"unexpected {type(error).__name__}: {_first_line(error)}"
    console.print(Text.assemble(("error", "bold red"), f"[{code}]: ", detail))
    for field in getattr(error, "errors", None) or []:
        if isinstance(field, dict) and field.get("field") and field["field"] not in detail:
            console.print(Text(f"  {field['field']}: {field.get('message', '')}"))
    for note in getattr(error, "__notes__", ()):
        console.print(Text(str(note)))


def _first_line(error: object) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:300] if lines else "no details"


class ErrorPathGroup(TyperGroup):
    """The root ``tpo`` group: every command's errors end here, as a message and a status.

    ``GeoError`` and database connection errors print their detail and code and exit with
    the status of ``EXIT_CODES``; anything else is a bug: a one-line message and status 1
    (the traceback goes to the ``tpo.cli`` logger at debug level). Exits, aborts and usage
    errors of Typer pass through unchanged.
    """

    def invoke(self, ctx: Any) -> Any:
        """Run the command; turn its errors into an exit status."""
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.exceptions.TyperException):
            raise
        except Exception as exc:  # the one error path of the command line
            if not isinstance(exc, GeoError | OperationalError):
                log.debug("unexpected error in tpo", exc_info=exc)
            report(exc)
            raise typer.Exit(exit_code(exc)) from exc


def load_settings() -> Settings:
    """The settings from ``TPO_*`` variables and ``.env``.

    Raises:
        InvalidSettingError: A value is malformed; each bad variable is named.
    """
    try:
        return Settings()
    except ValidationError as exc:
        errors = [
            {
                "field": "TPO_" + ".".join(str(p) for p in err["loc"]).upper(),
                "message": str(err["msg"]),
            }
            for err in exc.errors()
        ]
        fields = ", ".join(e["field"] for e in errors)
        raise InvalidSettingError(f"bad setting: {fields}", errors) from exc

"""Database settings (prefix ``TPO_``): a server URL or the embedded cluster; built on demand."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent

# hide_input_in_errors: a bad value (a database URL with its password) is never echoed
SETTINGS_CONFIG = SettingsConfigDict(
    env_prefix="TPO_",
    env_file=".env",
    env_file_encoding="utf-8",
    extra="ignore",
    hide_input_in_errors=True,
)


class StoreSettings(BaseSettings):
    """Where the data lives.

    With ``database_url`` unset the embedded PostGIS cluster under ``var_dir/pg`` is used.
    """

    model_config = SETTINGS_CONFIG

    database_url: str | None = Field(
        default=None,
        repr=False,  # it may hold a password
        description="SQLAlchemy URL of an external PostGIS (postgresql+psycopg://...). "
        "Unset: the embedded cluster under var/pg is used.",
    )
    app_database_url: str | None = Field(
        default=None,
        repr=False,
        description="With database_url: the URL the server connects as (a role with row "
        "rights only; see geo/store/roles.py). Unset: database_url. The embedded cluster "
        "always serves as its own least-privilege role tpo_app.",
    )
    var_dir: Path = Field(default=PROJECT_ROOT / "var", description="Runtime state folder.")
    state_dir: Path = Field(
        default=Path("/var/lib/tree-point-o"),
        description="Where the embedded cluster goes when run as root from a folder the "
        "postgres user cannot reach (one subfolder per checkout).",
    )
    pg_bin_dir: Path = Field(
        default=Path("/usr/lib/postgresql/15/bin"), description="initdb/pg_ctl location."
    )
    db_name: str = Field(default="tpo", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    pool_size: int = Field(default=5, ge=1, le=100)
    statement_timeout_ms: int = Field(default=15_000, ge=100)
    # a slow, frozen or unreachable database: bounded waits, then 503 with Retry-After
    connect_timeout_s: int = Field(
        default=5,
        ge=2,
        le=300,
        description="Give up opening a database connection after this many seconds "
        "(libpq connect_timeout; libpq's minimum is 2).",
    )
    pool_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Wait at most this long for a free pooled connection, then answer 503.",
    )
    request_timeout_s: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Deadline of a request: without an answer by then it gets a 503 (work "
        "blocked on a frozen database finishes in the background once it answers).",
    )
    tcp_user_timeout_ms: int = Field(
        default=30_000,
        ge=0,
        le=3_600_000,
        description="libpq tcp_user_timeout for TCP connections: a server that stops "
        "acknowledging data for this long is given up (0: the system default). TCP "
        "keepalives are always on.",
    )
    retry_after_s: int = Field(
        default=5,
        ge=1,
        le=3600,
        description="Seconds sent in the Retry-After header of every 503 answer.",
    )

    @field_validator("database_url", "app_database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        if not value.startswith("postgresql+psycopg://"):
            raise ValueError("must be a PostgreSQL URL (postgresql://user:pass@host:port/db)")
        try:
            make_url(value)
        except (ArgumentError, ValueError):  # their messages may quote the URL: not chained
            raise ValueError(
                "cannot be read as a URL (postgresql://user:pass@host:port/db)"
            ) from None
        return value

    @model_validator(mode="after")
    def _check_timeouts(self) -> StoreSettings:
        for name in ("pool_timeout_s", "connect_timeout_s"):
            if getattr(self, name) >= self.request_timeout_s:
                raise ValueError(
                    f"{name} ({getattr(self, name)}) must be shorter than request_timeout_s "
                    f"({self.request_timeout_s}): the request deadline would always come first"
                )
        return self

    @property
    def pg_dir(self) -> Path:
        """Folder of the embedded PostgreSQL cluster."""
        return self.var_dir / "pg"

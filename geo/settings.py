"""Settings from the environment (prefix ``TPO_``) or a ``.env`` file; never built at import."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class Settings(BaseSettings):
    """Everything configurable in Tree Point O.

    With ``database_url`` unset the embedded PostGIS cluster under ``var_dir/pg`` is used.
    """

    model_config = SettingsConfigDict(
        env_prefix="TPO_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of an external PostGIS (postgresql+psycopg://...). "
        "Unset: the embedded cluster under var/pg is used.",
    )
    var_dir: Path = Field(default=PROJECT_ROOT / "var", description="Runtime state folder.")
    pg_bin_dir: Path = Field(
        default=Path("/usr/lib/postgresql/15/bin"), description="initdb/pg_ctl location."
    )
    db_name: str = Field(default="tpo", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    web_dir: Path = Field(default=PROJECT_ROOT / "web")
    default_city: str = "tangerang"
    basemap_url: str | None = Field(
        default=None, description="Optional XYZ tile URL template for an external basemap."
    )
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
    max_body_bytes: int = Field(default=5_000_000, ge=1_000)
    layer_cache_mb: int = Field(
        default=32,
        ge=0,
        le=4096,
        description="In-process cache of layer items responses, keyed by layer revision "
        "(MB; 0 disables it).",
    )
    # angkot trip planner (issue #5)
    walk_speed_kmh: float = Field(default=4.5, gt=0, le=20)
    transfer_penalty_s: int = Field(default=300, ge=0, le=3600)
    max_walk_m: int = Field(default=1000, ge=0, le=5000)
    max_transfer_walk_m: int = Field(default=400, ge=0, le=2000)
    max_transfers: int = Field(default=3, ge=0, le=5)

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        if not value.startswith("postgresql+psycopg://"):
            raise ValueError("must be a PostgreSQL URL (postgresql://user:pass@host:port/db)")
        return value

    @field_validator("default_city")
    @classmethod
    def _check_slug(cls, value: str) -> str:
        if not _SLUG_RE.match(value):
            raise ValueError("city slugs are lowercase letters, digits and '-'")
        return value

    @model_validator(mode="after")
    def _check_timeouts(self) -> Settings:
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


def is_valid_slug(value: str) -> bool:
    """Tell whether ``value`` is a valid city slug (``tangerang``, ``tangerang-real``)."""
    return bool(_SLUG_RE.match(value))

"""Settings of the whole app: HTTP settings here, the core's by concern; never built at import."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from geo.cities import is_valid_slug
from geo.store import PROJECT_ROOT, SETTINGS_CONFIG, StoreSettings
from geo.transit import PlannerSettings

_HOST_RE = re.compile(r"^[A-Za-z0-9.:\[\]-]{1,255}$")


class HttpSettings(BaseSettings):
    """How the HTTP server listens and what it serves besides the API."""

    model_config = SETTINGS_CONFIG

    env: Literal["development", "production"] = Field(
        default="development",
        description="`production` refuses to start with any default secret.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    web_dir: Path = Field(default=PROJECT_ROOT / "web")
    default_city: str = "tangerang"
    basemap_url: str | None = Field(
        default=None, description="Optional XYZ tile URL template for an external basemap."
    )
    max_body_bytes: int = Field(default=5_000_000, ge=1_000)
    layer_cache_mb: int = Field(
        default=32,
        ge=0,
        le=4096,
        description="In-process cache of layer items responses, keyed by layer revision "
        "(MB; 0 disables it).",
    )

    @field_validator("default_city")
    @classmethod
    def _check_slug(cls, value: str) -> str:
        if not is_valid_slug(value):
            raise ValueError("city slugs are lowercase letters, digits and '-'")
        return value

    @field_validator("host")
    @classmethod
    def _check_host(cls, value: str) -> str:
        if not _HOST_RE.match(value):
            raise ValueError("a host name or IP address")
        return value


class AuthSettings(BaseSettings):
    """Sessions and cookies of logged-in users, and whose ``X-Forwarded-For`` to believe."""

    model_config = SETTINGS_CONFIG

    session_ttl_s: int = Field(
        default=8 * 3600,
        ge=60,
        le=30 * 86400,
        description="Life of a login session and of its cookie (seconds).",
    )
    cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="`Secure` flag of the session cookie: `auto` sets it on https requests.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated IP addresses or networks of reverse proxies whose "
        "`X-Forwarded-For` names the client; empty: the peer address is the client.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        for part in _split(value):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError as exc:
                raise ValueError(f"not an IP address or network: {part!r}") from exc
        return value

    def proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """The trusted proxies as networks."""
        return [ipaddress.ip_network(part, strict=False) for part in _split(self.trusted_proxies)]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class Settings(HttpSettings, AuthSettings, PlannerSettings, StoreSettings):
    """Everything configurable in Tree Point O, from ``TPO_*`` variables or a ``.env`` file.

    Each part is its own class, so the core receives only the part it needs
    (``StoreSettings`` for the database, ``PlannerSettings`` for trips); ``AuthSettings``
    holds the sessions and cookies of the HTTP door.
    """

    model_config = SETTINGS_CONFIG

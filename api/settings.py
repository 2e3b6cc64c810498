"""Settings of the whole app: HTTP settings here, the core's by concern; never built at import."""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from geo.cities import is_valid_slug
from geo.errors import InsecureSettingError, InvalidSettingError
from geo.requests.windows import SubmissionWindows, parse_windows
from geo.store import PROJECT_ROOT, SETTINGS_CONFIG, StoreSettings
from geo.transit import PlannerSettings

log = logging.getLogger("tpo.settings")
_HOST_RE = re.compile(r"^[A-Za-z0-9.:\[\]-]{1,255}$")
MIN_SECRET_CHARS = 32
# secrets and database passwords that production refuses (compared in lower case)
KNOWN_SECRETS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "default",
        "dev",
        "development",
        "test",
        "insecure",
        "password",
        "tpo",
        "treepointo",
        "tree-point-o",
    }
)
KNOWN_SECRET_WORDS = ("changeme", "change-me", "change_me", "example", "insecure", "replace-me")
WEAK_DB_PASSWORDS = frozenset(
    {"", "postgres", "postgresql", "password", "tpo", "secret", "changeme", "admin", "root"}
    | {"pass", "test", "1234", "12345", "123456", "qwerty"}
)


class HttpSettings(BaseSettings):
    """How the HTTP server listens and what it serves besides the API."""

    model_config = SETTINGS_CONFIG

    env: Literal["development", "production"] = Field(
        default="development",
        description="`production` refuses to start with any default secret.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    allowed_hosts: str = Field(
        default="localhost,127.0.0.1,::1",
        description="Comma-separated host names the server answers for (the Host header; "
        "links are built from it): add the public name behind a proxy; `*` answers any.",
    )
    cors_origins: str = Field(
        default="",
        description="Comma-separated origins (https://peta.example.org) that may read answers "
        "private to the caller cross-origin, with credentials; public answers (public layers, "
        "tiles, OGC documents) are readable from any origin without credentials.",
    )
    web_dir: Path = Field(default=PROJECT_ROOT / "web")
    default_city: str = "tangerang"
    basemap_url: str | None = Field(
        default=None, description="Optional XYZ tile URL template for an external basemap."
    )
    max_body_bytes: int = Field(
        default=100_000_000,
        ge=1_000,
        description="Larger request bodies get 413 (a proposal carries up to 16 documents).",
    )
    anonymous_submissions_per_hour: int = Field(
        default=10,
        ge=1,
        le=10_000,
        description="Requests one address may submit in an hour without an account (429 after).",
    )
    max_upload_bytes: int = Field(
        default=10_000_000, ge=1_000, description="Largest document of a request (bytes)."
    )
    upload_dir: Path | None = Field(
        default=None, description="Where request documents are stored (default: var/uploads)."
    )
    submission_windows: str = Field(
        default="",
        description='JSON: city slug -> "type.kind" -> "MM-DD/MM-DD", the yearly days a '
        "kind of request is taken (Tangerang: bantuan.hibah and bantuan.bansos 01-01/03-31); "
        "empty: always open.",
    )
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

    @field_validator("submission_windows")
    @classmethod
    def _check_windows(cls, value: str) -> str:
        try:
            parse_windows(value)
        except InvalidSettingError as exc:
            raise ValueError(exc.detail) from None
        return value

    @property
    def windows(self) -> SubmissionWindows:
        """``submission_windows`` parsed (checked when the settings were read)."""
        return parse_windows(self.submission_windows)

    @field_validator("host")
    @classmethod
    def _check_host(cls, value: str) -> str:
        if not _HOST_RE.match(value):
            raise ValueError("a host name or IP address")
        return value


class SecretSettings(BaseSettings):
    """Secrets of the deployment; ``SecretStr``, so they never show in a repr or a log."""

    model_config = SETTINGS_CONFIG

    secret_key: SecretStr | None = Field(
        default=None,
        description="Key for signing (32+ random characters). Unset in development: a random "
        "key per process; production refuses to start without one.",
    )

    @field_validator("secret_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        if value == "" or (isinstance(value, SecretStr) and not value.get_secret_value()):
            return None
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


def cors_origin_list(settings: HttpSettings) -> list[str]:
    """``cors_origins`` as a list."""
    return _split(settings.cors_origins)


def allowed_host_list(settings: HttpSettings) -> list[str]:
    """``allowed_hosts`` as a list, with the listening host when it names one."""
    hosts = _split(settings.allowed_hosts)
    if settings.host not in {"0.0.0.0", "::", ""}:  # noqa: S104 (a wildcard names no host)
        hosts.append(settings.host)
    return hosts


class Settings(SecretSettings, HttpSettings, AuthSettings, PlannerSettings, StoreSettings):
    """Everything configurable in Tree Point O, from ``TPO_*`` variables or a ``.env`` file.

    Each part is its own class, so the core receives only the part it needs
    (``StoreSettings`` for the database, ``PlannerSettings`` for trips); ``AuthSettings``
    holds the sessions and cookies of the HTTP door.
    """

    model_config = SETTINGS_CONFIG

    @property
    def uploads_path(self) -> Path:
        """Folder of stored request documents (``TPO_UPLOAD_DIR``, else ``var/uploads``)."""
        return self.upload_dir or self.var_dir / "uploads"

    def validate_for_production(self) -> None:
        """With ``env=production``, refuse default or weak secrets and insecure URLs.

        Raises:
            InsecureSettingError: Names every offending ``TPO_*`` variable (never its value).
        """
        if self.env != "production":
            return
        errors = [
            {"field": field, "message": message}
            for field, message in (
                ("TPO_SECRET_KEY", _secret_problem(self.secret_key)),
                ("TPO_DATABASE_URL", _database_url_problem(self.database_url)),
                ("TPO_BASEMAP_URL", _basemap_problem(self.basemap_url)),
            )
            if message
        ]
        if errors:
            listed = "; ".join(f"{e['field']} {e['message']}" for e in errors)
            raise InsecureSettingError(f"TPO_ENV=production refuses to start: {listed}", errors)


def startup_settings(settings: Settings) -> Settings:
    """``settings`` checked for production and with a secret key.

    In development an unset ``secret_key`` becomes a random key of this process (a warning
    is logged once): nothing signed survives a restart or is shared between workers.

    Raises:
        InsecureSettingError: See ``Settings.validate_for_production``.
    """
    settings.validate_for_production()
    if settings.secret_key is None:
        return settings.model_copy(update={"secret_key": _process_secret_key()})
    return settings


@functools.cache
def _process_secret_key() -> SecretStr:
    log.warning(
        "TPO_SECRET_KEY is unset: using a random key for this process (development only; "
        "set TPO_SECRET_KEY to keep signed values valid across restarts and workers)"
    )
    return SecretStr(secrets.token_urlsafe(MIN_SECRET_CHARS))


def _secret_problem(secret: SecretStr | None) -> str | None:
    hint = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    if secret is None:
        return f"is unset; set it to {MIN_SECRET_CHARS}+ random characters ({hint})"
    value = secret.get_secret_value().strip().lower()
    if value in KNOWN_SECRETS or any(word in value for word in KNOWN_SECRET_WORDS):
        return f"is a known default value; generate one ({hint})"
    if len(value) < MIN_SECRET_CHARS or len(set(value)) < 10:
        return f"is too weak: use {MIN_SECRET_CHARS}+ random characters ({hint})"
    return None


def _database_url_problem(url: str | None) -> str | None:
    if url is None:  # the embedded cluster, with a random password of its own
        return None
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "cannot be parsed as a database URL"
    password = parsed.password
    if password is None:  # peer, certificate or .pgpass authentication
        return None
    if str(password).lower() in WEAK_DB_PASSWORDS or password == parsed.username:
        return "has a well-known or empty password; give the database user a strong one"
    return None


def _basemap_problem(url: str | None) -> str | None:
    if url is not None and not url.lower().startswith("https://"):
        return "must be an https:// URL (pages served over https do not load http tiles)"
    return None

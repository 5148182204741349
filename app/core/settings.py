"""One settings object, read from the environment (prefix CONTEST_), passed in — never read at import time."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-key-change-me"


class Settings(BaseSettings):
    """Every setting the product reads; see README.md for each one."""

    # hide_input_in_errors: a start-up error says what is wrong with a setting, never echoes its value (a secret
    # key, a database URL with its password).
    model_config = SettingsConfigDict(env_prefix="CONTEST_", env_file=".env", extra="ignore", hide_input_in_errors=True)

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./var/contest-hub.db"
    secret_key: str = DEVELOPMENT_SECRET
    api_url: str = ""
    token_lifetime_minutes: int = Field(default=480, ge=5, le=7 * 24 * 60)
    db_pool_size: int = Field(default=10, ge=1, le=100)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=900, ge=10)
    login_max_failures_per_address: int = Field(default=30, ge=1)
    # Requests per partner API key per window (0: no limit); users (tokens) are not limited.
    partner_rate_limit: int = Field(default=600, ge=0)
    partner_rate_window_seconds: int = Field(default=60, ge=1, le=3600)
    # Callers whose X-Forwarded-For the sign-in throttle believes: the pages call the API in process from 127.0.0.1
    # and pass on the browser's address.
    trusted_proxies: str = "127.0.0.1,::1"
    map_tile_url: str = ""
    map_tile_attribution: str = ""
    risk_matrix: str = ""
    # Warn and inform: who the council's CAP messages come from, and the wards a warning's area can name.
    cap_sender: str = Field(default="contest-hub@council.gov.uk", pattern=r"^[^\s,<>&\"']+$", max_length=200)
    cap_sender_name: str = Field(default="The council's emergency planning team", max_length=200)
    wards: str = "Abbey Road,Bayswater,Church Street,Harrow Road,Hyde Park,Knightsbridge and Belgravia,Lancaster Gate,Little Venice,Maida Vale,Marylebone,Pimlico North,Pimlico South,Queen's Park,Regent's Park,St James's,Vincent Square,West End,Westbourne"  # noqa: E501
    # The community tension scale as JSON: [{"name": ..., "description": ...}, ...], lowest first (empty: default).
    tension_levels: str = ""
    log_level: str = "INFO"
    feed_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    feed_max_bytes: int = Field(default=512 * 1024, ge=1024)
    # After a push feed's secret is rotated, the previous one keeps verifying this long (0: it stops at once).
    feed_secret_grace_seconds: int = Field(default=24 * 3600, ge=0, le=30 * 24 * 3600)
    # Feed URLs may not reach inside (SSRF): internal addresses are refused in production unless allowed here.
    feed_allow_internal_addresses: bool | None = None  # None: allowed outside production only
    feed_allowed_hosts: str = ""  # comma-separated host names (or IPs) allowed whatever they resolve to
    # Outages are bounded: a database that is down or hung answers 503 within seconds (see README "Timeouts").
    db_connect_timeout_seconds: int = Field(default=3, ge=2, le=60)
    db_statement_timeout_seconds: float = Field(default=4.0, gt=0, le=600)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    db_busy_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    db_queue_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # Plain hot reads (a site, the first pages of a list) skip FastAPI's routing: app/api/fast.py. Off only to compare.
    fast_reads: bool = True
    # FastAPI's own OpenTelemetry spans and metrics, when a tracer or meter provider is configured (e.g. by
    # `opentelemetry-instrument`). Off: asking whether one is configured costs every request its own look-ups.
    telemetry: bool = False

    @model_validator(mode="after")
    def _refuse_unsafe_secret(self) -> Settings:
        if self.env != "development" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError(
                f"CONTEST_SECRET_KEY is the development default, which is public; set a random value of at least "
                f"32 characters for {self.env}"
            )
        if self.env != "development" and len(self.secret_key) < 32:
            raise ValueError(
                f"CONTEST_SECRET_KEY is {len(self.secret_key)} characters long; outside development it must be a "
                f"random value of at least 32 characters"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    return Settings()

"""Where things live and how to reach the warehouse, read from the environment.

Every component asks this module for paths and database URLs, so switching from the embedded
PostgreSQL to an external one (docker-compose, production) is one environment variable:
``CREDIT_WAREHOUSE_DB_URL``.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(os.environ.get("CREDIT_WAREHOUSE_HOME") or Path(__file__).resolve().parents[2])

# the platform's day: delivery dates, watermark windows and schedules are Beijing time
PLATFORM_TZ = ZoneInfo("Asia/Shanghai")

ENV_DB_NAME = "CREDIT_WAREHOUSE_DB_NAME"
SOURCE_DB = "utility_billing"  # stands in for the utilities' billing databases
AIRFLOW_DB = "airflow_meta"

# Each component connects as its own role (created by warehouse/bootstrap.py, granted in warehouse/sql/).
ROLES = ("loader", "transformer", "analyst", "publisher")

ENV_DB_URL = "CREDIT_WAREHOUSE_DB_URL"


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message says which and what to do."""


def warehouse_db() -> str:
    """Name of the warehouse database (tests point this at a fresh database of their own)."""
    return os.environ.get(ENV_DB_NAME) or "credit_warehouse"


def state_dir() -> Path:
    """The git-ignored folder holding the embedded server, Airflow home, landing files and reports."""
    path = Path(os.environ.get("CREDIT_WAREHOUSE_STATE") or PROJECT_ROOT / ".state")
    path.mkdir(parents=True, exist_ok=True)
    return path


def external_database_url() -> str | None:
    """The superuser-level URL of an external PostgreSQL server, when one is configured."""
    url = os.environ.get(ENV_DB_URL, "").strip()
    if not url:
        return None
    if not re.match(r"^postgres(ql)?(\+\w+)?://", url):
        raise ConfigurationError(
            f"{ENV_DB_URL} must be a postgresql:// URL (got a value starting {url[:12]!r}); "
            "fix it or unset it to use the embedded server."
        )
    return url


def secret(name: str) -> str:
    """A secret from the environment, or for the embedded server one generated once into .state/secrets.

    With an external database every secret must come from the environment: nothing is invented.
    """
    env_name = f"CREDIT_WAREHOUSE_{name.upper()}"
    value = os.environ.get(env_name)
    if value:
        return value
    if external_database_url():
        raise ConfigurationError(
            f"{env_name} is not set; it is required when {ENV_DB_URL} points at an external database."
        )
    folder = state_dir() / "secrets"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / name.lower()
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(24))
    return path.read_text().strip()


def _embedded_server_url() -> str:
    from credit_warehouse.warehouse import embedded

    return embedded.superuser_url()


def server_url() -> str:
    """Superuser URL of the server (no database path), embedded or external."""
    return external_database_url() or _embedded_server_url()


def database_url(database: str | None = None, role: str | None = None, driver: str = "postgresql") -> str:
    """URL of a database (the warehouse by default), as the superuser or as one of the component roles."""
    database = database or warehouse_db()
    parts = urlsplit(server_url())
    netloc = parts.netloc
    if role is not None:
        if role not in ROLES:
            raise ConfigurationError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
        host = netloc.rsplit("@", 1)[-1]
        netloc = f"{role}:{quote(secret(f'{role}_password'), safe='')}@{host}"
    scheme = driver
    return urlunsplit((scheme, netloc, f"/{database}", parts.query, ""))


def sqlalchemy_url(url: str) -> str:
    """The URL for SQLAlchemy (GX, Airflow's metadata): the psycopg 3 driver named explicitly."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def mask_url(url: str) -> str:
    """The URL with its password replaced, for printing."""
    return re.sub(r"(://[^:/@]+:)[^@]+@", r"\1***@", url)

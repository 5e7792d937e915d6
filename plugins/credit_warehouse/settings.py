"""Where things live and how to reach the warehouse, read from the environment.

Every component asks this module for paths and database URLs, so switching from the embedded
PostgreSQL to an external one (docker-compose, production) is one environment variable:
``CREDIT_WAREHOUSE_DB_URL``.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

# the primitives live one layer down (env.py); everything reads them from here
from credit_warehouse.env import (
    ENV_DB_URL,
    PROJECT_ROOT,
    ConfigurationError,
    external_database_url,
    secret,
    state_dir,
)

__all__ = ["AIRFLOW_DB", "ENV_DB_NAME", "ENV_DB_URL", "PLATFORM_TZ", "PROJECT_ROOT", "ROLES", "SOURCE_DB",
           "ConfigurationError", "database_url", "external_database_url", "mask_url", "secret", "server_url",
           "sqlalchemy_url", "state_dir", "warehouse_db"]

# the platform's day: delivery dates, watermark windows and schedules are Beijing time
PLATFORM_TZ = ZoneInfo("Asia/Shanghai")

ENV_DB_NAME = "CREDIT_WAREHOUSE_DB_NAME"
SOURCE_DB = "utility_billing"  # stands in for the utilities' billing databases
AIRFLOW_DB = "airflow_meta"

# Each component connects as its own role (created by warehouse/bootstrap.py, granted in warehouse/sql/).
ROLES = ("loader", "transformer", "analyst", "publisher")


def warehouse_db() -> str:
    """Name of the warehouse database (tests point this at a fresh database of their own)."""
    return os.environ.get(ENV_DB_NAME) or "credit_warehouse"


def _embedded_server_url() -> str:
    from credit_warehouse.warehouse import embedded  # the embedded server only when no external one is set

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


def sqlalchemy_url(url: str, search_path: str | None = None) -> str:
    """The URL for SQLAlchemy (GX, Airflow's metadata): the psycopg 3 driver named explicitly; with
    ``search_path``, the schema unqualified names resolve in (how GX is told a table's schema)."""
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    if search_path:
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{search_path}"
    return url


def mask_url(url: str) -> str:
    """The URL with its password replaced, for printing."""
    return re.sub(r"(://[^:/@]+:)[^@]+@", r"\1***@", url)

"""Airflow connections, read the way Airflow hands them to tasks: from AIRFLOW_CONN_<ID>.

A connection is a URI (``http://:token@host:port``, ``smtp://user:pass@host:port?ssl=true``) or
Airflow's JSON form (``{"conn_type": "http", "host": ..., "password": ...}``). Reading the variable
rather than Airflow's metadata keeps the same code working inside a task, in the CLI and in tests;
the Airflow UI lists the same connections. The pipeline's endpoints:

    court_api      the courts' feeds API (password: the bearer token)
    national_api   the national interface (login: our key id, password: the HMAC signing key)
    smtp_alerts    the SMTP server of alert mail
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, unquote, urlsplit

from credit_warehouse.env import ConfigurationError


@dataclass(frozen=True)
class Connection:
    conn_id: str
    conn_type: str
    host: str | None = None
    port: int | None = None
    login: str | None = None
    password: str | None = None
    schema: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        """The http(s) base URL of an HTTP connection (scheme from conn_type https or extra ``scheme``)."""
        if not self.host:
            raise ConfigurationError(f"{env_name(self.conn_id)} names no host.")
        if "://" in self.host:  # Airflow's HTTP connections may carry the scheme in the host
            return self.host.rstrip("/")
        scheme = "https" if "https" in (self.conn_type, self.extra.get("scheme")) else "http"
        port = f":{self.port}" if self.port else ""
        path = f"/{self.schema.strip('/')}" if self.schema else ""
        return f"{scheme}://{self.host}{port}{path}"


def env_name(conn_id: str) -> str:
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def _from_json(conn_id: str, raw: str) -> Connection:
    try:
        document = json.loads(raw)
        extra = document.get("extra") or {}
        extra = json.loads(extra) if isinstance(extra, str) else extra
    except (json.JSONDecodeError, AttributeError):
        raise ConfigurationError(f"{env_name(conn_id)} is neither a connection URI nor valid JSON.") from None
    port = document.get("port")
    return Connection(conn_id, str(document.get("conn_type") or ""), document.get("host"),
                      int(port) if port else None, document.get("login"), document.get("password"),
                      document.get("schema"), dict(extra))


def _from_uri(conn_id: str, raw: str) -> Connection:
    parts = urlsplit(raw)
    if not parts.scheme:
        raise ConfigurationError(f"{env_name(conn_id)} is not a connection URI (no scheme).")
    try:
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"{env_name(conn_id)} has a port that is not a number.") from None
    return Connection(
        conn_id, parts.scheme.replace("-", "_"), parts.hostname, port,
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
        unquote(parts.path.lstrip("/")) or None,
        {key: values[-1] for key, values in parse_qs(parts.query).items()},
    )


def get_connection(conn_id: str) -> Connection:
    raw = os.environ.get(env_name(conn_id), "").strip()
    if not raw:
        raise ConfigurationError(f"the Airflow connection {conn_id} is not set; set {env_name(conn_id)} "
                                 "(a URI such as http://:secret@host:port, or Airflow's JSON form).")
    return _from_json(conn_id, raw) if raw.startswith("{") else _from_uri(conn_id, raw)


def connection_uri(conn_type: str, host: str, port: int | None = None, login: str | None = None,
                   password: str | None = None, **extra: str) -> str:
    """A connection URI with its parts quoted (what AIRFLOW_CONN_<ID> holds)."""
    credentials = ""
    if login is not None or password is not None:
        credentials = quote(login or "", safe="") + (f":{quote(password, safe='')}" if password is not None else "")
        credentials += "@"
    query = "&".join(f"{quote(k, safe='')}={quote(str(v), safe='')}" for k, v in extra.items())
    return f"{conn_type}://{credentials}{host}{f':{port}' if port else ''}" + (f"?{query}" if query else "")

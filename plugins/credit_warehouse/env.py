"""The environment's primitives: the project folder, the state folder, secrets, configuration errors.

The lowest layer of the package: it imports nothing of ours, so both settings.py (which the whole
package reads) and the embedded server (which settings asks for its URL) can stand on it.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("CREDIT_WAREHOUSE_HOME") or Path(__file__).resolve().parents[2])

ENV_DB_URL = "CREDIT_WAREHOUSE_DB_URL"


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message says which and what to do."""


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

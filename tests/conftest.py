"""Shared fixtures: a test warehouse on its own embedded server, one fresh database per session.

Tests never touch the developer's night data: the state folder for tests is .state/test.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("CREDIT_WAREHOUSE_STATE", str(ROOT / ".state" / "test"))

import psycopg  # noqa: E402
import pytest  # noqa: E402

from credit_warehouse import settings  # noqa: E402
from credit_warehouse.install import install  # noqa: E402
from credit_warehouse.warehouse import embedded  # noqa: E402


@pytest.fixture(scope="session")
def warehouse_server() -> str:
    """The test server is running (embedded, or external when CREDIT_WAREHOUSE_DB_URL is set)."""
    if not settings.external_database_url():
        embedded.start()
    return settings.server_url()


@pytest.fixture(scope="session")
def warehouse_db(warehouse_server: str):
    """Name of a freshly bootstrapped warehouse database for this test session, dropped afterwards."""
    name = f"cw_test_{uuid.uuid4().hex[:10]}"
    os.environ[settings.ENV_DB_NAME] = name  # every component reads the warehouse name from here
    install()
    yield name
    with psycopg.connect(warehouse_server + "/postgres", autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def superuser_conn(warehouse_db: str):
    with psycopg.connect(settings.database_url(warehouse_db), autocommit=True) as conn:
        yield conn

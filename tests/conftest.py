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


WATER_BILL = """
create table water_bill (
    bill_no text primary key, billing_month text not null, uscc text, account_no text not null,
    account_type text, account_name text not null, address text, arrears_periods integer,
    arrears_amount_yuan numeric(12, 2), late_fee_yuan numeric(12, 2), division_code char(6),
    meter_reader text, updated_at timestamptz not null
)
"""


@pytest.fixture
def water_billing(warehouse_server, warehouse_db, monkeypatch):
    """A fresh source database of our own holding water_bill; the utility_water feed's URL override points
    at it. Yields its URL."""
    from credit_warehouse.feeds.registry import get_feed
    from credit_warehouse.feeds.sql import url_env

    name = f"cw_src_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(warehouse_server + "/postgres", autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    url = settings.database_url(name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(WATER_BILL)
    monkeypatch.setenv(url_env(get_feed("utility_water")), url)
    yield url
    with psycopg.connect(warehouse_server + "/postgres", autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's package, which ./cw test installs) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    from credit_warehouse.reports.subject import chromium

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium(), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield instance
        instance.close()

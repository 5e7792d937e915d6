"""Bring a warehouse to the shape the pipeline expects, in the order data flows. Safe to repeat.

The server-level part (databases, roles, schemas, ledger, util functions) is warehouse/bootstrap.py;
then each stage makes what it owns: the loader raw.<feed>, the gate quarantine.<feed>, dbt the
reference data (seeds) the gates read before any model is built.
"""

from __future__ import annotations

import argparse

import psycopg

from credit_warehouse.load.raw_tables import ensure_raw_tables
from credit_warehouse.quality.quarantine import ensure_quarantine_tables
from credit_warehouse.settings import database_url, external_database_url, warehouse_db
from credit_warehouse.transform.dbt import run_dbt
from credit_warehouse.warehouse import embedded
from credit_warehouse.warehouse.bootstrap import bootstrap


def install(reference_data: bool = True) -> list[str]:
    """The whole warehouse; returns the bootstrap SQL files applied."""
    applied = bootstrap()
    with psycopg.connect(database_url(), autocommit=True) as conn:
        ensure_raw_tables(conn)
        ensure_quarantine_tables(conn)
    if reference_data:
        load_reference_data()
    return applied


def load_reference_data() -> None:
    """The dbt seeds (calendar, list types, code tables) into ref: the gates need them before dbt builds."""
    # full refresh: a seed whose columns changed is recreated instead of failing on its old table
    run_dbt(["seed", "--full-refresh"])


def _install(_args: argparse.Namespace) -> int:
    if not external_database_url():
        embedded.start()
    applied = install()
    print(f"warehouse {warehouse_db()} bootstrapped: {', '.join(applied)}, the feed tables and the reference data")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    boot = subparsers.add_parser(
        "bootstrap", help="create schemas, ledger, roles, feed tables and reference data (re-runnable)"
    )
    boot.set_defaults(handler=_install)

"""Bring a PostgreSQL server to the shape the pipeline expects. Safe to run any number of times.

Creates the databases (warehouse, the stand-in utility source, Airflow metadata), the component
roles with their passwords, then applies the idempotent SQL files of ``warehouse/sql`` in order.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from credit_warehouse.settings import (
    AIRFLOW_DB,
    ROLES,
    SOURCE_DB,
    database_url,
    secret,
    server_url,
    warehouse_db,
)

SQL_DIR = Path(__file__).parent / "sql"


def _ensure_roles(conn: psycopg.Connection) -> None:
    for role in ROLES:
        exists = conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
        verb = "alter" if exists else "create"
        # passwords cannot be bind parameters in DDL; sql.Literal quotes them safely
        conn.execute(
            sql.SQL("{} role {} login password {}").format(
                sql.SQL(verb), sql.Identifier(role), sql.Literal(secret(f"{role}_password"))
            )
        )


def _ensure_database(conn: psycopg.Connection, name: str, owner: str | None = None) -> None:
    if conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
        return
    statement = sql.SQL("create database {}").format(sql.Identifier(name))
    if owner:
        statement += sql.SQL(" owner {}").format(sql.Identifier(owner))
    conn.execute(statement)


def sql_files() -> list[Path]:
    return sorted(SQL_DIR.glob("*.sql"))


def _ensure_feed_tables(conn: psycopg.Connection) -> None:
    """raw.<feed> and quarantine.<feed> for every registry feed, so dbt finds them before any delivery."""
    from credit_warehouse.load.raw_tables import ensure_raw_tables
    from credit_warehouse.quality.quarantine import ensure_quarantine_tables

    ensure_raw_tables(conn)
    ensure_quarantine_tables(conn)


def load_reference_data() -> None:
    """The dbt seeds (calendar, list types, code tables) into ref: the gates need them before dbt builds."""
    from credit_warehouse.transform.dbt import run_dbt

    # full refresh: a seed whose columns changed is recreated instead of failing on its old table
    run_dbt(["seed", "--full-refresh"])


def bootstrap(reference_data: bool = True) -> list[str]:
    """Create or update the warehouse database (settings.warehouse_db()); returns the SQL files applied."""
    database = warehouse_db()
    with psycopg.connect(server_url() + "/postgres", autocommit=True) as conn:
        # one bootstrap at a time per server: role and database DDL do not like concurrent twins
        conn.execute("select pg_advisory_lock(hashtext('credit_warehouse.bootstrap'))")
        _ensure_roles(conn)
        _ensure_database(conn, database)
        _ensure_database(conn, SOURCE_DB, owner="loader")
        _ensure_database(conn, AIRFLOW_DB)
        conn.execute(sql.SQL("revoke all on database {} from public").format(sql.Identifier(database)))
        conn.execute(
            sql.SQL("grant connect, temporary on database {} to {}").format(
                sql.Identifier(database), sql.SQL(", ").join(sql.Identifier(r) for r in ROLES)
            )
        )
        applied = []
        with psycopg.connect(database_url(database), autocommit=True) as target:
            for path in sql_files():
                target.execute(path.read_text())
                applied.append(path.name)
            _ensure_feed_tables(target)
    if reference_data:
        load_reference_data()
    return applied

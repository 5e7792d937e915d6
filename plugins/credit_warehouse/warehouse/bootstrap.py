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


def bootstrap() -> list[str]:
    """Create or update the warehouse database (settings.warehouse_db()); returns the SQL files applied.

    The tables of each feed and the reference data belong to the stages that use them: install.py
    runs them after this.
    """
    database = warehouse_db()
    with psycopg.connect(server_url() + "/postgres", autocommit=True) as conn:
        # one bootstrap at a time per server: role and database DDL do not like concurrent twins
        conn.execute("select pg_advisory_lock(hashtext('credit_warehouse.bootstrap'))")
        _ensure_roles(conn)
        _ensure_database(conn, database)
        _ensure_database(conn, SOURCE_DB, owner="loader")
        _ensure_database(conn, AIRFLOW_DB)
        # each role connects where its work is and nowhere else: PostgreSQL lets PUBLIC connect to every
        # database unless told otherwise, so an analyst could read Airflow's metadata or the billing source
        for name in (database, SOURCE_DB, AIRFLOW_DB, "postgres"):
            conn.execute(sql.SQL("revoke all on database {} from public").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("grant connect, temporary on database {} to {}").format(
                sql.Identifier(database), sql.SQL(", ").join(sql.Identifier(r) for r in ROLES)
            )
        )
        conn.execute(sql.SQL("grant connect on database {} to loader").format(sql.Identifier(SOURCE_DB)))
        applied = []
        with psycopg.connect(database_url(database), autocommit=True) as target:
            for path in sql_files():
                target.execute(path.read_text())
                applied.append(path.name)
            _ensure_audit_mapping(target)
    return applied


def _ensure_audit_mapping(conn: psycopg.Connection) -> None:
    """The audited functions (owned by transformer) write ops.access_audit through dblink as the loader."""
    options = sql.SQL("user 'loader', password {}").format(sql.Literal(secret("loader_password")))
    if conn.execute("select 1 from pg_user_mappings where srvname = 'audit_loopback' and usename = 'transformer'"
                    ).fetchone():
        conn.execute(sql.SQL("alter user mapping for transformer server audit_loopback options (set {})").format(
            sql.SQL("password {}").format(sql.Literal(secret("loader_password")))))
    else:
        conn.execute(sql.SQL("create user mapping for transformer server audit_loopback options ({})").format(options))

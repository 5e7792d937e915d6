"""Bootstrap is re-runnable and leaves the layers, the ledger and the roles in place."""

import psycopg
import pytest

from credit_warehouse import settings
from credit_warehouse.warehouse import bootstrap

LAYERS = {"raw", "ops", "quarantine", "staging", "intermediate", "marts", "publish", "ref", "util", "vault"}


def test_bootstrap_twice_changes_nothing(warehouse_db, superuser_conn):
    superuser_conn.execute(
        "insert into ops.load_batch (feed, logical_date, source_identity, source_sha256) "
        "values ('dept_penalty', '2026-11-22', 'x.csv', 'bootstrap-twice')"
    )
    before = superuser_conn.execute("select count(*) from ops.load_batch").fetchone()[0]
    assert bootstrap.bootstrap() == [p.name for p in bootstrap.sql_files()]
    schemas = {r[0] for r in superuser_conn.execute("select nspname from pg_namespace")}
    assert LAYERS | {"analytics"} <= schemas
    assert superuser_conn.execute("select count(*) from ops.load_batch").fetchone()[0] == before
    roles = {r[0] for r in superuser_conn.execute("select rolname from pg_roles where rolcanlogin")}
    assert set(settings.ROLES) <= roles


@pytest.mark.parametrize("role", settings.ROLES)
def test_each_role_logs_in_with_its_password(warehouse_db, role):
    with psycopg.connect(settings.database_url(role=role)) as conn:
        assert conn.execute("select current_user").fetchone()[0] == role


def test_analyst_cannot_read_the_ledger(warehouse_db):
    with psycopg.connect(settings.database_url(role="analyst")) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from ops.load_batch")


def test_the_same_source_is_loaded_once(superuser_conn):
    insert = (
        "insert into ops.load_batch (feed, logical_date, source_identity, source_sha256) "
        "values ('dept_license', '2026-11-22', 'a.csv', 'same-bytes')"
    )
    superuser_conn.execute(insert)
    with pytest.raises(psycopg.errors.UniqueViolation):
        superuser_conn.execute(insert)


def test_dbt_debug_passes_against_the_warehouse(warehouse_db):
    from credit_warehouse.transform.dbt import run_dbt

    result = run_dbt(["debug"])
    assert "All checks passed!" in result.stdout

"""Roles enforced by PostgreSQL: analysts read marts through the analytics views only, and the authorised
class (授权查询) only through functions that write the access audit first."""

from __future__ import annotations

import psycopg
import pytest

from credit_warehouse import settings
from credit_warehouse.transform.dbt import DBT_PROJECT_DIR

from .conftest import connect_as

pytestmark = pytest.mark.integration

# every model of the marts folder: each gets its analysts' view
MARTS = tuple(sorted(path.stem for path in (DBT_PROJECT_DIR / "models" / "marts").glob("*.sql")))
FORBIDDEN_TO_ANALYSTS = (
    "raw.dept_license",
    "raw.utility_water",
    "quarantine.dept_license",
    "vault.resident_id",
    "ops.load_batch",
    "ops.access_audit",
    *(f"marts.{mart}" for mart in MARTS),
    "staging.stg_utility__water",
    "intermediate.int_credit_record__current",
)


@pytest.mark.parametrize("relation", FORBIDDEN_TO_ANALYSTS)
def test_analyst_is_denied_everything_but_the_views(security_night, relation):
    with connect_as("analyst", security_night) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"select * from {relation} limit 1")  # noqa: S608 (names from the constant above)


def test_analyst_cannot_write_the_audit_trail(security_night):
    with connect_as("analyst", security_night) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("insert into ops.access_audit (role_name, subject_code) values ('someone', 'x')")


def test_analyst_reads_every_mart_through_its_view(security_night):
    with connect_as("analyst", security_night) as conn:
        views = {r[0] for r in conn.execute(
            "select table_name from information_schema.views where table_schema = 'analytics'")}
        assert views == set(MARTS)
        for mart in MARTS:
            conn.execute(f"select * from analytics.{mart} limit 1")  # noqa: S608
        [archive] = conn.execute("select uscc from analytics.dim_credit_archive where uscc = %s",
                                 (security_night.company,)).fetchall()
        assert archive == (security_night.company,)
        shown = {r[0] for r in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'analytics' and table_name = 'dim_credit_archive'")}
        # a subject's arrears and logistics rating are 授权查询: only the audited lookup returns them
        assert "credit_tier" in shown
        assert not shown & {"utility_arrears_count", "current_arrears_yuan", "max_arrears_periods",
                            "logistics_credit_rating"}
        audited = conn.execute("select analytics.credit_archive_of(%s, 'loan review')",
                               (security_night.company,)).fetchone()[0]
        assert audited["utility_arrears_count"] == 1


def test_authorised_records_are_not_in_the_plain_view(security_night, superuser):
    in_mart = dict(superuser.execute(
        "select disclosure_class, count(*) from marts.fct_credit_record where subject_key = %s group by 1",
        (security_night.company,)).fetchall())
    assert in_mart == {"public": 1, "authorised": 1}
    with connect_as("analyst", security_night) as conn:
        classes = {r[0] for r in conn.execute("select distinct disclosure_class from analytics.fct_credit_record")}
    assert "authorised" not in classes and "public" in classes


def _audit_rows(conn) -> list[tuple]:
    return conn.execute("select role_name, subject_code, purpose from ops.access_audit order by audit_id").fetchall()


def test_authorised_query_writes_one_audit_row(security_night, superuser):
    before = _audit_rows(superuser)
    with connect_as("analyst", security_night) as conn:
        records = conn.execute(
            "select record_kind, disclosure_class, arrears_amount_yuan from "
            "analytics.authorised_credit_records(%s, %s)", (security_night.company.lower(), "授权书 SQ-2025-001"),
        ).fetchall()
    assert [(kind, cls, float(amount)) for kind, cls, amount in records] == [
        ("utility_arrears", "authorised", 880.0)]
    after = _audit_rows(superuser)
    assert after[len(before):] == [("analyst", security_night.company, "授权书 SQ-2025-001")]


def test_archive_lookup_is_audited_too(security_night, superuser):
    before = len(_audit_rows(superuser))
    with connect_as("analyst", security_night) as conn:
        [archive] = conn.execute("select analytics.credit_archive_of(%s, 'loan review L-7')",
                                 (security_night.company,)).fetchone()
    assert archive["uscc"] == security_night.company and archive["utility_arrears_count"] == 1
    assert _audit_rows(superuser)[before:] == [("analyst", security_night.company, "loan review L-7")]


def test_a_lookup_stays_audited_when_the_caller_rolls_back(security_night, superuser):
    before = len(_audit_rows(superuser))
    with connect_as("analyst", security_night) as conn:
        with conn.transaction(force_rollback=True):
            [archive] = conn.execute("select analytics.credit_archive_of(%s, 'hidden lookup H-1')",
                                     (security_night.company,)).fetchone()
        assert archive["uscc"] == security_night.company  # the data went out ...
    assert _audit_rows(superuser)[before:] == [("analyst", security_night.company, "hidden lookup H-1")]  # ... noted


@pytest.mark.parametrize(
    ("subject", "purpose", "message"),
    [
        ("id", "check", "looked up by their subject_key"),  # a full ID number never lands in the audit trail
        ("company", "  ", "a purpose is required"),
        (None, "check", "subject_code is required"),
    ],
)
def test_audited_functions_refuse_bad_requests_and_write_nothing(security_night, superuser, subject, purpose,
                                                                  message):
    code = {"id": security_night.person_id, "company": security_night.company, None: None}[subject]
    before = len(_audit_rows(superuser))
    with connect_as("analyst", security_night) as conn, pytest.raises(psycopg.errors.RaiseException, match=message):
        conn.execute("select * from analytics.authorised_credit_records(%s, %s)", (code, purpose))
    assert len(_audit_rows(superuser)) == before


def test_only_analysts_may_call_the_audited_functions(security_night):
    for role in ("publisher", "loader"):
        with connect_as(role, security_night) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select analytics.credit_archive_of('x', 'y')")
    with connect_as("analyst", security_night) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select analytics.audit_subject_access('x', 'y')")  # the audit alone is not a way in


def test_functions_are_security_definer_with_a_pinned_search_path(superuser):
    rows = superuser.execute(
        "select p.proname, p.prosecdef, p.proconfig, pg_get_userbyid(p.proowner) from pg_proc as p "
        "where p.pronamespace = 'analytics'::regnamespace order by 1").fetchall()
    assert [r[0] for r in rows] == ["audit_subject_access", "authorised_credit_records", "credit_archive_of",
                                    "credit_report_document", "credit_report_of", "public_credit_report"]
    assert all(r[1] and r[2] == ["search_path=pg_catalog, pg_temp"] and r[3] == "transformer" for r in rows)


def test_the_credit_report_shows_authorised_sections_only_through_the_audited_function(security_night, superuser):
    with connect_as("analyst", security_night) as conn:
        public = conn.execute("select analytics.public_credit_report(%s)", (security_night.company,)).fetchone()[0]
        assert public["authorised"] is None
        assert all(r["disclosure_class"] != "authorised" for r in public["records"])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # the unaudited document builder
            conn.execute("select analytics.credit_report_document(%s, true)", (security_night.company,))
    before = superuser.execute("select count(*) from ops.access_audit").fetchone()[0]
    with connect_as("analyst", security_night) as conn:
        full = conn.execute("select analytics.credit_report_of(%s, 'credit report for loan review')",
                            (security_night.company,)).fetchone()[0]
    assert full["authorised"]["utility_arrears_count"] == 1
    assert any(r["disclosure_class"] == "authorised" for r in full["records"])
    assert superuser.execute("select count(*) from ops.access_audit").fetchone()[0] == before + 1


def test_publisher_keeps_reading_marts(security_night):
    with connect_as("publisher", security_night) as conn:
        conn.execute("select * from marts.fct_credit_record limit 1")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from analytics.fct_credit_record limit 1")


@pytest.mark.parametrize("database", [settings.AIRFLOW_DB, settings.SOURCE_DB, "postgres"])
def test_analyst_connects_to_the_warehouse_database_only(security_night, database):
    with connect_as("analyst", security_night):
        pass  # the warehouse itself
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(settings.database_url(database, role="analyst")).close()

"""As-of correctness: building night D again after later nights were loaded and built gives the marts
that building it on night D gave (a backfill, or an engineer clearing an old run, sees that night's
warehouse, not tomorrow's).

Three builds on a warehouse of its own: night one as of night one; night two (its corrections, a
re-report of a night-one penalty with another fine, a new listing) as of night two; then night one again.
The snapshot is history by design (when a change was seen) and is not compared; updated_at and
written_by_invocation say when and by which build a row was last rewritten, so they are left out too.
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from credit_warehouse import settings
from credit_warehouse.transform.dbt import run_dbt

from ..security.conftest import own_warehouse
from .conftest import deliver
from .nights import ACME, HONOUR, NIGHT_ONE, NIGHT_TWO, _listing, _penalty, night_one, night_two

pytestmark = pytest.mark.integration

WALL_CLOCK_COLUMNS = {"updated_at", "written_by_invocation"}


def _build(day) -> None:
    run_dbt(["build", "--vars", f"{{as_of_date: '{day.isoformat()}'}}"])


def _marts(conn) -> dict[str, list[str]]:
    """Every marts table's rows as sorted text, wall-clock columns left out."""
    tables = [row[0] for row in conn.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' "
        "and table_type = 'BASE TABLE' order by table_name").fetchall()]
    contents = {}
    for table in tables:
        columns = [row[0] for row in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = %s order by ordinal_position", (table,)).fetchall()
            if row[0] not in WALL_CLOCK_COLUMNS]
        rows = conn.execute(sql.SQL("select ({})::text from marts.{}").format(
            sql.SQL("row({})").format(sql.SQL(", ").join(map(sql.Identifier, columns))),
            sql.Identifier(table))).fetchall()
        contents[table] = sorted(row[0] for row in rows)
    return contents


@pytest.fixture(scope="module")
def warehouse(warehouse_server):
    with own_warehouse("cw_asof") as database, \
            psycopg.connect(settings.database_url(database), autocommit=True) as conn:
        yield conn


def test_rebuilding_an_earlier_night_after_later_ones_gives_that_nights_marts(warehouse):
    night_one(warehouse)
    _build(NIGHT_ONE)
    on_the_night = _marts(warehouse)
    assert on_the_night["fct_credit_record"] and on_the_night["agg_monitoring_indicators"]

    night_two(warehouse)
    deliver(warehouse, "dept_penalty", NIGHT_TWO, "accepted", [
        _penalty("济市监罚〔2024〕7号", ACME, "济南阿克米食品有限公司", "2024-02-08", "严重",
                 fine_amount_10k_yuan="0.5"),  # a re-report: the later version wins from night two on
    ])
    deliver(warehouse, "dept_blacklist", NIGHT_TWO, "accepted", [
        _listing("济人社黑〔2024〕9号", HONOUR, "济南荣誉建材有限公司", "14", "2024-02-21"),
    ])
    _build(NIGHT_TWO)
    later = _marts(warehouse)
    changed = [table for table in on_the_night if later.get(table) != on_the_night[table]]
    assert {"fct_credit_record", "fct_blacklist_listing", "dim_credit_archive"} <= set(changed)

    _build(NIGHT_ONE)
    again = _marts(warehouse)
    differing = {table: (sorted(set(on_the_night[table]) - set(again.get(table, []))),
                         sorted(set(again.get(table, [])) - set(on_the_night[table])))
                 for table in on_the_night if again.get(table) != on_the_night[table]}
    assert not differing, "\n".join(f"{table}: lost {lost}, gained {gained}"
                                     for table, (lost, gained) in differing.items())
    assert set(again) == set(on_the_night)

"""As-of correctness: building night D again after later nights were loaded and built gives the marts
that building it on night D gave (a backfill, or an engineer clearing an old run, sees that night's
warehouse, not tomorrow's).

Three builds on a warehouse of its own: night one as of night one; night two (its corrections, a
re-report of a night-one penalty with another fine, a new listing) as of night two; then night one again.
The snapshot is history by design (when a change was seen) and is not compared; updated_at, rebuilt_at
and written_by_invocation say when and by which build a row was last rewritten, so they are left out too.
"""

from __future__ import annotations

import psycopg
import pytest

from credit_warehouse import settings
from credit_warehouse.transform.dbt import run_dbt

from ..security.conftest import own_warehouse
from .conftest import deliver, differences, tables_as_text
from .nights import ACME, HONOUR, NIGHT_ONE, NIGHT_TWO, _listing, _penalty, night_one, night_two

pytestmark = pytest.mark.integration

# when and by which build a row was written, and the subject it had under an earlier build: the builds' doing,
# not the night's
WALL_CLOCK_COLUMNS = {"updated_at", "written_by_invocation", "rebuilt_at", "previous_subject_key"}


def _build(day) -> None:
    run_dbt(["build", "--vars", f"{{as_of_date: '{day.isoformat()}'}}"])


def _marts(conn) -> dict[str, list[str]]:
    """The marts, and the incremental models before and after them (the current records, the national records)."""
    return {**tables_as_text(conn, "marts", WALL_CLOCK_COLUMNS),
            **tables_as_text(conn, "intermediate", WALL_CLOCK_COLUMNS, {"int_credit_record__current"}),
            **tables_as_text(conn, "publish", WALL_CLOCK_COLUMNS, {"publish_national_record"})}


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
    assert not differences(on_the_night, _marts(warehouse))

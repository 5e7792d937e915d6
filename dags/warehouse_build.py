"""Build the warehouse with dbt once the night's feeds have been gated.

Scheduled on the Assets of every feed, or at the deadline at the latest, so a feed that never
arrives does not hold the marts back. dbt reads accepted batches only; held ones never leak.
"""

from __future__ import annotations

from airflow.sdk import AssetAll, AssetOrTimeSchedule, CronTriggerTimetable, dag, get_current_context, task

from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.orchestration import tasks
from credit_warehouse.orchestration.dag_defaults import (
    MARTS_ASSET,
    START_DATE,
    WAREHOUSE_DEADLINE_CRON,
    default_args,
    raw_asset,
)
from credit_warehouse.settings import PLATFORM_TZ


@dag(
    dag_id="warehouse_build",
    description="dbt build of staging, intermediate, marts, snapshots and publish models; dbt docs",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(WAREHOUSE_DEADLINE_CRON, timezone=str(PLATFORM_TZ)),
        assets=AssetAll(*(raw_asset(name) for name in load_registry().feeds)),
    ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(retries=1),
    tags=["warehouse", "dbt"],
    doc_md=__doc__,
)
def warehouse_build():
    @task
    def night_digest() -> dict:
        return tasks.send_night_digest(tasks.feed_date(get_current_context().get("logical_date")))

    @task(outlets=[MARTS_ASSET])
    def dbt_build() -> dict:
        return tasks.build_warehouse(tasks.feed_date(get_current_context().get("logical_date")))

    night_digest()
    dbt_build()


warehouse_build()

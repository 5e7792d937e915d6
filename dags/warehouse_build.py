"""Build the warehouse with dbt for one night, once the feeds due that night have ended their night.

Triggered by each feed's Asset (the run builds when every feed due that night is in, and is skipped
while one is still expected), and at 05:30 Beijing, the deadline, at the latest: then it builds
without the late ones and says so. dbt reads accepted batches only; held ones never leak.
"""

from __future__ import annotations

from airflow.sdk import AssetAny, AssetOrTimeSchedule, CronDataIntervalTimetable, dag, get_current_context, task

from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.orchestration import tasks
from credit_warehouse.orchestration.dag_defaults import (
    MARTS_ASSET,
    START_DATE,
    WAREHOUSE_DEADLINE_CRON,
    default_args,
    delivery_date_params,
    raw_asset,
)
from credit_warehouse.orchestration.delivery_date import delivery_date, run_type
from credit_warehouse.settings import PLATFORM_TZ


@dag(
    dag_id="warehouse_build",
    description="dbt build of staging, intermediate, marts, snapshots and publish models; freshness; dbt docs",
    schedule=AssetOrTimeSchedule(
        timetable=CronDataIntervalTimetable(WAREHOUSE_DEADLINE_CRON, timezone=str(PLATFORM_TZ)),
        assets=AssetAny(*(raw_asset(name) for name in load_registry().feeds)),
    ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    params=delivery_date_params(),
    default_args=default_args(retries=1),
    tags=["warehouse", "dbt"],
    doc_md=__doc__,
)
def warehouse_build():
    @task
    def await_feeds() -> dict:
        context = get_current_context()
        return tasks.await_feeds(delivery_date(context), run_type(context))

    @task
    def night_digest(night: dict) -> dict:
        return tasks.send_night_digest(tasks.night_of(night))

    @task(outlets=[MARTS_ASSET])
    def dbt_build(night: dict) -> dict:
        summary = tasks.build_warehouse(tasks.night_of(night), night["trigger"], night["missing"])
        get_current_context()["outlet_events"][MARTS_ASSET].extra = summary
        return summary

    @task
    def night_report(built: dict) -> dict:
        return tasks.write_night_report(tasks.night_of(built))

    night = await_feeds()
    night_digest(night)
    night_report(dbt_build(night))


warehouse_build()

"""One DAG per feed, generated from the feed registry (plugins/credit_warehouse/feeds/registry.yaml).

Adding a feed is a registry entry, a GX suite and a staging model: no change here. Each DAG loads
the deliveries of its logical date into raw, gates every batch, and updates the feed's Asset, which
the warehouse build is scheduled on.
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task

from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.orchestration import tasks
from credit_warehouse.orchestration.dag_defaults import START_DATE, default_args, raw_asset
from credit_warehouse.settings import PLATFORM_TZ


def build_feed_dag(feed):
    @dag(
        dag_id=f"feed__{feed.name}",
        description=f"{feed.name}: extract, load into raw.{feed.name}, gate",
        # a data interval per delivery day: the 02:00 run on D+1 processes the deliveries of D
        schedule=CronDataIntervalTimetable(feed.schedule, timezone=str(PLATFORM_TZ)),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=default_args(),
        tags=["feed", feed.family],
        doc_md=__doc__,
    )
    def feed_dag():
        @task
        def extract_and_load() -> list[dict]:
            context = get_current_context()
            return tasks.load_feed(feed.name, tasks.feed_date(context.get("logical_date")))

        @task(outlets=[raw_asset(feed.name)])
        def gate(outcomes: list[dict]) -> list[dict]:
            return tasks.gate_feed(feed.name, outcomes)

        gate(extract_and_load())

    return feed_dag()


for _feed in load_registry().feeds.values():
    globals()[f"feed__{_feed.name}"] = build_feed_dag(_feed)

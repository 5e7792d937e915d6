"""One DAG per feed, generated from the feed registry (plugins/credit_warehouse/feeds/registry.yaml).

Adding a feed is a registry entry, a GX suite and a staging model: no change here. Each DAG runs at
its feed's deadline (the registry's `delivery`), loads the deliveries of its delivery date into raw,
gates every batch, and updates the feed's Asset with the date and counts in the event's extra; the
warehouse build is scheduled on those Assets. A due delivery missing at the deadline is alerted and
updates no Asset.
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task

from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.orchestration import tasks
from credit_warehouse.orchestration.dag_defaults import START_DATE, default_args, delivery_date_params, raw_asset
from credit_warehouse.orchestration.delivery_date import delivery_date
from credit_warehouse.settings import PLATFORM_TZ


def build_feed_dag(feed):
    asset = raw_asset(feed.name)

    @dag(
        dag_id=f"feed__{feed.name}",
        description=f"{feed.name}: extract, load into raw.{feed.name}, gate ({feed.delivery.calendar})",
        # each data interval ends at the feed's deadline and covers one delivery date (see delivery_date)
        schedule=CronDataIntervalTimetable(feed.delivery.cron, timezone=str(PLATFORM_TZ)),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        params=delivery_date_params(),
        default_args=default_args(),
        tags=["feed", feed.family, feed.delivery.calendar],
        doc_md=__doc__,
    )
    def feed_dag():
        @task
        def extract_and_load() -> list[dict]:
            return tasks.load_feed(feed.name, delivery_date(get_current_context()))

        @task(outlets=[asset])
        def gate(outcomes: list[dict]) -> dict:
            context = get_current_context()
            summary = tasks.gate_feed(feed.name, delivery_date(context), outcomes, context["run_id"])
            context["outlet_events"][asset].extra = summary
            return summary

        gate(extract_and_load())

    return feed_dag()


for _feed in load_registry().feeds.values():
    globals()[f"feed__{_feed.name}"] = build_feed_dag(_feed)

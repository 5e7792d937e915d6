"""What every DAG of the pipeline shares: owner, retries, failure alerts, start date, the delivery_date
param, assets."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

from airflow.sdk import Asset, Param

from credit_warehouse.settings import PLATFORM_TZ

# the first night the scheduler plans by itself (manual, Asset-triggered and backfill runs are not bound by it);
# a test stack sets it in the future so that only the runs it triggers happen
START_DATE = datetime.combine(date.fromisoformat(os.environ.get("CREDIT_WAREHOUSE_FIRST_NIGHT", "2026-01-01")),
                              datetime.min.time(), tzinfo=PLATFORM_TZ)
OWNER = "credit-data-engineering"

# the warehouse build runs when every feed has passed its gate, or at this time at the latest
WAREHOUSE_DEADLINE_CRON = "30 5 * * *"

# an Asset's URI is part of the scheduling contract (the metadata database keeps it): it stays as first
# published though the credit archive mart is now dim_credit_archive
MARTS_ASSET = Asset(name="marts", uri="credit-warehouse://marts/credit_archive")
PUBLISHED_ASSET = Asset(name="national_publication", uri="credit-warehouse://publish/national")


def raw_asset(feed: str) -> Asset:
    """The gated raw table of one feed: updated when its batches of a night have been gated."""
    return Asset(name=f"raw_{feed}", uri=f"credit-warehouse://raw/{feed}")


def on_task_failure(context) -> None:
    """Airflow task failures alert the monitors the same way failed gates do."""
    from credit_warehouse.alerts.notify import task_failure_alert

    task_failure_alert(context)


def on_task_start(context) -> None:
    """A night run by hand prints each task as it starts (credit_warehouse.progress)."""
    from credit_warehouse.progress import task_started

    task_started(context)


def delivery_date_params() -> dict:
    """A manual trigger may name the night it is for; left empty, the run's own date rule decides
    (orchestration.delivery_date)."""
    from credit_warehouse.orchestration.delivery_date import PARAM

    return {PARAM: Param(
        None, type=["null", "string"], format="date", title="Delivery date (Beijing)",
        description="The night to process, YYYY-MM-DD. Empty: the last complete delivery day of this run.",
    )}


def default_args(retries: int = 2) -> dict:
    """``retries`` unless CREDIT_WAREHOUSE_TASK_RETRIES says otherwise (0 in tests that make a task fail)."""
    return {
        "owner": OWNER,
        "retries": int(os.environ.get("CREDIT_WAREHOUSE_TASK_RETRIES", retries)),
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
        "on_failure_callback": on_task_failure,
        "on_execute_callback": on_task_start,
    }

"""Push the night's gated records to the national interface exactly once, then reconcile the night.

Scheduled on the marts' Asset, whose event names the night built. The outbox makes the push
resumable: a retry claims only what is still pending, and idempotency keys make a repeated request
harmless on the other side.
"""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task

from credit_warehouse.orchestration import tasks
from credit_warehouse.orchestration.dag_defaults import (
    MARTS_ASSET,
    PUBLISHED_ASSET,
    START_DATE,
    default_args,
    delivery_date_params,
)
from credit_warehouse.orchestration.delivery_date import delivery_date


@dag(
    dag_id="publish_national",
    description="contract check, outbox, signed push with receipts and withdrawals, reconciliation",
    schedule=[MARTS_ASSET],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    params=delivery_date_params(),
    default_args=default_args(),
    tags=["publish", "national-interface"],
    doc_md=__doc__,
)
def publish_national():
    @task
    def stage_outbox() -> dict:
        day = delivery_date(get_current_context())
        return {"delivery_date": day.isoformat(), "released": tasks.stage_publication(day)}

    @task(outlets=[PUBLISHED_ASSET])
    def push(staged: dict) -> dict:
        return tasks.push_publication()

    @task
    def reconcile(staged: dict, pushed: dict) -> dict:
        return tasks.reconcile_publication(tasks.night_of(staged))

    @task
    def night_report(reconciled: dict) -> dict:
        return tasks.write_night_report(tasks.night_of(reconciled))

    staged = stage_outbox()
    night_report(reconcile(staged, push(staged)))


publish_national()

"""Push the night's gated records to the national interface exactly once, then reconcile.

Scheduled on the marts' Asset. The outbox makes the push resumable: a retry claims only what is
still pending, and idempotency keys make a repeated request harmless on the other side.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from credit_warehouse.orchestration import tasks
from credit_warehouse.orchestration.dag_defaults import MARTS_ASSET, PUBLISHED_ASSET, START_DATE, default_args


@dag(
    dag_id="publish_national",
    description="contract check, outbox, signed push with receipts and withdrawals, reconciliation",
    schedule=[MARTS_ASSET],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["publish", "national-interface"],
    doc_md=__doc__,
)
def publish_national():
    @task
    def stage_outbox() -> int:
        return tasks.stage_publication()

    @task(outlets=[PUBLISHED_ASSET])
    def push(staged: int) -> dict:
        return tasks.push_publication()

    @task
    def reconcile(pushed: dict) -> dict:
        return tasks.reconcile_publication()

    reconcile(push(stage_outbox()))


publish_national()

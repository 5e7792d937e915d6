"""What the Airflow tasks do, one function per task, kept out of the DAG files.

Every function takes plain values and returns JSON-serialisable summaries (they travel as XCom),
imports its heavy dependencies lazily (DAG parsing stays fast) and is idempotent: a retry or a
rerun of the same logical date adds nothing twice.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, datetime

from credit_warehouse.settings import PLATFORM_TZ

log = logging.getLogger(__name__)


def feed_date(logical_date: datetime | None) -> date:
    """The delivery date a run processes: its logical date on the platform's clock (Beijing time)."""
    if logical_date is None:
        return datetime.now(PLATFORM_TZ).date()
    return logical_date.astimezone(PLATFORM_TZ).date()


def _as_dict(item: object) -> dict:
    return dataclasses.asdict(item) if dataclasses.is_dataclass(item) else dict(item)


def load_feed(feed: str, day: date) -> list[dict]:
    """Extract every delivery of one feed for one date into raw, one ledger batch each."""
    from credit_warehouse.alerts.refused_inputs import alert_refused_inputs
    from credit_warehouse.load.pipeline import extract_and_load

    outcomes = [_as_dict(outcome) for outcome in extract_and_load(feed, day)]
    for outcome in outcomes:
        log.info("feed %s %s: %s", feed, day, outcome.get("message") or outcome.get("status"))
    alert_refused_inputs(outcomes, day)  # refused files never reach the gate: tell the monitors here
    return outcomes


def gate_feed(feed: str, outcomes: list[dict]) -> list[dict]:
    """Gate every batch this run loaded, then alert once for the feed; held batches are alerted, not errors."""
    from credit_warehouse.alerts.notify import notify_feed_run
    from credit_warehouse.quality.gate import gate_batch

    results = [
        gate_batch(feed, outcome["batch_id"], alert=False)
        for outcome in outcomes
        if outcome.get("batch_id") is not None and outcome.get("status") == "loaded"
    ]
    for result in results:
        log.info("gate %s batch %s: %s (%s passed, %s quarantined)", feed, result.batch_id, result.status,
                 result.rows_accepted, result.rows_quarantined)
    notify_feed_run(results)
    return [
        {"batch_id": r.batch_id, "status": r.status, "rows_received": r.rows_received,
         "rows_accepted": r.rows_accepted, "rows_quarantined": r.rows_quarantined}
        for r in results
    ]


def send_night_digest(day: date) -> dict:
    """One digest mail when many feeds failed their gates that night (never fails the DAG)."""
    from credit_warehouse.alerts.notify import send_night_digest_once
    from credit_warehouse.quality.gate import night_results

    return send_night_digest_once(day, night_results(day))


def build_warehouse(day: date) -> dict:
    """Seeds, models, snapshots and tests in one `dbt build` as of the night's date, then the docs site."""
    import json

    from credit_warehouse.transform.dbt import run_dbt

    build = run_dbt(["build", "--fail-fast", "--vars", json.dumps({"as_of_date": day.isoformat()})])
    run_dbt(["docs", "generate"])
    summary = [line for line in build.stdout.splitlines() if "Done. PASS=" in line]
    return {"dbt": summary[-1].strip() if summary else "done"}


def stage_publication() -> int:
    from credit_warehouse.publish.outbox import stage_outbox

    return stage_outbox()


def push_publication() -> dict:
    from credit_warehouse.publish.push import push_pending

    summary = push_pending()
    if summary.breaker_open:
        # what was pushed stays pushed; the retry picks up the rest once the interface answers again
        raise RuntimeError("the national interface is unavailable (circuit breaker open); the task will retry")
    return _as_dict(summary)


def reconcile_publication() -> dict:
    """Counts of what was staged today (by the warehouse's clock): selected, passed, pushed, accepted..."""
    from credit_warehouse.publish.reconcile import reconcile

    return _as_dict(reconcile())

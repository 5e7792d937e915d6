"""What the Airflow tasks do, one function per task, kept out of the DAG files.

Every function takes plain values and returns JSON-serialisable summaries (they travel as XCom),
imports its heavy dependencies lazily (DAG parsing stays fast) and is idempotent: a retry or a
rerun of the same logical date adds nothing twice.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date

log = logging.getLogger(__name__)


def night_of(summary: dict) -> date:
    """The delivery date a task's summary (its XCom) carries to the next task."""
    return date.fromisoformat(summary["delivery_date"])


def _as_dict(item: object) -> dict:
    return dataclasses.asdict(item) if dataclasses.is_dataclass(item) else dict(item)


def task_log_link() -> dict[str, str]:
    """The running task's log in the Airflow UI, for the alerts it sends (none outside a task)."""
    try:
        from airflow.sdk import get_current_context

        url = getattr(get_current_context()["ti"], "log_url", None)
    except Exception:  # not inside a running task (a test, the CLI): no link to give
        return {}
    return {"Airflow 任务日志": url} if url else {}


def load_feed(feed: str, day: date) -> list[dict]:
    """Extract every delivery of one feed for one date into raw, one ledger batch each."""
    from credit_warehouse.alerts.deliveries import alert_empty_deliveries
    from credit_warehouse.alerts.refused_inputs import alert_refused_inputs
    from credit_warehouse.load.pipeline import extract_and_load

    outcomes = [_as_dict(outcome) for outcome in extract_and_load(feed, day)]
    for outcome in outcomes:
        log.info("feed %s %s: %s", feed, day, outcome.get("message") or outcome.get("status"))
    alert_refused_inputs(outcomes, day)  # refused files never reach the gate: tell the monitors here
    alert_empty_deliveries(feed, day, outcomes)  # a file with a header and no rows is no silent success
    return outcomes


def gate_feed(feed: str, day: date, outcomes: list[dict], dag_run_id: str | None = None) -> dict:
    """Gate every batch this run loaded, alert once for the feed, and record how the feed's night ended.

    Held batches are alerted, not errors. When nothing was delivered the task is skipped, so the feed's
    Asset is not updated: a due delivery is alerted as not delivered (its deadline is now), one that was
    not due is only recorded. Returns the Asset event's extra: feed, delivery date and counts.
    """
    from airflow.sdk.exceptions import AirflowSkipException

    from credit_warehouse.alerts.deliveries import alert_not_delivered
    from credit_warehouse.alerts.notify import notify_feed_run
    from credit_warehouse.feeds import files
    from credit_warehouse.feeds.delivery_calendar import is_due
    from credit_warehouse.feeds.registry import get_feed
    from credit_warehouse.load import deliveries
    from credit_warehouse.quality.gate import gate_batch

    if not outcomes:
        definition = get_feed(feed)
        due = is_due(definition, day)
        status = deliveries.NOT_DELIVERED if due else deliveries.NOT_DUE
        deliveries.record_delivery(deliveries.FeedDelivery(feed, day, status), dag_run_id)
        if due:
            alert_not_delivered(feed, day, str(files.landing_folder(definition, day)))
            raise AirflowSkipException(f"{feed}: nothing delivered for {day} by its deadline (alerted)")
        raise AirflowSkipException(
            f"{feed}: nothing delivered for {day}, and none was due ({definition.delivery.calendar})")

    results = [
        gate_batch(feed, outcome["batch_id"], alert=False)
        for outcome in outcomes
        if outcome.get("batch_id") is not None and outcome.get("status") == "loaded"
    ]
    for result in results:
        log.info("gate %s batch %s: %s (%s passed, %s quarantined)", feed, result.batch_id, result.status,
                 result.rows_accepted, result.rows_quarantined)
    notify_feed_run(results, task_log_link())
    delivery = deliveries.FeedDelivery(
        feed, day, deliveries.DELIVERED, batches=len(outcomes),
        rows_received=sum(r.rows_received or 0 for r in results),
        rows_accepted=sum(r.rows_accepted or 0 for r in results),
        rows_quarantined=sum(r.rows_quarantined or 0 for r in results),
    )
    deliveries.record_delivery(delivery, dag_run_id)
    return {
        "feed": feed,
        "delivery_date": day.isoformat(),
        "batches": delivery.batches,
        "rows_received": delivery.rows_received,
        "rows_accepted": delivery.rows_accepted,
        "rows_quarantined": delivery.rows_quarantined,
        "held_batches": sum(r.status != "accepted" for r in results),
    }


def write_night_report(day: date) -> dict:
    """The night's HTML report with charts (reports/night.py), rebuilt from the warehouse each time."""
    from credit_warehouse.docs_site import url_for
    from credit_warehouse.reports.night import write_night_report as write

    path = write(day)
    log.info("night report for %s: %s", day, url_for(path))
    return {"delivery_date": day.isoformat(), "report": str(path)}


def send_night_digest(day: date) -> dict:
    """The one night digest: every batch that needs the monitors, held or not (never fails the DAG)."""
    from credit_warehouse.alerts.notify import send_night_digest_once
    from credit_warehouse.quality.gate import night_results

    return send_night_digest_once(day, night_results(day))


def await_feeds(day: date, trigger: str) -> dict:
    """Whether to build the warehouse for ``day`` now: when every feed due that night has ended its night
    (ops.feed_delivery), or at the build's deadline (any run not triggered by an Asset) without the rest.

    An Asset-triggered run that still waits for a feed is skipped (the next feed's Asset triggers another);
    the deadline run is skipped when an earlier run already built the night complete.
    """
    from airflow.sdk.exceptions import AirflowSkipException

    from credit_warehouse.feeds.delivery_calendar import due_feeds
    from credit_warehouse.load import deliveries

    ended = deliveries.deliveries(day)
    missing = [name for name in due_feeds(day) if name not in ended]
    if trigger == "asset_triggered" and missing:
        raise AirflowSkipException(f"{day}: waiting for {', '.join(missing)}")
    if trigger == "scheduled" and deliveries.built_complete(day):
        raise AirflowSkipException(f"{day}: already built with every feed due that night")
    not_delivered = [name for name, d in ended.items() if d.status == deliveries.NOT_DELIVERED]
    log.info("build of %s (%s): %d feeds in, missing %s, not delivered %s", day, trigger,
             sum(d.status == deliveries.DELIVERED for d in ended.values()), missing or "none",
             not_delivered or "none")
    return {"delivery_date": day.isoformat(), "trigger": trigger, "missing": missing}


def build_warehouse(day: date, trigger: str, missing: list[str]) -> dict:
    """Masked resident IDs linked to vaulted persons (the loader's side), then seeds, models, snapshots and tests
    in one `dbt build` as of the night's date, the sources' freshness, then the docs site; objection and repair
    deadlines overdue or near are alerted. dbt's lines stream into the task log; each command's run results are
    kept per night. Returns the marts Asset event's extra."""

    from credit_warehouse.alerts.correction_deadlines import alert_correction_deadlines
    from credit_warehouse.alerts.deliveries import alert_build_incomplete
    from credit_warehouse.load import deliveries
    from credit_warehouse.security.person_link import link_persons
    from credit_warehouse.transform.dbt import night_vars, run_dbt, target_dir
    from credit_warehouse.transform.freshness import source_freshness
    from credit_warehouse.transform.leaks import contain_leaks

    persons = link_persons(day)
    build = run_dbt(["build", "--fail-fast", "--vars", night_vars(day)], night=day)
    leaks = contain_leaks(day, target_dir())
    freshness = source_freshness(day)
    run_dbt(["docs", "generate"])
    deliveries.record_build(day, trigger, missing)
    alert_build_incomplete(day, missing)
    deadlines = alert_correction_deadlines(day)
    summary = [line for line in build.stdout.splitlines() if "Done. PASS=" in line]
    return {
        "delivery_date": day.isoformat(),
        "dbt": summary[-1].split("Done.", 1)[-1].strip() if summary else "done",
        "missing_feeds": missing,
        "stale_sources": sorted(name for name, status in freshness.items() if status != "pass"),
        "personal_data_masked": [f"{leak.relation}.{leak.column}" for leak in leaks],
        "masked_ids_linked": persons,
        "correction_deadlines": deadlines,
    }


def stage_publication(day: date) -> int:
    from credit_warehouse.publish.outbox import stage_outbox

    return stage_outbox(day)


def push_publication() -> dict:
    from credit_warehouse.publish.push import push_all

    summary = push_all()
    if summary.breaker_open:
        # what was pushed stays pushed; the retry picks up the rest once the interface answers again
        raise RuntimeError("the national interface is unavailable (circuit breaker open); the task will retry")
    return _as_dict(summary)


def reconcile_publication(day: date) -> dict:
    """Counts of what the night of ``day`` staged: selected, passed, pushed, accepted..."""
    from credit_warehouse.publish.reconcile import reconcile

    counts = _as_dict(reconcile(day))
    counts["delivery_date"] = day.isoformat()
    return counts

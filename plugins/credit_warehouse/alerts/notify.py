"""Who hears what: one alert per failing batch, one digest per bad night, and Airflow task failures.

Every attempt is recorded in ops.alert_log (one row per channel target, sent or failed), which is
also how a batch is alerted once however often it is re-gated. Sending never raises: a broken
mail server must not fail the gate or the night; the failure is logged and recorded.
"""

from __future__ import annotations

import logging

import psycopg

from credit_warehouse.alerts.channels import webhook_targets
from credit_warehouse.alerts.email import send_email
from credit_warehouse.alerts.message import Alert, batch_alert, digest_alert, task_failure_alert_message
from credit_warehouse.alerts.routing import route
from credit_warehouse.alerts.webhooks import post_webhook
from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.identifiers import mask_personal_data
from credit_warehouse.settings import database_url

log = logging.getLogger(__name__)

DIGEST_THRESHOLD = 3  # this many failing feeds in one night -> one digest instead of one alert per batch


def _record(alert: Alert, channel: str, target: str, error: str | None) -> None:
    try:
        with psycopg.connect(database_url(role="loader"), autocommit=True) as conn:
            conn.execute(
                "insert into ops.alert_log (alert_kind, feed, batch_id, logical_date, channel, target, subject, "
                "status, error_text) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (alert.kind, alert.feed, alert.batch_id, alert.logical_date, channel, target, alert.subject,
                 "failed" if error else "sent", error),
            )
    except psycopg.Error as exc:  # the alert itself went out; losing its log line must not stop the night
        log.warning("could not record %s alert in ops.alert_log: %s", channel, exc)


def _already_sent(batch_id: int) -> set[str]:
    try:
        with psycopg.connect(database_url(role="loader"), autocommit=True) as conn:
            rows = conn.execute(
                "select distinct channel from ops.alert_log where batch_id = %s and alert_kind = 'batch' "
                "and status = 'sent'", (batch_id,)).fetchall()
    except psycopg.Error as exc:
        log.warning("could not read ops.alert_log: %s", exc)
        return set()
    return {row[0] for row in rows}


def dispatch(alert: Alert, recipients: list[str], webhooks: bool, skip: set[str] = frozenset()) -> dict[str, str]:
    """Send an alert on every channel; returns channel -> 'sent' | 'failed: ...' | 'skipped'."""
    outcome: dict[str, str] = {}
    if recipients and "email" not in skip:
        error = None
        try:
            send_email(alert, recipients)
        except Exception as exc:  # SMTP, network or a missing connection: recorded, never raised
            error = mask_personal_data(f"{type(exc).__name__}: {exc}")
            log.warning("alert mail %r not sent: %s", alert.subject, error)
        _record(alert, "email", ", ".join(recipients), error)
        outcome["email"] = f"failed: {error}" if error else "sent"
    if webhooks:
        for target in webhook_targets(alert.feed):
            if target.kind in skip:
                continue
            error = None
            try:
                post_webhook(target, alert)
            except Exception as exc:  # network, HTTP status or a robot's refusal: recorded, never raised
                error = mask_personal_data(f"{type(exc).__name__}: {exc}")
                log.warning("%s alert %r not sent: %s", target.kind, alert.subject, error)
            _record(alert, target.kind, target.url_env, error)
            outcome[target.kind] = f"failed: {error}" if error else "sent"
    return outcome


def notify_gate_result(result) -> dict[str, str]:
    """The alert of one gated batch (held, or with quarantined rows), once per batch and channel."""
    if not result.needs_alert:
        return {}
    recipients, webhooks = route([result.feed])
    return dispatch(batch_alert(result), recipients, webhooks, skip=_already_sent(result.batch_id))


def notify_feed_run(results) -> dict[str, str]:
    """One alert for one feed's batches gated in one run (gated with alert=False): the batch alert when
    one batch failed, one message listing them when several did (a department delivering many files)."""
    failing = [r for r in results if r.needs_alert]
    if len(failing) <= 1:
        return notify_gate_result(failing[0]) if failing else {}
    alert = digest_alert(failing)
    alert.feed = failing[0].feed
    alert.title = f"{alert.feed}: {alert.title.removeprefix('night digest ')}"
    recipients, webhooks = route([alert.feed])
    return dispatch(alert, recipients, webhooks)


def send_night_digest(results) -> dict[str, str]:
    """ONE message (per channel) covering every failing batch of the night."""
    failing = [r for r in results if r.needs_alert]
    if not failing:
        return {}
    recipients, webhooks = route(sorted({r.feed for r in failing}))
    return dispatch(digest_alert(failing), recipients, webhooks)


def sent_before(kind: str, feed: str | None, logical_date) -> bool:
    """Whether an alert of this kind, for this feed (None: all feeds) and date, already went out."""
    try:
        with psycopg.connect(database_url(role="loader"), autocommit=True) as conn:
            return conn.execute(
                "select exists (select 1 from ops.alert_log where alert_kind = %s and feed is not distinct from %s "
                "and logical_date = %s and status = 'sent')", (kind, feed, logical_date)).fetchone()[0]
    except psycopg.Error as exc:
        log.warning("could not read ops.alert_log: %s", exc)
        return False


def send_night_digest_once(logical_date, results, digest_threshold: int = DIGEST_THRESHOLD) -> dict[str, str]:
    """When several feeds failed on one night, one digest over all of them (once per night), on top of
    the per-feed alerts: the platform's duty officer sees the night at a glance. ``results`` are the
    night's recorded gate results (quality.gate.night_results)."""
    failing = [r for r in results if r.needs_alert]
    if len({r.feed for r in failing}) < digest_threshold or sent_before("digest", None, logical_date):
        return {}
    return send_night_digest(failing)


def notify_night(results, digest_threshold: int = DIGEST_THRESHOLD) -> dict[str, str]:
    """After a night's gates (run with alert=False): per-batch alerts, or one digest when many feeds failed."""
    failing = [r for r in results if r.needs_alert]
    if len({r.feed for r in failing}) >= digest_threshold:
        return send_night_digest(failing)
    outcome: dict[str, str] = {}
    for result in failing:
        for channel, status in notify_gate_result(result).items():
            outcome[f"{result.feed}/{result.batch_id}/{channel}"] = status
    return outcome


def _context_value(context, name: str):
    try:
        return context[name]
    except (KeyError, TypeError):
        return getattr(context, name, None)


def task_failure_alert(context) -> None:
    """Airflow ``on_failure_callback``: alerts a failed task the same way (mail + webhooks), masked.

    The feed is taken from the task's params (``feed``) or from a feed name in the task or DAG id;
    without one, every feed's recipients hear of it.
    """
    ti = _context_value(context, "task_instance") or _context_value(context, "ti")
    dag_id = getattr(ti, "dag_id", None) or str(_context_value(context, "dag") or "-")
    task_id = getattr(ti, "task_id", None) or "-"
    params = _context_value(context, "params") or {}
    feed = params.get("feed") if hasattr(params, "get") else None
    if not feed:
        names = load_registry().names
        feed = next((n for n in sorted(names, key=len, reverse=True) if n in task_id or n in dag_id), None)
    logical_date = _context_value(context, "logical_date") or _context_value(context, "ds")
    exception = _context_value(context, "exception")
    alert = task_failure_alert_message(
        dag_id=dag_id,
        task_id=task_id,
        run_id=str(_context_value(context, "run_id") or getattr(ti, "run_id", "-")),
        logical_date=str(logical_date.date() if hasattr(logical_date, "date") else logical_date or "") or None,
        try_number=getattr(ti, "try_number", "-"),
        error=f"{type(exception).__name__}: {exception}" if exception else "unknown error",
        log_url=getattr(ti, "log_url", None),
        feed=feed,
    )
    recipients, webhooks = route([feed] if feed else [])
    dispatch(alert, recipients, webhooks)

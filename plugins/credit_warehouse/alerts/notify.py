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
from credit_warehouse.alerts.routing import Route, route
from credit_warehouse.alerts.webhooks import post_webhook
from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.identifiers import mask_personal_data
from credit_warehouse.settings import database_url

log = logging.getLogger(__name__)


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


def dispatch(alert: Alert, to: Route, skip: set[str] = frozenset()) -> dict[str, str]:
    """Send an alert on every channel of its route; returns channel -> 'sent' | 'failed: ...'."""
    outcome: dict[str, str] = {}
    if to.recipients and "email" not in skip:
        error = None
        try:
            send_email(alert, to.recipients)
        except Exception as exc:  # SMTP, network or a missing connection: recorded, never raised
            error = mask_personal_data(f"{type(exc).__name__}: {exc}")
            log.warning("alert mail %r not sent: %s", alert.subject, error)
        _record(alert, "email", ", ".join(to.recipients), error)
        outcome["email"] = f"failed: {error}" if error else "sent"
    if to.webhooks:
        for target in webhook_targets(alert.feed):
            if target.kind in skip:
                continue
            error = None
            try:
                post_webhook(target, alert, to.mentions.get(target.kind, ()))
            except Exception as exc:  # network, HTTP status or a robot's refusal: recorded, never raised
                error = mask_personal_data(f"{type(exc).__name__}: {exc}")
                log.warning("%s alert %r not sent: %s", target.kind, alert.subject, error)
            _record(alert, target.kind, target.url_env, error)
            outcome[target.kind] = f"failed: {error}" if error else "sent"
    return outcome


def needs_own_message(result) -> bool:
    """A held batch is mailed at once; one below its threshold waits for the night digest, unless its
    feed's registry entry says alerts.own_message: always."""
    if not result.needs_alert:
        return False
    if result.held:
        return True
    registry = load_registry()
    return result.feed in registry.names and registry.get(result.feed).alerts.own_message == "always"


def notify_gate_result(result, links: dict[str, str] | None = None) -> dict[str, str]:
    """The alert of one gated batch that needs a message of its own, once per batch and channel."""
    if not needs_own_message(result):
        return {}
    return dispatch(batch_alert(result, links), route([result.feed]), skip=_already_sent(result.batch_id))


def notify_feed_run(results, links: dict[str, str] | None = None) -> dict[str, str]:
    """The feed run's own message (gated with alert=False): the batch alert when one batch needs one, one
    message listing them when several do (a department delivering many files). The rest wait for the
    night digest."""
    own = [r for r in results if needs_own_message(r)]
    if len(own) <= 1:
        return notify_gate_result(own[0], links) if own else {}
    return dispatch(digest_alert(own, links, feed=own[0].feed), route([own[0].feed]))


def night_report_link(day) -> dict[str, str]:
    from credit_warehouse.docs_site import url_for
    from credit_warehouse.reports.night import night_report_path

    return {"夜间报告": url_for(night_report_path(day))}


def send_night_digest(results, day=None) -> dict[str, str]:
    """ONE message (per channel) covering every batch of the night that needs the monitors."""
    failing = [r for r in results if r.needs_alert]
    if not failing:
        return {}
    links = night_report_link(day or failing[0].logical_date)
    return dispatch(digest_alert(failing, links), route(sorted({r.feed for r in failing})))


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


def send_night_digest_once(logical_date, results) -> dict[str, str]:
    """The night digest, once per night: every batch needing attention (held or not, mailed or not), so
    the platform's duty officer sees the night at a glance and nothing below a threshold goes unheard.
    ``results`` are the night's recorded gate results (quality.gate.night_results)."""
    if not any(r.needs_alert for r in results) or sent_before("digest", None, logical_date):
        return {}
    return send_night_digest(results, logical_date)


def notify_night(results) -> dict[str, str]:
    """After a night's gates (run with alert=False): each feed's own messages, then the one digest."""
    outcome: dict[str, str] = {}
    for feed in sorted({r.feed for r in results}):
        for channel, status in notify_feed_run([r for r in results if r.feed == feed]).items():
            outcome[f"{feed}/{channel}"] = status
    for channel, status in send_night_digest(results).items():
        outcome[f"digest/{channel}"] = status
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
    dispatch(alert, route([feed] if feed else []))

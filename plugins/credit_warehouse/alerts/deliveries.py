"""Monitors hear of what did not arrive: a due delivery missing at its deadline, a delivered file with no
data rows, and a warehouse build that went ahead at its own deadline without the feeds still missing.

Each is sent once per feed (or build) and delivery date, however often the run is retried; every
attempt is recorded in ops.alert_log like the other alerts.
"""

from __future__ import annotations

from datetime import date

from credit_warehouse.alerts.message import Alert
from credit_warehouse.alerts.notify import dispatch, sent_before
from credit_warehouse.alerts.routing import route
from credit_warehouse.feeds.delivery_calendar import deadline
from credit_warehouse.feeds.registry import get_feed


def not_delivered_alert(feed_name: str, day: date, where: str) -> Alert:
    feed = get_feed(feed_name)
    due = deadline(feed, day)
    return Alert(
        kind="not_delivered",
        title=f"{feed_name} ({day.isoformat()}): not delivered by its deadline",
        lines=[
            f"Feed: {feed_name} ({feed.owner_department})",
            f"Delivery date: {day.isoformat()} ({feed.delivery.calendar})",
            f"Deadline: {due:%Y-%m-%d %H:%M} Beijing time",
            f"Looked in: {where}",
            "",
            "Nothing was loaded and the feed's Asset was not updated: the warehouse build goes ahead without it "
            "at its own deadline.",
            "Next step: ask the delivering department for the delivery; when it arrives, clear the feed's run "
            "for this date (or trigger it with this delivery_date) and the build follows.",
        ],
        feed=feed_name,
        logical_date=day.isoformat(),
        severity="error",
    )


def alert_not_delivered(feed_name: str, day: date, where: str) -> dict[str, str]:
    if sent_before("not_delivered", feed_name, day):
        return {}
    recipients, webhooks = route([feed_name])
    return dispatch(not_delivered_alert(feed_name, day, where), recipients, webhooks)


def empty_files(outcomes: list[dict]) -> list[dict]:
    """Files that loaded with a header and no data row: delivered, yet nothing in them."""
    return [o for o in outcomes if o.get("status") == "loaded" and not o.get("rows_received")
            and str(o.get("source", "")).startswith("file ")]


def alert_empty_deliveries(feed_name: str, day: date, outcomes: list[dict]) -> dict[str, str]:
    empty = empty_files(outcomes)
    if not empty:
        return {}
    alert = Alert(
        kind="batch",
        title=f"{feed_name} ({day.isoformat()}): {len(empty)} delivered file(s) hold no data rows",
        lines=[
            f"Feed: {feed_name} ({get_feed(feed_name).owner_department})",
            f"Delivery date: {day.isoformat()}",
            "Delivered with a header and nothing under it:",
            *(f"- batch {o.get('batch_id')}: {str(o['source']).removeprefix('file ')}" for o in empty),
            "",
            "Next step: ask the department whether the night really had nothing to report, or the export failed.",
        ],
        feed=feed_name,
        batch_id=empty[0].get("batch_id") if len(empty) == 1 else None,
        logical_date=day.isoformat(),
        severity="warning",
    )
    recipients, webhooks = route([feed_name])
    return dispatch(alert, recipients, webhooks)


def build_incomplete_alert(day: date, missing: list[str]) -> Alert:
    return Alert(
        kind="build_incomplete",
        title=f"warehouse build ({day.isoformat()}) went ahead without {len(missing)} feed(s)",
        lines=[
            f"Delivery date: {day.isoformat()}",
            "Due that night but not in by the build's deadline:",
            *(f"- {name}" for name in missing),
            "",
            "Their earlier data stays in the marts; tonight's records of them are not in this build.",
            "Next step: when a missing feed is delivered and gated, its Asset triggers the build again.",
        ],
        logical_date=day.isoformat(),
        severity="warning",
    )


def alert_build_incomplete(day: date, missing: list[str]) -> dict[str, str]:
    if not missing or sent_before("build_incomplete", None, day):
        return {}
    recipients, webhooks = route(missing)
    return dispatch(build_incomplete_alert(day, missing), recipients, webhooks)

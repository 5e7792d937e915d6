"""One date rule: the delivery date D (Beijing) a DAG run works on, whichever path started it.

In order:
1. the run's ``delivery_date`` param (a manual trigger that names it, and ``./cw night``);
2. the delivery date the newest triggering Asset event carries in its extra (the build after the feeds,
   publishing after the build): the newest, because a run also receives every older event of its Assets
   since its previous run (those `./cw night` left, for one);
3. the run's data interval: every timetable of the pipeline is a cron data interval ending at a
   deadline, and D is the day before the interval ends (a feed run at 02:00 on D+1, the monthly run at
   04:00 on the 1st for the month's last day, the 05:30 build of D+1, a backfill of D, a manual
   trigger's last complete interval);
4. without any of these, yesterday in Beijing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from credit_warehouse.settings import PLATFORM_TZ

PARAM = "delivery_date"
EXTRA_KEY = "delivery_date"


def _get(context, name: str):
    try:
        return context[name]
    except (KeyError, TypeError):
        return None


def asset_event_dates(context) -> list[date]:
    """The delivery dates named by the Asset events that triggered this run, oldest event first (none for
    other runs)."""
    events = _get(context, "triggering_asset_events") or {}
    dated = []
    for asset_events in events.values():
        for event in asset_events:
            value = (getattr(event, "extra", None) or {}).get(EXTRA_KEY)
            if value:
                dated.append((getattr(event, "timestamp", None) or datetime.min.replace(tzinfo=PLATFORM_TZ),
                              date.fromisoformat(str(value))))
    return [day for _, day in sorted(dated, key=lambda pair: pair[0])]


def default_delivery_date(now: datetime | None = None) -> date:
    """The last complete delivery day: yesterday on the platform's clock."""
    return (now or datetime.now(PLATFORM_TZ)).astimezone(PLATFORM_TZ).date() - timedelta(days=1)


def delivery_date(context) -> date:
    params = _get(context, "params") or {}
    explicit = params.get(PARAM) if hasattr(params, "get") else None
    if explicit:
        return date.fromisoformat(str(explicit))
    triggered = asset_event_dates(context)
    if triggered:
        return triggered[-1]
    interval_end = _get(context, "data_interval_end")
    if interval_end is not None:
        # date arithmetic: pendulum (what Airflow passes) drops a ZoneInfo when a timedelta is subtracted
        return interval_end.astimezone(PLATFORM_TZ).date() - timedelta(days=1)
    return default_delivery_date()


def run_type(context) -> str:
    dag_run = _get(context, "dag_run")
    value = getattr(dag_run, "run_type", None)
    return str(getattr(value, "value", value) or "manual")

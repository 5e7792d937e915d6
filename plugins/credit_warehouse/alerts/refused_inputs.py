"""Monitors hear of refused deliveries: a file with a dangerous name, an oversized file, an undecodable one.

The gate alerts on batches it judged; a delivery refused on load never reaches the gate, so the feed
task hands its load outcomes here. One alert per call (one feed's run), listing every failed delivery
with the sentence the ledger keeps for it (ops.load_batch.error_text).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date

from credit_warehouse.alerts.message import Alert
from credit_warehouse.alerts.notify import dispatch
from credit_warehouse.alerts.routing import route


def _as_dict(outcome: object) -> dict:
    """A load outcome (BatchOutcome), or the dict it travels as between Airflow tasks (XCom)."""
    return dataclasses.asdict(outcome) if dataclasses.is_dataclass(outcome) else dict(outcome)


def failed_outcomes(outcomes: Iterable[object]) -> list[dict]:
    return [o for o in map(_as_dict, outcomes) if o.get("status") == "failed"]


def refused_inputs_alert(failed: list[dict], logical_date: date | None = None) -> Alert:
    """The alert for failed load outcomes (as dicts, see failed_outcomes)."""
    feeds = sorted({o["feed"] for o in failed})
    batch_ids = [o["batch_id"] for o in failed if o.get("batch_id") is not None]
    when = f"（{logical_date.isoformat()}）" if logical_date else ""
    lines = [
        f"数据日期（logical_date）：{logical_date.isoformat() if logical_date else '-'}",
        f"{len(failed)} 个报送在加载时被拒收，未进入 raw：",
        *(f"- 批次 {o.get('batch_id') or '-'}：{o.get('message') or o.get('source')}" for o in failed),
        "",
        (f"台账：表 ops.load_batch，batch_id {', '.join(map(str, batch_ids))}" if batch_ids
         else "台账：未开立批次"),
    ]
    return Alert(
        kind="batch",
        title=f"{'、'.join(feeds)}{when}：{len(failed)} 个报送被拒收",
        lines=lines,
        feed=feeds[0] if len(feeds) == 1 else None,
        batch_id=batch_ids[0] if len(batch_ids) == 1 else None,
        logical_date=logical_date.isoformat() if logical_date else None,
        severity="error",
        next_step="请报送部门按上述原因提供更正后的文件；重跑该 feed 时会自动读取新文件。",
    )


def alert_refused_inputs(outcomes: Iterable[object], logical_date: date | None = None) -> dict[str, str]:
    """Sends one alert (mail and webhooks, as the feed's registry entry says) for the failed load outcomes.

    Returns channel -> 'sent' | 'failed: ...' (empty when nothing failed); never raises for a channel fault,
    and every attempt is recorded in ops.alert_log (alerts.notify.dispatch).
    """
    failed = failed_outcomes(outcomes)
    if not failed:
        return {}
    return dispatch(refused_inputs_alert(failed, logical_date), route(sorted({o["feed"] for o in failed})))

"""Alerts for records held back from the national interface: by the publish contract, or rejected by
the platform. One message per push or staging run (not one per record), to the monitors of the feeds
the records come from, through credit_warehouse.alerts; every held record is also logged, masked.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.identifiers import mask_personal_data

log = logging.getLogger(__name__)

MAX_LINES = 200  # records listed in the mail; the tables keep them all


@dataclass(frozen=True)
class HeldRecord:
    outbox_id: int
    record_kind: str
    record_key: str
    action: str
    reasons: list[dict]  # [{"reason_code", "column", "message", ...}]

    def describe(self) -> str:
        reasons = "; ".join(
            f"{r.get('column') or '-'}: {r.get('reason_code')} {r.get('message') or ''}".strip() for r in self.reasons
        )
        return mask_personal_data(
            f"{self.record_kind} {self.record_key} ({self.action}, outbox row {self.outbox_id}): {reasons}"
        )


SOURCE_NAMES = {"publish contract": "推送契约校验", "national platform": "全国平台"}


def alert_held_records(source: str, records: Sequence[HeldRecord]) -> None:
    """Tell the monitors which records wait for correction. ``source`` is 'publish contract' or 'national platform'."""
    if not records:
        return
    log.warning("%s held %s record(s) back from the national interface", source, len(records))
    for record in records:
        log.warning("%s held %s", source, record.describe())
    table = "ops.publish_contract_failure" if source == "publish contract" else "ops.publish_receipt"
    feed_of_kind = load_registry().by_publish_kind()
    _dispatch(
        f"{SOURCE_NAMES.get(source, source)}扣下 {len(records)} 条记录，未推送至全国平台",
        [f"以下记录未推送（{source}，每条的原因见 {table}）：",
         *(f"- {record.describe()}" for record in records[:MAX_LINES]),
         *([f"- …另有 {len(records) - MAX_LINES} 条（+{len(records) - MAX_LINES} more），见 {table}"]
           if len(records) > MAX_LINES else [])],
        sorted({feed_of_kind[r.record_kind] for r in records}),
        next_step="请责任部门更正这些记录并重新报送；更正后的记录会自动重新进入推送队列，无需手工操作。",
    )


def alert_contract_incomplete(reason: str) -> None:
    """The contract could not give every staged record a verdict: nothing is pushed until it can."""
    log.error(reason)
    _dispatch("推送契约校验未能完整运行：本次不推送任何记录", [reason],
              sorted(load_registry().by_publish_kind().values()), severity="error",
              next_step="查看任务日志中的错误并修复；之后重新运行推送 DAG 的 stage_outbox 任务，校验完整后才会推送。")


def _dispatch(title: str, lines: list[str], feeds: list[str], severity: str = "warning",
              next_step: str | None = None) -> None:
    # imported here: the alerts package pulls in the feed registry and mail code, which pushing does not need
    from credit_warehouse.alerts.message import Alert
    from credit_warehouse.alerts.notify import dispatch
    from credit_warehouse.alerts.routing import route

    # 'digest': one message covering many records (ops.alert_log knows batch, digest and task_failure)
    alert = Alert(kind="digest", title=title, lines=lines, feed=feeds[0] if len(feeds) == 1 else None,
                  severity=severity, next_step=next_step)
    dispatch(alert, route(feeds))

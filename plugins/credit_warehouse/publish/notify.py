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

MAX_LINES = 20


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


def alert_held_records(source: str, records: Sequence[HeldRecord]) -> None:
    """Tell the monitors which records wait for correction. ``source`` is 'publish contract' or 'national platform'."""
    if not records:
        return
    title = f"{source} held {len(records)} record(s) back from the national interface"
    log.warning(title)
    for record in records:
        log.warning("%s held %s", source, record.describe())
    lines = [f"- {record.describe()}" for record in records[:MAX_LINES]]
    if len(records) > MAX_LINES:
        lines.append(f"- ... and {len(records) - MAX_LINES} more")
    table = "ops.publish_contract_failure" if source == "publish contract" else "ops.publish_receipt"
    lines.append(f"Every reason is in {table}; a corrected record is staged and pushed again by itself.")
    feed_of_kind = load_registry().by_publish_kind()
    _dispatch(title, lines, sorted({feed_of_kind[r.record_kind] for r in records}))


def alert_contract_incomplete(reason: str) -> None:
    """The contract could not give every staged record a verdict: nothing is pushed until it can."""
    log.error(reason)
    _dispatch("publish contract gave no full verdict: nothing is pushed", [
        reason, "No staged record is claimable until the contract runs in full; staging again retries it."
    ], sorted(load_registry().by_publish_kind().values()), severity="error")


def _dispatch(title: str, lines: list[str], feeds: list[str], severity: str = "warning") -> None:
    # imported here: the alerts package pulls in the feed registry and mail code, which pushing does not need
    from credit_warehouse.alerts.message import Alert
    from credit_warehouse.alerts.notify import dispatch
    from credit_warehouse.alerts.routing import route

    recipients, webhooks = route(feeds)
    # 'digest': one message covering many records (ops.alert_log knows batch, digest and task_failure)
    alert = Alert(kind="digest", title=title, lines=lines, feed=feeds[0] if len(feeds) == 1 else None,
                  severity=severity)
    dispatch(alert, recipients, webhooks)

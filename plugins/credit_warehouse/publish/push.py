"""Push released outbox rows to the national interface until none are left (or the breaker opens).

Safe to run in several threads or processes at once: each claims its own rows (SKIP LOCKED).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from credit_warehouse.publish import outbox
from credit_warehouse.publish.breaker import OPEN
from credit_warehouse.publish.client import ClientSettings, NationalClient, RequestRefused
from credit_warehouse.publish.notify import HeldRecord, alert_held_records

log = logging.getLogger(__name__)

RETRY_LATER_MAX = 300.0  # seconds: a batch that used up its attempts comes back at most this much later


@dataclass
class PushSummary:
    batches: int = 0
    claimed: int = 0
    accepted: int = 0
    rejected: int = 0
    released: int = 0   # handed back for a later attempt
    duplicates: int = 0  # receipts for keys the platform had already applied (retries that had landed)
    breaker_open: bool = False
    elapsed_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def add(self, other: PushSummary) -> None:
        for name in ("batches", "claimed", "accepted", "rejected", "released", "duplicates"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.breaker_open = self.breaker_open or other.breaker_open
        self.errors.extend(other.errors)


def push_all(settings: ClientSettings | None = None) -> PushSummary:
    """Push with ``settings.workers`` concurrent claimers (threads, each with its own connection and HTTP
    client, sharing the breaker) until the outbox has nothing claimable now or the breaker opens."""
    started = time.monotonic()
    settings = settings or ClientSettings.from_env()
    summaries: list[PushSummary] = []
    errors: list[BaseException] = []
    prefix = outbox.worker_name()

    def claimer(index: int) -> None:
        try:
            summaries.append(push_pending(settings=settings, worker=f"{prefix}-{index}"))
        except BaseException as error:  # re-raised below, in the caller's thread
            errors.append(error)

    threads = [threading.Thread(target=claimer, args=(i,), name=f"publish-{i}") for i in range(settings.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    total = PushSummary()
    for summary in summaries:
        total.add(summary)
    total.elapsed_seconds = time.monotonic() - started
    return total


def push_pending(max_batches: int | None = None, *, settings: ClientSettings | None = None,
                 client: NationalClient | None = None, worker: str | None = None) -> PushSummary:
    """Claim and push batches until the outbox has nothing claimable, ``max_batches`` are done, or the
    circuit breaker opens. Connection, URL and secret come from the environment unless given."""
    started = time.monotonic()
    own_client = client is None
    client = client or NationalClient(settings or ClientSettings.from_env())
    worker = worker or outbox.worker_name()
    summary = PushSummary()
    try:
        with outbox.connect() as conn:
            while max_batches is None or summary.batches < max_batches:
                if client.breaker.state == OPEN:  # leave the rows unclaimed until a probe may go
                    summary.breaker_open = True
                    break
                claimed = outbox.claim_batch(conn, client.settings.batch_size, worker)
                if not claimed:
                    break
                summary.batches += 1
                summary.claimed += len(claimed)
                summary.add(_push_batch(conn, client, claimed))
                if summary.breaker_open:
                    break
    finally:
        if own_client:
            client.close()
    summary.elapsed_seconds = time.monotonic() - started
    log.info("publish push by %s: %s", worker, summary)
    return summary


def _push_batch(conn, client: NationalClient, claimed: list[dict]) -> PushSummary:
    result = PushSummary()
    rejected: list[HeldRecord] = []
    for action in ("upsert", "withdraw"):
        rows = [row for row in claimed if row["action"] == action]
        if not rows:
            continue
        records = [
            {key: row[key] for key in ("record_kind", "record_key", "action", "subject_code", "payload",
                                       "payload_hash", "idempotency_key")}
            for row in rows
        ]
        try:
            sent = client.submit(action, records)
        except RequestRefused as error:
            outbox.release(conn, rows, str(error), RETRY_LATER_MAX)
            result.released += len(rows)
            result.errors.append(str(error))
            continue
        answered, missing = outbox.record_receipts(conn, rows, sent.receipts, sent.http_status)
        receipts = {r.idempotency_key: r for r in sent.receipts}
        for row in answered:
            receipt = receipts[row["idempotency_key"]]
            result.duplicates += receipt.duplicate
            if receipt.outcome == "accepted":
                result.accepted += 1
            else:
                result.rejected += 1
                rejected.append(HeldRecord(row["outbox_id"], row["record_kind"], row["record_key"], action,
                                           [{"reason_code": receipt.reason_code, "message": receipt.message}]))
        if missing:
            if sent.breaker_open:
                delay = client.breaker.seconds_until_probe()
            else:
                attempts = max(row["attempts"] for row in missing)
                delay = min(RETRY_LATER_MAX, client.settings.backoff_base * 2 ** attempts)
            outbox.release(conn, missing, sent.error or "no receipt in the answer", delay)
            result.released += len(missing)
            if sent.error:
                result.errors.append(sent.error)
        result.breaker_open = result.breaker_open or sent.breaker_open
    alert_held_records("national platform", rejected)
    return result

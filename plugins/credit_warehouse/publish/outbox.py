"""The publish outbox: staging record versions from the publish models, releasing them through the
publish contract, claiming them for push, and recording what the national platform answered.

Every function connects as the publisher role. Staging takes the delta and writes the outbox in one
transaction (ON CONFLICT DO NOTHING on the record version, so a rerun stages nothing twice); the
contract then validates the staged rows in PostgreSQL and releases or holds them. Workers claim
released rows with FOR UPDATE SKIP LOCKED, so several push at once without sharing a row; a claim
carries a lease, so the rows of a crashed worker come back by themselves.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from credit_warehouse.publish import contract
from credit_warehouse.publish.client import RecordReceipt
from credit_warehouse.publish.notify import HeldRecord, alert_contract_incomplete, alert_held_records
from credit_warehouse.settings import database_url

log = logging.getLogger(__name__)

STAGE_LOCK = "credit_warehouse.publish.stage"
ENV_LEASE = "CREDIT_WAREHOUSE_PUBLISH_LEASE_SECONDS"  # how long a claim lasts: a dead claimer's rows then return

# The same key as signing.idempotency_key, computed where the rows are selected.
_STAGE_SQL = """
insert into ops.publish_outbox (
    record_kind, record_key, action, subject_code, payload, payload_hash, idempotency_key, delivery_date
)
select
    d.record_kind,
    d.record_key,
    d.action,
    d.subject_code,
    d.payload,
    d.payload_hash,
    encode(sha256(convert_to(
        d.record_kind || '|' || d.record_key || '|' || d.action || '|' || d.payload_hash, 'UTF8'
    )), 'hex'),
    %(delivery_date)s::date
from publish.publish_national_delta as d
order by d.updated_at, d.record_kind, d.record_key
on conflict do nothing
"""

_CLAIM_SQL = """
with claimable as (
    select o.outbox_id
    from ops.publish_outbox as o
    where
        o.contract_passed
        and (
            (o.status = 'pending' and o.next_attempt_at <= now())
            or (o.status = 'in_flight' and o.lease_expires_at < now())
        )
        -- versions of one record go out in order: an earlier one still on its way blocks the later
        and not exists (
            select 1
            from ops.publish_outbox as e
            where
                e.record_kind = o.record_kind
                and e.record_key = o.record_key
                and e.outbox_id < o.outbox_id
                and e.status in ('pending', 'in_flight')
                and e.contract_passed is not false
        )
    order by o.outbox_id
    limit %(limit)s
    for update skip locked
)
update ops.publish_outbox as o
set
    status = 'in_flight',
    attempts = o.attempts + 1,
    claimed_by = %(worker)s,
    lease_expires_at = now() + %(lease)s::interval,
    updated_at = now()
from claimable
where o.outbox_id = claimable.outbox_id
returning o.outbox_id, o.record_kind, o.record_key, o.action, o.subject_code, o.payload, o.payload_hash,
    o.idempotency_key, o.attempts
"""


def connect() -> psycopg.Connection:
    return psycopg.connect(database_url(role="publisher"), autocommit=True)


def worker_name() -> str:
    return f"{socket.gethostname()}:{threading.get_ident()}"


@dataclass(frozen=True)
class StageResult:
    staged: int     # new record versions written to the outbox
    checked: int    # rows the contract looked at (new ones and earlier held ones)
    released: int   # rows that passed and now wait for a push
    held: int       # rows the contract holds back for correction


def stage_outbox(delivery_date: date) -> int:
    """Stage the publish delta of the night of ``delivery_date`` and run the publish contract; returns the
    number of rows released for push."""
    return stage_outbox_detailed(delivery_date).released


def stage_outbox_detailed(delivery_date: date) -> StageResult:
    with connect() as conn:
        # one stager at a time: the contract verdicts below cover exactly the rows staged up to now
        conn.execute("select pg_advisory_lock(hashtext(%s))", (STAGE_LOCK,))
        try:
            with conn.transaction():
                staged = conn.execute(_STAGE_SQL, {"delivery_date": delivery_date}).rowcount
            max_id = conn.execute("select coalesce(max(outbox_id), 0) from ops.publish_outbox").fetchone()[0]
            try:
                checked, failures = contract.check_staged_rows(max_id)
            except contract.ContractIncomplete as exc:
                # fail closed: no row gets a verdict, so none is claimable; the monitors hear why
                alert_contract_incomplete(str(exc))
                raise
            released, newly_held = _apply_verdicts(conn, max_id, failures)
            # the claimers plan on these statistics: a night's rows just arrived (see 060_publish.sql)
            conn.execute("analyze ops.publish_outbox")
        finally:
            conn.execute("select pg_advisory_unlock(hashtext(%s))", (STAGE_LOCK,))
    alert_held_records("publish contract", newly_held)
    log.info("publish staging: %d staged, %d checked, %d released, %d held", staged, checked, released,
             len(failures))
    return StageResult(staged=staged, checked=checked, released=released, held=len(failures))


def _apply_verdicts(conn: psycopg.Connection, max_id: int,
                    failures: dict[int, list[contract.ContractFailure]]) -> tuple[int, list[HeldRecord]]:
    failed_ids = sorted(failures)
    reasons = [json.dumps([f.as_dict() for f in failures[i]], ensure_ascii=False) for i in failed_ids]
    summaries = ["contract: " + "; ".join(sorted({f"{f.column} {f.reason_code}" for f in failures[i]}))
                 for i in failed_ids]
    with conn.transaction():
        conn.execute(
            """
            update ops.publish_outbox as o
            set status = 'failed', contract_passed = false, last_error = f.summary, updated_at = now()
            from unnest(%s::bigint[], %s::text[]) as f (outbox_id, summary)
            where o.outbox_id = f.outbox_id
            """,
            (failed_ids, summaries),
        )
        conn.execute(
            """
            insert into ops.publish_contract_failure (
                outbox_id, record_kind, record_key, action, payload_hash, failures
            )
            select o.outbox_id, o.record_kind, o.record_key, o.action, o.payload_hash, f.failures
            from unnest(%s::bigint[], %s::jsonb[]) as f (outbox_id, failures)
            inner join ops.publish_outbox as o on f.outbox_id = o.outbox_id
            on conflict (outbox_id) do update
            set failures = excluded.failures, last_checked_at = now(), resolved_at = null
            """,
            (failed_ids, reasons),
        )
        released = conn.execute(
            sql.SQL(
                """
                update ops.publish_outbox as o
                set contract_passed = true, status = 'pending', next_attempt_at = now(), last_error = null,
                    updated_at = now()
                where o.outbox_id <= %s and o.outbox_id <> all(%s::bigint[]) and {}
                """
            ).format(sql.SQL(contract.AWAITING_VERDICT)),
            (max_id, failed_ids),
        ).rowcount
        # a held version is resolved when it passes after all, or a later version of the record passed
        conn.execute(
            """
            update ops.publish_contract_failure as f
            set resolved_at = now()
            where f.resolved_at is null and exists (
                select 1 from ops.publish_outbox as o
                where o.record_kind = f.record_kind and o.record_key = f.record_key
                    and o.outbox_id >= f.outbox_id and o.contract_passed
            )
            """
        )
        rows = conn.cursor(row_factory=dict_row).execute(
            """
            update ops.publish_contract_failure
            set alerted_at = now()
            where alerted_at is null and resolved_at is null
            returning outbox_id, record_kind, record_key, action, failures
            """
        ).fetchall()
    held = [HeldRecord(r["outbox_id"], r["record_kind"], r["record_key"], r["action"], r["failures"]) for r in rows]
    return released, held


def claim_batch(conn: psycopg.Connection, limit: int, worker: str) -> list[dict]:
    """Claim up to ``limit`` released rows for this worker (committed at once, so others skip them)."""
    with conn.transaction():
        rows = conn.cursor(row_factory=dict_row).execute(
            _CLAIM_SQL, {"limit": limit, "worker": worker, "lease": f"{float(os.environ.get(ENV_LEASE, 300))} seconds"}
        ).fetchall()
    return sorted(rows, key=lambda r: r["outbox_id"])


def record_receipts(conn: psycopg.Connection, claimed: list[dict], receipts: list[RecordReceipt],
                    http_status: int | None) -> tuple[list[dict], list[dict]]:
    """Store the platform's receipts and settle their rows; returns (answered rows, rows without a receipt)."""
    by_key = {r.idempotency_key: r for r in receipts}
    answered = [row for row in claimed if row["idempotency_key"] in by_key]
    missing = [row for row in claimed if row["idempotency_key"] not in by_key]
    if not answered:
        return [], missing
    columns = {
        "ids": [row["outbox_id"] for row in answered],
        "keys": [row["idempotency_key"] for row in answered],
        "outcomes": [by_key[row["idempotency_key"]].outcome for row in answered],
        "reasons": [by_key[row["idempotency_key"]].reason_code for row in answered],
        "messages": [by_key[row["idempotency_key"]].message for row in answered],
        "receipt_ids": [by_key[row["idempotency_key"]].national_receipt_id for row in answered],
        "duplicates": [by_key[row["idempotency_key"]].duplicate for row in answered],
        "http_status": http_status,
    }
    with conn.transaction():
        conn.execute(
            """
            insert into ops.publish_receipt (
                outbox_id, idempotency_key, outcome, reason_code, message, national_receipt_id, duplicate,
                http_status
            )
            select r.outbox_id, r.idempotency_key, r.outcome, r.reason_code, r.message, r.receipt_id,
                r.duplicate, %(http_status)s
            from unnest(
                %(ids)s::bigint[], %(keys)s::text[], %(outcomes)s::text[], %(reasons)s::text[],
                %(messages)s::text[], %(receipt_ids)s::text[], %(duplicates)s::boolean[]
            ) as r (outbox_id, idempotency_key, outcome, reason_code, message, receipt_id, duplicate)
            on conflict (outbox_id) do nothing
            """,
            columns,
        )
        conn.execute(
            """
            update ops.publish_outbox as o
            set status = r.outcome,
                last_error = case when r.outcome = 'rejected' then 'national: ' || coalesce(r.reason_code, '?') end,
                lease_expires_at = null,
                updated_at = now()
            from unnest(%(ids)s::bigint[], %(outcomes)s::text[], %(reasons)s::text[])
                as r (outbox_id, outcome, reason_code)
            where o.outbox_id = r.outbox_id and o.status in ('pending', 'in_flight')
            """,
            columns,
        )
    return answered, missing


def release(conn: psycopg.Connection, rows: list[dict], error: str, delay_seconds: float) -> None:
    """Give claimed rows back for a later attempt (after ``delay_seconds``), noting why."""
    if not rows:
        return
    with conn.transaction():
        conn.execute(
            """
            update ops.publish_outbox
            set status = 'pending', last_error = %s, next_attempt_at = now() + make_interval(secs => %s),
                lease_expires_at = null, updated_at = now()
            where outbox_id = any(%s::bigint[]) and status = 'in_flight'
            """,
            (error[:500], delay_seconds, [row["outbox_id"] for row in rows]),
        )

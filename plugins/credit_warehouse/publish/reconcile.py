"""Nightly reconciliation of publishing: every record version a night staged ends accepted, rejected,
held by the contract, or still pending, and every final outcome has exactly one receipt.

A night is its delivery date (the one date rule), not the wall-clock day it ran: a backfill of an
earlier night reconciles that night's row."""

from __future__ import annotations

from datetime import date

from psycopg.rows import dict_row

from credit_warehouse.publish import outbox

_COUNTS_SQL = """
with staged as (
    select o.outbox_id, o.status, o.contract_passed, o.attempts
    from ops.publish_outbox as o
    where o.delivery_date = %(day)s
)
select
    count(*) as selected,
    count(*) filter (where contract_passed) as passed_contract,
    count(*) filter (where contract_passed = false) as failed_contract,
    count(*) filter (where attempts > 0) as pushed,
    count(*) filter (where status = 'accepted') as accepted,
    count(*) filter (where status = 'rejected') as rejected,
    count(*) filter (where status in ('pending', 'in_flight')) as pending,
    (select count(*) from ops.publish_receipt as r where r.outbox_id in (select outbox_id from staged)) as receipts
from staged
"""

_STORE_SQL = """
insert into ops.publish_reconciliation (
    delivery_date, selected, passed_contract, failed_contract, pushed, accepted, rejected, pending, receipts, balanced
)
values (
    %(delivery_date)s, %(selected)s, %(passed_contract)s, %(failed_contract)s, %(pushed)s, %(accepted)s,
    %(rejected)s, %(pending)s, %(receipts)s, %(balanced)s
)
on conflict (delivery_date) do update set
    selected = excluded.selected,
    passed_contract = excluded.passed_contract,
    failed_contract = excluded.failed_contract,
    pushed = excluded.pushed,
    accepted = excluded.accepted,
    rejected = excluded.rejected,
    pending = excluded.pending,
    receipts = excluded.receipts,
    balanced = excluded.balanced,
    reconciled_at = now()
"""


def reconcile(delivery_date: date) -> dict:
    """Count the record versions the night of ``delivery_date`` staged, by outcome; store and return it.

    balanced: selected = accepted + rejected + pending + failed_contract, and receipts = accepted + rejected
    (one receipt per final outcome).
    """
    with outbox.connect() as conn:
        counts = conn.cursor(row_factory=dict_row).execute(_COUNTS_SQL, {"day": delivery_date}).fetchone()
        counts = {key: int(value) for key, value in counts.items()}
        counts["delivery_date"] = delivery_date
        settled = counts["accepted"] + counts["rejected"] + counts["pending"] + counts["failed_contract"]
        counts["balanced"] = (
            counts["selected"] == settled
            and counts["receipts"] == counts["accepted"] + counts["rejected"]
        )
        with conn.transaction():
            conn.execute(_STORE_SQL, counts)
    return counts

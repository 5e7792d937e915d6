"""gate_batch: run a feed's suite on one loaded batch, quarantine failing rows, accept or hold it.

Order of work: the suite file is checked against the registry and the reference tables it needs
are looked up before any row is read (a ConfigurationError otherwise); one SQL pass over the batch
computes every check once per row and writes the failing rows, with all their reasons, to
quarantine.<feed>; GX then validates the batch from that pass (each expectation's count and masked
samples read back from it, the schema expectations on the batch itself) and builds Data Docs; the batch
is reconciled (received = accepted + quarantined), the registry's thresholds applied, and the ledger
updated. Re-gating a batch
replaces its quarantine rows and decision.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import date

import psycopg
from psycopg import sql

from credit_warehouse.alerts.notify import notify_gate_result
from credit_warehouse.feeds.registry import Feed, get_feed
from credit_warehouse.quality import checks as checks_module
from credit_warehouse.quality import gx_runner, quarantine
from credit_warehouse.quality.suites import Suite, load_suite
from credit_warehouse.settings import ConfigurationError, database_url

log = logging.getLogger(__name__)

GATEABLE = ("loaded", "accepted", "rejected")


class GateError(RuntimeError):
    """The batch cannot be gated (unknown, another feed's, or in a state the gate must not touch)."""


@dataclass
class FailedExpectation:
    expectation: str
    column: str | None
    message: str
    count: int
    schema: bool = False
    samples: list[dict] = field(default_factory=list)  # {"row": n, "value": masked value}


@dataclass
class GateResult:
    feed: str
    batch_id: int
    logical_date: date
    status: str  # accepted | rejected (held)
    rows_received: int
    rows_accepted: int  # rows that passed every check (they flow on only when status is accepted)
    rows_quarantined: int
    failed_share: float
    max_failed_share: float
    schema_failed: bool
    failed_expectations: list[FailedExpectation]
    data_docs_path: str | None
    seconds: float
    suite_version: str = ""
    held_reason: str | None = None
    superseded: list[int] = field(default_factory=list)
    # double publicity reported after its deadline, per reporting department: accepted, counted, alerted
    late_reports: dict[str, int] = field(default_factory=dict)
    # quarantined only because an accepted batch already holds them, unchanged (a corrected redelivery
    # repeats the rows it does not correct): not counted against the threshold, not alerted
    rows_unchanged: int = 0

    @property
    def held(self) -> bool:
        return self.status == "rejected"

    @property
    def needs_alert(self) -> bool:
        """A held batch, one with quarantined rows or one with late reports tells the monitors."""
        return (self.held or self.rows_quarantined > self.rows_unchanged or self.schema_failed
                or bool(self.late_reports))

    def to_dict(self) -> dict:
        data = asdict(self)
        data["logical_date"] = self.logical_date.isoformat()
        return data


def _connect() -> psycopg.Connection:
    return psycopg.connect(database_url(role="loader"))


def _batch_row(conn: psycopg.Connection, feed: Feed, batch_id: int) -> tuple[date, str, str, str | None]:
    row = conn.execute(
        "select feed, logical_date, status, source_identity, source_layout from ops.load_batch where batch_id = %s",
        (batch_id,),
    ).fetchone()
    if row is None:
        raise GateError(f"feed {feed.name}: batch {batch_id} is not in the load ledger (ops.load_batch).")
    batch_feed, logical_date, status, source_identity, layout = row
    if batch_feed != feed.name:
        raise GateError(f"feed {feed.name}: batch {batch_id} belongs to feed {batch_feed}.")
    if status not in GATEABLE:
        raise GateError(
            f"feed {feed.name}: batch {batch_id} has status {status!r}; only {', '.join(GATEABLE)} batches are gated."
        )
    return logical_date, status, source_identity, layout


def _check_references(conn: psycopg.Connection, feed: Feed, suite: Suite, logical_date: date) -> None:
    """The reference tables the suite reads exist (and the calendar covers the date) before data is read."""
    needed = set()
    if any(r.kind == "legal_exclusion" for r in suite.rules):
        needed |= {"legal_exclusion", "legal_exclusion_scope"}
    needed |= {r.spec["ref_table"] for r in suite.rules if r.kind == "in_ref"}
    needed |= {"credit_list_type" for r in suite.rules if r.kind == "list_owner"}
    timely = any(r.kind == "timeliness" for r in suite.rules)
    if timely:
        needed.add("cn_working_calendar")
    for table in sorted(needed):
        if conn.execute("select to_regclass(%s)", (f"ref.{table}",)).fetchone()[0] is None:
            raise ConfigurationError(
                f"feed {feed.name}: suite {suite.path.name} needs reference table ref.{table}, which does not "
                "exist; load the seeds first (credit-warehouse dbt seed)."
            )
    if timely:
        covered = conn.execute(
            "select count(*) from ref.cn_working_calendar where calendar_date between %s::date - 60 and %s::date",
            (logical_date, logical_date),
        ).fetchone()[0]
        if covered < 61:
            raise ConfigurationError(
                f"feed {feed.name}: the working-day calendar ref.cn_working_calendar does not cover the 60 days "
                f"before {logical_date}; extend the cn_working_calendar seed."
            )


def _supersede(conn: psycopg.Connection, feed: Feed, batch_id: int, logical_date: date,
               source_identity: str) -> list[int]:
    """A corrected redelivery replaces the held batches it corrects.

    For file feeds, one logical date holds several files (one per department), so a held batch is
    replaced only by a later batch of the same source identity (same landing file); API pulls and
    SQL windows are one unit per date.
    """
    same_source = sql.SQL("and source_identity = {}").format(sql.Literal(source_identity)) \
        if feed.source.kind == "file" else sql.SQL("")
    rows = conn.execute(sql.SQL(
        "update ops.load_batch set status = 'superseded', finished_at = now(), "
        "error_text = concat_ws('; ', error_text, {note}) "
        "where feed = {feed} and logical_date = {day} and status = 'rejected' and batch_id < {batch} {same} "
        "returning batch_id"
    ).format(note=sql.Literal(f"superseded by batch {batch_id}"), feed=sql.Literal(feed.name),
             day=sql.Literal(logical_date), batch=sql.Literal(batch_id), same=same_source)).fetchall()
    return sorted(r[0] for r in rows)


def _held_reason(feed: Feed, schema_failures: list[FailedExpectation], share: float) -> str | None:
    reasons = []
    if schema_failures and feed.gate.hold_on_schema_failure:
        reasons.append("结构检查未通过：" + "；".join(f"{f.expectation}（{f.message}）" for f in schema_failures))
    if share > feed.gate.max_failed_share:
        reasons.append(f"{share:.1%} 的行未通过检查，超过该 feed 的阈值 {feed.gate.max_failed_share:.1%}")
    return "；".join(reasons) or None


def gate_batch(feed: str, batch_id: int, *, alert: bool = True) -> GateResult:
    """Gate one loaded batch of ``feed``; with ``alert`` the monitors hear of a held or dirty batch at once.

    Call with ``alert=False`` when the night sends one summary instead
    (credit_warehouse.alerts.notify.notify_night).
    """
    started = time.monotonic()
    spec = get_feed(feed)
    suite = load_suite(spec.name)
    with _connect() as conn:
        # one gate per feed at a time: the duplicate check reads the feed's other accepted batches
        conn.execute("select pg_advisory_lock(hashtext(%s))", (f"credit_warehouse.gate.{spec.name}",))
        conn.commit()
        try:
            result = _gate(conn, spec, suite, batch_id, started)
        finally:
            conn.rollback()
            conn.execute("select pg_advisory_unlock(hashtext(%s))", (f"credit_warehouse.gate.{spec.name}",))
            conn.commit()
    log.info("gate %s batch %s: %s, %s received, %s quarantined", spec.name, batch_id, result.status,
             result.rows_received, result.rows_quarantined)
    if alert and result.needs_alert:
        notify_gate_result(result)
    return result


def _gate(conn: psycopg.Connection, feed: Feed, suite: Suite, batch_id: int, started: float) -> GateResult:
    logical_date, _status, source_identity, layout = _batch_row(conn, feed, batch_id)
    _check_references(conn, feed, suite, logical_date)
    across = checks_module.across_batches(suite)
    if across:
        checks_module.backfill_accepted_records(conn, feed)
        # a batch gated again is remembered again only if it is accepted again
        conn.execute("delete from ops.accepted_record where feed = %s and batch_id = %s", (feed.name, batch_id))
    compiled = checks_module.compile_checks(feed, suite, logical_date, batch_id, conn, layout)
    required_query = checks_module.required_populated_query(feed, conn, layout)
    conn.commit()

    # the one pass: every check once per row, failing rows with all their reasons; GX then validates and
    # reports each expectation from what this pass found
    quarantined = quarantine.write_quarantine(conn, feed, compiled, batch_id)
    conn.commit()
    validation = gx_runner.validate_batch(feed, suite, compiled.checks, batch_id, required_query, str(logical_date))
    received = conn.execute(
        sql.SQL("select count(*) from {} where _batch_id = %s").format(sql.Identifier("raw", feed.raw_table)),
        (batch_id,),
    ).fetchone()[0]
    unchanged = quarantine.unchanged_rows(conn, feed, batch_id)
    failing = quarantined - unchanged
    late_query = checks_module.late_reports_query(feed, suite, logical_date, batch_id)
    late_reports = dict(conn.execute(late_query).fetchall()) if late_query else {}

    failed: list[FailedExpectation] = []
    for outcome in validation.outcomes:
        if not outcome.success and not (outcome.name == checks_module.UNCHANGED and not failing):
            failed.append(FailedExpectation(
                expectation=outcome.name, column=outcome.column, message=outcome.message, count=outcome.count,
                schema=outcome.schema, samples=outcome.samples))

    share = failing / (received - unchanged) if failing else 0.0
    schema_failures = [f for f in failed if f.schema]
    held_reason = _held_reason(feed, schema_failures, share)
    status = "rejected" if held_reason else "accepted"
    accepted_rows = received - quarantined

    conn.execute(
        "update ops.load_batch set status = %s, rows_received = %s, rows_accepted = %s, rows_quarantined = %s, "
        "gated_at = now(), gated_xid = pg_current_xact_id(), error_text = %s where batch_id = %s",
        (status, received, accepted_rows, quarantined, held_reason, batch_id),
    )
    superseded = _supersede(conn, feed, batch_id, logical_date, source_identity) if status == "accepted" else []
    if status == "accepted":
        checks_module.remember_usccs(conn, feed, batch_id)
        if across:
            checks_module.remember_records(conn, feed, batch_id)
            # the next batch's duplicate check joins it: plan on statistics that know this batch's records
            conn.execute("analyze ops.accepted_record")
    seconds = round(time.monotonic() - started, 3)
    conn.execute(
        "insert into ops.gate_result (batch_id, feed, logical_date, suite_name, suite_version, status, "
        "rows_received, rows_accepted, rows_quarantined, failed_share, schema_failed, failed_expectations, "
        "data_docs_path, seconds, late_reports, rows_unchanged, gated_at) "
        "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now()) "
        "on conflict (batch_id) do update set status = excluded.status, suite_version = excluded.suite_version, "
        "rows_received = excluded.rows_received, rows_accepted = excluded.rows_accepted, "
        "rows_quarantined = excluded.rows_quarantined, failed_share = excluded.failed_share, "
        "schema_failed = excluded.schema_failed, failed_expectations = excluded.failed_expectations, "
        "data_docs_path = excluded.data_docs_path, seconds = excluded.seconds, late_reports = excluded.late_reports, "
        "rows_unchanged = excluded.rows_unchanged, gated_at = now()",
        (batch_id, feed.name, logical_date, suite.name, suite.version, status, received, accepted_rows, quarantined,
         share, bool(schema_failures),
         json.dumps([{"expectation": f.expectation, "column": f.column, "count": f.count, "schema": f.schema}
                     for f in failed], ensure_ascii=False),
         validation.data_docs_path, seconds, json.dumps(late_reports, ensure_ascii=False), unchanged),
    )
    conn.commit()
    return GateResult(
        feed=feed.name, batch_id=batch_id, logical_date=logical_date, status=status, rows_received=received,
        rows_accepted=accepted_rows, rows_quarantined=quarantined, failed_share=share,
        max_failed_share=feed.gate.max_failed_share, schema_failed=bool(schema_failures),
        failed_expectations=failed, data_docs_path=validation.data_docs_path, seconds=seconds,
        suite_version=suite.version, held_reason=held_reason, superseded=superseded, late_reports=late_reports,
        rows_unchanged=unchanged,
    )


def night_results(logical_date: date) -> list[GateResult]:
    """The recorded gate results of every live batch of one logical date (for the night's digest)."""
    with _connect() as conn:
        rows = conn.execute(
            "select g.feed, g.batch_id, g.status, g.rows_received, g.rows_accepted, g.rows_quarantined, "
            "g.failed_share, g.schema_failed, g.failed_expectations, g.data_docs_path, g.seconds, g.suite_version, "
            "g.late_reports, g.rows_unchanged "
            "from ops.gate_result as g join ops.load_batch as b using (batch_id) "
            "where g.logical_date = %s and b.status in ('accepted', 'rejected') "
            "order by g.feed, g.batch_id",
            (logical_date,),
        ).fetchall()
    return [
        GateResult(
            feed=feed, batch_id=batch_id, logical_date=logical_date, status=status, rows_received=received,
            rows_accepted=accepted, rows_quarantined=quarantined, failed_share=float(share),
            max_failed_share=get_feed(feed).gate.max_failed_share, schema_failed=schema_failed,
            failed_expectations=[
                FailedExpectation(f["expectation"], f.get("column"), "", f["count"], f.get("schema", False))
                for f in failed
            ],
            data_docs_path=docs, seconds=float(seconds), suite_version=version, late_reports=late,
            rows_unchanged=unchanged,
        )
        for feed, batch_id, status, received, accepted, quarantined, share, schema_failed, failed, docs, seconds,
        version, late, unchanged in rows
    ]

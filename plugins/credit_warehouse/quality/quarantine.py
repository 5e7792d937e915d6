"""quarantine.<feed>: every failing row of a batch with ALL its reasons, written in one SQL pass.

Table shape: _batch_id, _row_number, reasons jsonb (a list of {expectation,
column, value (masked), message}), quarantined_at, then a copy of the raw columns. A raw row is
accepted when its batch is accepted/published and it has no row here.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

import psycopg
from psycopg import sql

from credit_warehouse.feeds.registry import Feed, load_registry
from credit_warehouse.quality.checks import UNCHANGED, CompiledChecks
from credit_warehouse.settings import database_url

OWNER = "loader"
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _checked(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a safe SQL identifier")
    return name


def _ident(name: str) -> sql.Identifier:
    return sql.Identifier(_checked(name))


def _table(feed: Feed) -> sql.Identifier:
    return sql.Identifier("quarantine", _checked(feed.raw_table))


def ensure_quarantine_tables(conn: psycopg.Connection) -> list[str]:
    """Create (or widen, when the registry gained columns) quarantine.<feed> for every registry feed.

    Safe to call on every bootstrap. The tables belong to loader even when called as the superuser.
    """
    is_owner = conn.execute("select current_user = %s", (OWNER,)).fetchone()[0]
    created = []
    if not is_owner:
        conn.execute(sql.SQL("set role {}").format(sql.Identifier(OWNER)))
    try:
        for feed in load_registry():
            table = _table(feed)
            columns = sql.SQL(", ").join(sql.SQL("{} text").format(_ident(c)) for c in feed.column_names)
            conn.execute(sql.SQL(
                "create table if not exists {} (_batch_id bigint not null, _row_number bigint not null, "
                "reasons jsonb not null, quarantined_at timestamptz not null default now(), {}, "
                "primary key (_batch_id, _row_number))"
            ).format(table, columns))
            for column in feed.column_names:
                conn.execute(sql.SQL("alter table {} add column if not exists {} text").format(table, _ident(column)))
            # each expectation's rows for GX (checks.quarantined_rows_query) by containment of its reason
            conn.execute(sql.SQL("create index if not exists {} on {} using gin (reasons jsonb_path_ops)").format(
                _ident(f"{feed.raw_table}_reasons"), table))
            created.append(f"quarantine.{feed.raw_table}")
    finally:
        if not is_owner:
            conn.execute("reset role")
    return created


def write_quarantine(conn: psycopg.Connection, feed: Feed, compiled: CompiledChecks, batch_id: int,
                     workers: int | None = None) -> int:
    """Replace the batch's quarantine rows: one pass over raw evaluating every check once per row, on the
    values the checks share (``compiled.rows``), each computed once.

    The pass is CPU-bound in PostgreSQL and an INSERT runs in one backend, so the batch's rows are split
    into ``workers`` ranges, each inserted by a connection of its own at the same time (window functions
    of the key checks still see the whole batch). Committed as it goes: a batch gated again starts over.
    """
    table = _table(feed)
    conn.execute(sql.SQL("delete from {} where _batch_id = %s").format(table), (batch_id,))
    conn.commit()
    checks = compiled.checks
    if not checks:
        return 0
    reasons = sql.SQL(", ").join(
        sql.SQL("({}, case when {} then jsonb_build_object('expectation', {}, 'column', {}, 'value', {}, "
                "'message', {}) end)").format(
            sql.Literal(i), sql.SQL(check.condition), sql.Literal(check.name), sql.Literal(check.column),
            sql.SQL(check.value), sql.Literal(check.message))
        for i, check in enumerate(checks)
    )
    columns = sql.SQL(", ").join(_ident(c) for c in feed.column_names)
    batch_columns = sql.SQL(", ").join(sql.Identifier("b", c) for c in feed.column_names)
    # a row fails if any check does: that one test (filtered below the join) spares the clean rows, nearly
    # all of them, the list of reasons built per check and aggregated
    failing = sql.SQL(" or ").join(sql.SQL("({})").format(sql.SQL(check.condition)) for check in checks)
    statement = sql.SQL(
        "insert into {table} (_batch_id, _row_number, reasons, quarantined_at, {columns}) "
        "select b._batch_id, b._row_number, r.reasons, now(), {batch_columns} "
        "from ({rows}) as b "
        "cross join lateral (select jsonb_agg(x.gate_reason order by x.gate_ord) as reasons "
        "from (values {reasons}) as x (gate_ord, gate_reason) where x.gate_reason is not null) as r "
        "where coalesce({failing}, false) and r.reasons is not null"
    ).format(table=table, columns=columns, batch_columns=batch_columns, rows=sql.SQL(compiled.rows),
             reasons=reasons, failing=failing)
    first, last = conn.execute(sql.SQL("select min(_row_number), max(_row_number) from {} where _batch_id = %s")
                               .format(sql.Identifier("raw", feed.raw_table)), (batch_id,)).fetchone()
    if first is None:
        return 0
    workers = max(1, min(workers or gate_workers(), (last - first) // 10_000 + 1))
    step = (last - first) // workers + 1
    ranges = [{"first": start, "last": min(start + step - 1, last)} for start in range(first, last + 1, step)]
    if len(ranges) == 1:
        conn.execute(PASS_WORK_MEM)
        count = conn.execute(statement, ranges[0]).rowcount
        conn.commit()
        return count
    with ThreadPoolExecutor(len(ranges)) as pool:
        return sum(pool.map(lambda bounds: _insert_range(statement, bounds), ranges))


# the key checks sort the whole batch by its business key: in PostgreSQL's default 4 MB a 100k-row batch's
# sort spilled 34 MB to disk (0.5 s of the pass); a pass runs a few sorts and hashes per connection
PASS_WORK_MEM = "set local work_mem = '128MB'"


def gate_workers() -> int:
    """Connections one gate pass uses at once (CREDIT_WAREHOUSE_GATE_WORKERS, default the machine's cores)."""
    return int(os.environ.get("CREDIT_WAREHOUSE_GATE_WORKERS") or os.cpu_count() or 1)


def _insert_range(statement: sql.Composed, bounds: dict[str, int]) -> int:
    with psycopg.connect(database_url(role="loader")) as conn:
        conn.execute(PASS_WORK_MEM)
        count = conn.execute(statement, bounds).rowcount
        conn.commit()
        return count


def unchanged_rows(conn: psycopg.Connection, feed: Feed, batch_id: int) -> int:
    """Quarantined rows whose only reason is that an accepted batch already holds them unchanged."""
    return conn.execute(sql.SQL(
        "select count(*) from {} as q where q._batch_id = %s and not exists ("
        "select 1 from jsonb_array_elements(q.reasons) as reason where reason ->> 'expectation' <> %s)"
    ).format(_table(feed)), (batch_id, UNCHANGED)).fetchone()[0]

"""Gate benchmark: time gate_batch on dept_penalty batches of 100k and 1M rows (about 2% dirty).

Runs against its own database on the embedded server (state folder .state/bench unless
CREDIT_WAREHOUSE_STATE says otherwise). Rows are generated inside PostgreSQL, so the timing is the
gate's alone. Usage: .venv/bin/python tools/bench_gate.py [ROWS ...]
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("CREDIT_WAREHOUSE_STATE", str(Path(__file__).resolve().parents[1] / ".state" / "bench"))
os.environ.setdefault("CREDIT_WAREHOUSE_DB_NAME", "cw_bench_gate")

import psycopg  # noqa: E402

from credit_warehouse import settings  # noqa: E402
from credit_warehouse.feeds.registry import get_feed  # noqa: E402
from credit_warehouse.identifiers import make_uscc  # noqa: E402
from credit_warehouse.install import install  # noqa: E402
from credit_warehouse.load.raw_tables import summarize_new_rows  # noqa: E402
from credit_warehouse.quality.gate import gate_batch  # noqa: E402
from credit_warehouse.warehouse import embedded  # noqa: E402

LOGICAL_DATE = date(2024, 7, 10)
# every 50th row carries one kind of dirt, cycling through bad USCC, late decision, unit error, exclusion
GENERATE = """
insert into raw.dept_penalty (subject_name, subject_category, uscc, decision_doc_no, violation_type,
    violation_facts, legal_basis, penalty_categories, penalty_content, fine_amount_10k_yuan, decision_date,
    authority, authority_uscc, source_unit, source_unit_uscc, severity, _batch_id, _row_number, _source)
select '企业' || g, '法人及非法人组织',
       case when g % 200 = 0 then 'BAD' || g else (%(codes)s::text[])[1 + g %% 1000] end,
       'BENCH-' || %(batch)s || '-' || g, '虚假宣传',
       case when g % 200 = 150 then '闯红灯' else '发布虚假广告' end,
       '《广告法》', '01,02', '警告并罚款',
       case when g % 200 = 100 then '20000' else '0.2' end,
       case when g % 200 = 50 then '2024-06-01' else '2024-07-05' end,
       '济南市市场监督管理局', %(authority)s, '济南市市场监督管理局', %(authority)s, '一般',
       %(batch)s, g, 'bench'
from generate_series(1, %(rows)s) as g
""".replace("g % 200", "g %% 200")


def prepare() -> None:
    embedded.start()
    install()  # the server, then each stage's tables: raw, quarantine, reference seeds


def deliver(rows: int) -> int:
    codes = [make_uscc("9", "1", "370100", f"MB{n:06d}") for n in range(1000)]
    with psycopg.connect(settings.database_url(), autocommit=True) as conn:
        batch_id = conn.execute(
            "insert into ops.load_batch (feed, logical_date, source_identity, source_sha256, status, rows_received)"
            " values ('dept_penalty', %s, %s, md5(random()::text), 'loaded', %s) returning batch_id",
            (LOGICAL_DATE, f"bench://{rows}/{time.time()}", rows),
        ).fetchone()[0]
        conn.execute(GENERATE, {"codes": codes, "batch": batch_id, "rows": rows,
                                "authority": make_uscc("1", "1", "370100", "00000001")})
        summarize_new_rows(conn, get_feed("dept_penalty"))  # what the loader does after COPY
        conn.execute("analyze raw.dept_penalty")
    return batch_id


def main(sizes: list[int]) -> int:
    prepare()
    gate_batch("dept_penalty", deliver(100), alert=False)  # warm-up: GX import and first context
    print(f"{'rows':>10} {'quarantined':>12} {'status':>9} {'gate s':>8} {'rows/s':>10}")
    for rows in sizes:
        batch_id = deliver(rows)
        started = time.monotonic()
        result = gate_batch("dept_penalty", batch_id, alert=False)
        seconds = time.monotonic() - started
        print(f"{rows:>10} {result.rows_quarantined:>12} {result.status:>9} {seconds:>8.1f} {rows / seconds:>10.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]))

"""Benchmark of the load hot path: a 30-column GB18030 penalty CSV through extract_and_load (COPY).

Usage: .venv/bin/python tools/bench_load.py [ROWS ...]   (default 10000 100000 500000)

Needs the embedded server (credit-warehouse db start). Works in a database of its own (cw_bench),
dropped at the end. Each size runs in a fresh process, so the peak RSS column is that run's own.
For comparison it also times COPY of the raw bytes with ENCODING 'GB18030' into a temporary table
(PostgreSQL decodes; no header mapping, checks or row numbers), and into a plain table, written to the
WAL as the raw table is.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BENCH_DB = "cw_bench"
DAY = date(2024, 1, 2)


def write_penalty_csv(path: Path, rows: int, persons_every: int = 0) -> None:
    """Rows of the current national format, every registry column in its order (empty where optional);
    with ``persons_every`` N, every Nth row is a natural person named by a resident-ID number."""
    from credit_warehouse.feeds.registry import get_feed
    from credit_warehouse.identifiers import make_resident_id

    feed = get_feed("dept_penalty")
    header = ",".join(c.label for c in feed.columns)
    fixed = {
        "subject_category": "法人及非法人组织", "legal_rep_name": "张三", "violation_type": "虚假宣传",
        "violation_facts": "经查，当事人在其网店发布虚假广告，违反《广告法》第二十八条",
        "legal_basis": "《中华人民共和国广告法》第五十五条", "penalty_categories": '"01,02"',
        "penalty_content": "警告，罚款人民币2000元", "fine_amount_10k_yuan": "0.2", "confiscated_amount_10k_yuan": "0",
        "decision_date": DAY.isoformat(), "valid_until": "2025-01-02", "publicity_until": "2024-07-02",
        "severity": "一般", "authority": "合肥市市场监督管理局", "authority_uscc": "11340100MB1234567X",
        "source_unit": "合肥市市场监督管理局", "source_unit_uscc": "11340100MB1234567X", "status": "1",
        "division_code": "340100",
    }
    with path.open("w", encoding="gb18030", newline="") as out:
        out.write(header + "\r\n")
        for i in range(rows):
            varying = {"subject_name": f"合肥市示例商贸有限公司{i}", "uscc": f"91340100MA2N{i % 1000000:06d}",
                       "decision_doc_no": f"合市监罚〔2024〕{i}号"}
            if persons_every and i % persons_every == 0:
                born = date(1950 + i % 50, 1 + i % 12, 1 + i % 28)
                varying = {**varying, "subject_name": f"张{i}", "subject_category": "自然人", "uscc": "",
                           "legal_rep_name": "", "person_id_type": "身份证",
                           "person_id_no": make_resident_id("340104", born, i % 1000)}
            out.write(",".join(varying.get(c.name, fixed.get(c.name, "")) for c in feed.columns) + "\r\n")


def bare_copy(path: Path, logged: bool = False) -> tuple[int, float]:
    """The limit: COPY of the penalty file's raw bytes (PostgreSQL decodes GB18030) into a scratch table with
    the raw table's columns, without header mapping, checks or row numbers; (rows, seconds). The scratch
    table is temporary (no WAL) unless ``logged``: then a plain table, written to the WAL as raw is."""
    import psycopg

    from credit_warehouse.feeds.registry import get_feed
    from credit_warehouse.settings import database_url

    names = ", ".join(get_feed("dept_penalty").column_names)
    table = "raw.bench_raw" if logged else "bench_raw"
    with psycopg.connect(database_url(role="loader"), autocommit=True) as conn:
        # created before the timed transaction, so COPY writes the WAL as it does into raw
        conn.execute(f"create {'' if logged else 'temporary '}table {table} as "  # noqa: S608
                     f"select {names} from raw.dept_penalty with no data")
        try:
            started = time.perf_counter()
            with conn.transaction(), conn.cursor() as cursor, cursor.copy(
                f"copy {table} ({names}) from stdin (format csv, header true, encoding 'GB18030')"  # noqa: S608
            ) as copy, path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            seconds = time.perf_counter() - started  # committed, as a loaded batch is
            rows = conn.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608
        finally:
            conn.execute(f"drop table {table}")
    return rows, seconds


def child(rows: int, landing: Path) -> dict:

    from credit_warehouse.load.pipeline import extract_and_load

    folder = landing / "dept_penalty" / DAY.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"penalty_{rows}.csv"
    write_penalty_csv(path, rows)
    size = path.stat().st_size
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    [outcome] = extract_and_load("dept_penalty", DAY)
    seconds = time.perf_counter() - start
    assert outcome.status == "loaded" and outcome.rows_received == rows, outcome.message
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    _, raw_seconds = bare_copy(path)
    _, logged_seconds = bare_copy(path, logged=True)
    path.unlink()
    return {"rows": rows, "mb": size / 1e6, "seconds": seconds, "rss_mb": peak_rss / 1024,
            "base_rss_mb": base_rss / 1024, "raw_seconds": raw_seconds, "logged_seconds": logged_seconds}


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--child":
        print(json.dumps(child(int(argv[1]), Path(argv[2]))))
        return 0
    sizes = [int(a) for a in argv] or [10_000, 100_000, 500_000]
    import psycopg

    from credit_warehouse.install import install
    from credit_warehouse.settings import ENV_DB_NAME, external_database_url, server_url
    from credit_warehouse.warehouse import embedded

    if not external_database_url():
        embedded.start()
    os.environ[ENV_DB_NAME] = BENCH_DB  # every component reads the warehouse's name from here
    install(reference_data=False)  # the schemas and the raw table the loader writes to
    env = dict(os.environ)
    print(f"{'rows':>10} {'MB':>8} {'pipeline s':>10} {'rows/s':>10} {'peak RSS MB':>12} "
          f"{'raw-bytes COPY rows/s':>22} {'into a logged table':>20}")
    try:
        with tempfile.TemporaryDirectory() as landing:
            env["CREDIT_WAREHOUSE_LANDING"] = landing
            for rows in sizes:
                result = subprocess.run([sys.executable, __file__, "--child", str(rows), landing], env=env,
                                        capture_output=True, text=True)
                if result.returncode:
                    print(result.stderr.strip().splitlines()[-1], file=sys.stderr)
                    return 1
                r = json.loads(result.stdout.strip().splitlines()[-1])
                print(f"{r['rows']:>10} {r['mb']:>8.1f} {r['seconds']:>10.2f} {r['rows'] / r['seconds']:>10.0f} "
                      f"{r['rss_mb']:>12.1f} {r['rows'] / r['raw_seconds']:>22.0f} "
                      f"{r['rows'] / r['logged_seconds']:>20.0f}")
    finally:
        with psycopg.connect(server_url() + "/postgres", autocommit=True) as admin:
            admin.execute(f'drop database if exists "{BENCH_DB}" with (force)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""A night at scale, stage by stage, in one run: where the time and the memory go.

Usage: .venv/bin/python tools/bench_night.py --rows N [--json PATH]

Generates a night of N rows per feed (from a pool of N subjects) in a state folder of its own (its own
embedded server, landing folder, court store and utility billing database, removed at the end) and times,
each in a child process so that its peak RSS is its own:

    copy      bare COPY of an N-row GB18030 penalty file (tools/bench_load.py) into a temporary scratch table:
              the limit; and into a plain table, written to the WAL as raw is: the limit of a durable load
    loader    the loader (extract_and_load) on the same file, then on one where every 5th row is a natural
              person (the vault's work)
    load      every feed of the night through the loader, then every loaded batch through its quality gate
    dbt_full  `dbt build --full-refresh` as of the night
    dbt_incr  a second night of 1% new rows per feed, loaded, gated, then `dbt build` (incremental)
    publish   staging the outbox, then the night's push (push_all) to the reference interface in its own process

and prints a table; with --json it writes rows_per_feed, bare_copy_rows_per_s, logged_copy_rows_per_s,
load_rows_per_s, load_with_persons_rows_per_s,
load_seconds, gate_seconds, dbt_full_seconds, dbt_incremental_seconds, publish_records_per_s,
peak_rss_mb, night_seconds. PostgreSQL's own memory is not in the RSS figures, nor is the reference
interface's (it keeps every record it receives, as the platform's database would): that is printed apart.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

NIGHT = date(2026, 11, 18)
FILE_DAY = date(2026, 11, 17)  # the delivery of one N-row penalty file that COPY and the loader both read
STAGES = ("copy", "loader", "load", "dbt_full", "dbt_incr", "publish")


PERSONS_DAY = date(2026, 11, 16)  # the same file with every 5th row a natural person: the vault has work
PERSONS_EVERY = 5


def _penalty_file(day: date = FILE_DAY) -> Path:
    from credit_warehouse.feeds.files import landing_folder
    from credit_warehouse.feeds.registry import get_feed

    return landing_folder(get_feed("dept_penalty"), day) / "penalty.csv"


def _load_and_gate(day: date) -> dict:
    from credit_warehouse.feeds.registry import load_registry
    from credit_warehouse.load.pipeline import extract_and_load
    from credit_warehouse.quality.gate import gate_batch

    loaded, load_seconds, rows = [], 0.0, 0
    for feed in load_registry().feeds:
        started = time.perf_counter()
        outcomes = extract_and_load(feed, day)
        load_seconds += time.perf_counter() - started
        loaded += [(feed, o.batch_id) for o in outcomes if o.status == "loaded" and o.batch_id is not None]
        rows += sum(o.rows_received for o in outcomes if o.status == "loaded")
    started = time.perf_counter()
    for feed, batch_id in loaded:
        gate_batch(feed, batch_id, alert=False)
    return {"load_seconds": load_seconds, "gate_seconds": time.perf_counter() - started, "rows": rows,
            "batches": len(loaded)}


def _slowest_nodes(count: int = 8) -> list[list]:
    """The dbt nodes (models, tests) that took longest in the last command, with their seconds."""
    from credit_warehouse.transform.dbt import target_dir

    results = json.loads((target_dir() / "run_results.json").read_text())["results"]
    timed = sorted(((r["unique_id"].split(".", 2)[-1], r["execution_time"]) for r in results),
                   key=lambda node: -node[1])
    return [[node, round(seconds, 1)] for node, seconds in timed[:count]]


def _wait_for(url: str, httpx) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _stage(name: str) -> dict:
    """One stage, run in this (child) process; returns its figures."""
    if name == "loader":
        from credit_warehouse.load.pipeline import extract_and_load

        figures = {}
        for day, key in ((FILE_DAY, ""), (PERSONS_DAY, "persons_")):
            started = time.perf_counter()
            [outcome] = extract_and_load("dept_penalty", day)
            figures[f"{key}seconds"] = time.perf_counter() - started
            assert outcome.status == "loaded", outcome.message
            figures[f"{key}rows"] = outcome.rows_received
        return figures
    if name == "copy":
        from tools.bench_load import bare_copy

        rows, seconds = bare_copy(_penalty_file())
        _, logged_seconds = bare_copy(_penalty_file(), logged=True)
        return {"rows": rows, "seconds": seconds, "logged_seconds": logged_seconds}
    if name == "load":
        return _load_and_gate(NIGHT)
    if name in ("dbt_full", "dbt_incr"):
        from credit_warehouse.transform.dbt import night_vars, run_dbt

        day = NIGHT if name == "dbt_full" else NIGHT + timedelta(days=1)
        extra = ["--full-refresh"] if name == "dbt_full" else []
        figures = {} if name == "dbt_full" else _load_and_gate(day)
        started = time.perf_counter()
        run_dbt(["build", *extra, "--vars", night_vars(day)])  # the night's own build
        return {**figures, "seconds": time.perf_counter() - started, "slowest": _slowest_nodes()}
    if name == "publish":
        import socket

        import httpx

        from credit_warehouse.connections import connection_uri
        from credit_warehouse.publish.outbox import stage_outbox
        from credit_warehouse.publish.push import push_all
        from credit_warehouse.publish.signing import DEFAULT_KEY_ID
        from credit_warehouse_dev.national_interface import interface_secret

        started = time.perf_counter()
        released = stage_outbox(NIGHT + timedelta(days=1))
        staging = time.perf_counter() - started
        staging_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # the interface in a process of its own, as the national platform is: it does not share this
        # process's interpreter lock with the claimers
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen([sys.executable, "-m", "credit_warehouse.cli", "serve-national", "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for(f"http://127.0.0.1:{port}/", httpx)
            os.environ["AIRFLOW_CONN_NATIONAL_API"] = connection_uri(
                "http", "127.0.0.1", port, login=DEFAULT_KEY_ID, password=interface_secret().decode())
            summary = push_all()  # the night's push: its claimers and batch size (CREDIT_WAREHOUSE_PUBLISH_*)
            interface_rss = _peak_rss_of(server.pid)
        finally:
            server.terminate()
            server.wait()
        assert summary.accepted + summary.rejected == released, summary
        return {"records": released, "seconds": summary.elapsed_seconds, "staging_seconds": staging,
                "staging_rss_mb": staging_rss, "interface_rss_mb": interface_rss}
    raise SystemExit(f"unknown stage {name}")


def _peak_rss_of(pid: int) -> float:
    """A running process's peak RSS in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _run_stage(name: str, env: dict) -> dict:
    result = subprocess.run([sys.executable, __file__, "--stage", name], env=env, capture_output=True, text=True,
                            check=False)
    if result.returncode:
        raise SystemExit(f"stage {name} failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def pool_size(rows: int) -> int:
    """Subjects in the generator's pool: one per row of a feed (at least the generator's default), so a
    subject has a few records, as in a city's register; both nights draw from the same pool."""
    from credit_warehouse_dev.generator.subjects import DEFAULT_POOL_SIZE

    return max(DEFAULT_POOL_SIZE, rows)


def _prepare(rows: int, env: dict) -> None:
    """The state folder's server, warehouse and both nights' deliveries."""
    code = (
        "from datetime import timedelta; from credit_warehouse.install import install; "
        "from credit_warehouse.warehouse import embedded; "
        "from credit_warehouse_dev.generator.night import generate_night; import tools.bench_night as b; "
        "from tools.bench_load import write_penalty_csv; "
        f"embedded.start(); install(); generate_night(b.NIGHT, rows={rows}, pool_size=b.pool_size({rows})); "
        f"generate_night(b.NIGHT + timedelta(days=1), rows=max(1, {rows} // 100), pool_size=b.pool_size({rows})); "
        f"b._penalty_file().parent.mkdir(parents=True); write_penalty_csv(b._penalty_file(), {rows}); "
        f"b._penalty_file(b.PERSONS_DAY).parent.mkdir(parents=True); "
        f"write_penalty_csv(b._penalty_file(b.PERSONS_DAY), {rows}, b.PERSONS_EVERY)"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=Path(__file__).resolve().parents[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=None, help="rows per feed")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the state folder (server stopped) to inspect")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        figures = _stage(args.stage)
        # dbt runs in a process of its own: the larger of this process and its children. The reference
        # interface, a child of the publish stage, is not: it keeps every record it received, as the
        # national platform's database would, so its memory is reported apart.
        who = (resource.RUSAGE_SELF,) if args.stage == "publish" else (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        figures["rss_mb"] = max(resource.getrusage(w).ru_maxrss for w in who) / 1024
        print(json.dumps(figures))
        return 0
    if not args.rows:
        parser.error("--rows is required")

    from credit_warehouse.connections import connection_uri
    from credit_warehouse.settings import secret
    from credit_warehouse_dev.court_api import start_court_api

    state = Path(tempfile.mkdtemp(prefix="cw_bench_night_"))
    env = {**os.environ, "CREDIT_WAREHOUSE_STATE": str(state), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    os.environ["CREDIT_WAREHOUSE_STATE"] = str(state)
    began = time.perf_counter()
    figures: dict[str, dict] = {}
    try:
        _prepare(args.rows, env)
        court_url, stop_court = start_court_api(port=0)
        court = court_url.split("://", 1)[1].split(":")
        env["AIRFLOW_CONN_COURT_API"] = connection_uri("http", court[0], int(court[1]),
                                                       password=secret("court_api_token"))
        try:
            for stage in STAGES:
                figures[stage] = _run_stage(stage, env)
                print(f"  {stage:<9} done: {json.dumps(figures[stage])}", flush=True)
        finally:
            stop_court()
    finally:
        subprocess.run([sys.executable, "-m", "credit_warehouse.cli", "db", "stop"], env=env,
                       capture_output=True, check=False)
        if args.keep:
            print(f"state kept in {state}")
        else:
            shutil.rmtree(state, ignore_errors=True)

    copy, loader, load = figures["copy"], figures["loader"], figures["load"]
    summary = {
        "rows_per_feed": args.rows,
        "bare_copy_rows_per_s": round(copy["rows"] / copy["seconds"]),
        "logged_copy_rows_per_s": round(copy["rows"] / copy["logged_seconds"]),
        "load_rows_per_s": round(loader["rows"] / loader["seconds"]),
        "load_with_persons_rows_per_s": round(loader["persons_rows"] / loader["persons_seconds"]),
        "load_seconds": round(load["load_seconds"], 1),
        "gate_seconds": round(load["gate_seconds"], 1),
        "dbt_full_seconds": round(figures["dbt_full"]["seconds"], 1),
        "dbt_incremental_seconds": round(figures["dbt_incr"]["seconds"], 1),
        "publish_records_per_s": round(figures["publish"]["records"] / figures["publish"]["seconds"])
        if figures["publish"]["seconds"] else 0,
        "peak_rss_mb": round(max(f["rss_mb"] for f in figures.values())),
        "night_seconds": round(time.perf_counter() - began, 1),
    }
    print(f"\nnight of {args.rows:,} rows per feed")
    print(f"{'stage':<28} {'seconds':>9} {'rate':>16} {'peak RSS MB':>12}")
    rows = [
        ("bare COPY, penalty file", copy["seconds"], f"{summary['bare_copy_rows_per_s']:,} rows/s", copy["rss_mb"]),
        ("COPY into a logged table", copy["logged_seconds"], f"{summary['logged_copy_rows_per_s']:,} rows/s",
         copy["rss_mb"]),
        ("loader, penalty file", loader["seconds"], f"{summary['load_rows_per_s']:,} rows/s", loader["rss_mb"]),
        (f"loader, 1 in {PERSONS_EVERY} a person", loader["persons_seconds"],
         f"{summary['load_with_persons_rows_per_s']:,} rows/s", loader["rss_mb"]),
        ("loader, all feeds", load["load_seconds"], f"{load['rows']:,} rows", load["rss_mb"]),
        ("gates, all batches", load["gate_seconds"], f"{load['batches']} batches", load["rss_mb"]),
        ("dbt build --full-refresh", figures["dbt_full"]["seconds"], "", figures["dbt_full"]["rss_mb"]),
        ("1% night: loader", figures["dbt_incr"]["load_seconds"], f"{figures['dbt_incr']['rows']:,} rows",
         figures["dbt_incr"]["rss_mb"]),
        ("1% night: gates", figures["dbt_incr"]["gate_seconds"], f"{figures['dbt_incr']['batches']} batches",
         figures["dbt_incr"]["rss_mb"]),
        ("1% night: dbt build", figures["dbt_incr"]["seconds"], "", figures["dbt_incr"]["rss_mb"]),
        ("publish: staging + contract", figures["publish"]["staging_seconds"],
         f"{figures['publish']['records']:,} records", figures["publish"]["staging_rss_mb"]),
        ("publish: push", figures["publish"]["seconds"], f"{summary['publish_records_per_s']:,} rec/s",
         figures["publish"]["rss_mb"]),
    ]
    for name, seconds, rate, rss in rows:
        print(f"{name:<28} {seconds:>9.1f} {rate:>16} {rss:>12.0f}")
    print("(the reference interface, which keeps every record it received: "
          f"{figures['publish']['interface_rss_mb']:.0f} MB)")
    for stage in ("dbt_full", "dbt_incr"):
        print(f"slowest nodes, {stage}: " + ", ".join(f"{node} {seconds:.1f} s"
                                                      for node, seconds in figures[stage]["slowest"]))
    ratio = summary["load_rows_per_s"] / summary["bare_copy_rows_per_s"] if summary["bare_copy_rows_per_s"] else 0
    print(f"loader / bare COPY: {ratio:.0%} (/ COPY into a logged table: "
          f"{summary['load_rows_per_s'] / summary['logged_copy_rows_per_s']:.0%}); gate / load: "
          f"{summary['gate_seconds'] / max(summary['load_seconds'], 0.001):.1f}x; incremental / full dbt: "
          f"{summary['dbt_incremental_seconds'] / max(summary['dbt_full_seconds'], 0.001):.0%}; "
          f"whole run {summary['night_seconds']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

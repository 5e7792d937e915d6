"""The development commands: ``night`` (the local night runner), ``generate``, ``generate-seeds``,
``lint-sql`` and the stand-ins ``serve-courts``, ``serve-national``, ``smtp-sink``, ``webhook-sink``.

They come with the development package (credit_warehouse_dev); a production install has none of them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

from credit_warehouse.settings import PROJECT_ROOT, ConfigurationError, external_database_url, state_dir
from credit_warehouse_dev import sink_commands


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1")
    return value


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _generate(args: argparse.Namespace) -> int:
    from credit_warehouse.settings import SOURCE_DB, external_database_url
    from credit_warehouse_dev.generator.feeds import FEEDS
    from credit_warehouse_dev.generator.night import generate_night

    feeds = tuple(f.strip() for f in args.feeds.split(",")) if args.feeds else None
    if feeds:
        unknown = [f for f in feeds if f not in FEEDS]
        if unknown:
            raise ConfigurationError(f"unknown feed {unknown[0]!r}; the feeds are {', '.join(FEEDS)}.")
    if not args.no_source_db and not external_database_url():
        from credit_warehouse.warehouse import embedded

        embedded.start()
    report = generate_night(
        args.date, seed=args.seed, rows=args.rows, dirt_rate=args.dirt_rate, corrections=args.corrections,
        corrections_since=args.corrections_since, pool_size=args.pool_size, feeds=feeds,
        source_database=None if args.no_source_db else SOURCE_DB,
    )
    width = max(len(name) for name in report.feeds) if report.feeds else 4
    print(f"{'feed':<{width}}  {'rows':>9}  {'dirty':>6}  {'to quarantine':>13}  where")
    for name, feed in report.feeds.items():
        print(f"{name:<{width}}  {feed.rows:>9}  {feed.dirty_rows:>6}  {feed.quarantine_expected:>13}  {feed.where}")
    if report.corrections:
        print(f"{len(report.corrections)} upheld corrections of earlier nights' records")
    print(f"manifest: {report.manifest_path}")
    return 0


def _serve_courts(args: argparse.Namespace) -> int:
    from credit_warehouse_dev.court_api import make_server
    from credit_warehouse_dev.generator.court_store import court_store

    server = make_server(args.port, args.host, faults=args.faults)
    url = f"http://{args.host}:{server.server_address[1]}"
    print(f"court API serving {court_store()} at {url} (Ctrl-C stops it)")
    print(f"  export AIRFLOW_CONN_COURT_API=http://:<token>@{args.host}:{server.server_address[1]}  (the token: "
          "CREDIT_WAREHOUSE_COURT_API_TOKEN here, or the file secrets/court_api_token in the state folder)")
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def _generate_seeds(args: argparse.Namespace) -> int:
    from pathlib import Path

    from credit_warehouse_dev.generator.reference import write_seeds

    folder = Path(args.folder) if args.folder else PROJECT_ROOT / "dbt_project" / "seeds"
    for name, rows in write_seeds(folder).items():
        print(f"{name}: {rows} rows")
    return 0


def _up(args: argparse.Namespace) -> int:
    from credit_warehouse_dev import stack

    info = stack.up(celery=args.celery, port=args.port)
    print(f"local Airflow stack up ({info.executor}):\n"
          f"  UI        {info.ui_url}  (user {info.user}, password in {info.password_file})\n"
          f"  mail      alert mail lands in {info.mail_folder}\n"
          f"  logs      {info.logs}\n"
          f"  a night   ./cw airflow dags trigger feed__dept_penalty -c '{{\"delivery_date\": \"YYYY-MM-DD\"}}'\n"
          f"  stop      ./cw down")
    return 0


def _down(_args: argparse.Namespace) -> int:
    from credit_warehouse_dev import stack

    stopped = stack.down()
    print(f"stopped: {', '.join(stopped)}" if stopped else "the local stack was not running")
    return 0


def _night(args: argparse.Namespace) -> int:
    from credit_warehouse_dev import night, report

    last = args.until or args.date
    if last < args.date:
        raise ConfigurationError(f"--until {last} is before --date {args.date}; give the range oldest first.")
    options = {"seed": args.seed, "rows": args.rows, "dirt_rate": args.dirt_rate, "corrections": args.corrections}
    ok = True
    day = args.date
    while day <= last:  # a backfill is the nights in order, each idempotent
        result = night.run_night(day, options)
        print(report.night_report(result))
        ok &= result.ok
        day += timedelta(days=1)
    return 0 if ok else 1


def _lint_sql(args: argparse.Namespace) -> int:
    """sqlfluff with the dbt templater; dbt connects while compiling, so the warehouse must exist."""
    from credit_warehouse.install import install
    from credit_warehouse.transform.dbt import dbt_env
    from credit_warehouse.warehouse import embedded

    if not external_database_url():
        embedded.start()
    install(reference_data=False)
    sqlfluff = Path(sys.executable).with_name("sqlfluff")
    paths = ["dbt_project/models", "dbt_project/snapshots", "dbt_project/macros", "dbt_project/analyses"]
    existing = [p for p in paths if (PROJECT_ROOT / p).exists()]
    return subprocess.run(
        [str(sqlfluff), "lint", *existing, *args.extra],
        cwd=PROJECT_ROOT,
        env={**os.environ, **dbt_env(), "DBT_LOG_PATH": str(state_dir() / "logs" / "dbt")},
        check=False,
    ).returncode


def _serve_national(args: argparse.Namespace) -> int:
    from credit_warehouse_dev.national_interface import Faults, serve

    faults = Faults.from_env()
    for name, value in asdict(faults).items():
        given = getattr(args, name)
        setattr(faults, name, given if given is not None else value)
    serve(args.host, args.port, faults)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from credit_warehouse.orchestration.delivery_date import default_delivery_date
    from credit_warehouse_dev.court_api import DEFAULT_PORT
    from credit_warehouse_dev.generator.night import DEFAULT_DIRT_RATE, DEFAULT_ROWS, DEFAULT_SEED
    from credit_warehouse_dev.generator.subjects import DEFAULT_POOL_SIZE

    generate = subparsers.add_parser("generate", help="generate a synthetic night of every feed")
    generate.add_argument("--date", type=_date, required=True, help="logical date YYYY-MM-DD")
    generate.add_argument("--seed", type=int, default=DEFAULT_SEED, help="same seed, same night (and subjects)")
    generate.add_argument("--rows", type=_positive, default=DEFAULT_ROWS, help="rows per feed")
    generate.add_argument("--dirt-rate", type=_share, default=DEFAULT_DIRT_RATE, help="share of dirty rows")
    generate.add_argument("--corrections", action="store_true",
                          help="credit_correction also upholds corrections of earlier nights' records")
    generate.add_argument("--corrections-since", type=_date, default=None,
                          help="earliest night those corrections touch (default: 3 days back)")
    generate.add_argument("--pool-size", type=_positive, default=DEFAULT_POOL_SIZE, help="subjects in the pool")
    generate.add_argument("--feeds", default=None, help="comma-separated subset of feeds")
    generate.add_argument("--no-source-db", action="store_true", help="skip the utility billing tables")
    generate.set_defaults(handler=_generate)

    serve = subparsers.add_parser("serve-courts", help="serve the generated court feeds over HTTP")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--faults", default=None, help="fault list, e.g. fail_once:2@dishonest-debtors")
    serve.set_defaults(handler=_serve_courts)

    seeds = subparsers.add_parser("generate-seeds", help="rewrite the reference-data seed CSVs from their tables")
    seeds.add_argument("--folder", default=None, help="target folder (default dbt_project/seeds)")
    seeds.set_defaults(handler=_generate_seeds)

    night = subparsers.add_parser(
        "night", help="run a whole night: generate feeds, load, gate, build marts, publish; print a summary"
    )
    night.add_argument("--date", type=date.fromisoformat, default=default_delivery_date(),
                       help="delivery date to process (default: yesterday, Beijing time)")
    night.add_argument("--until", type=date.fromisoformat, default=None,
                       help="backfill: run every night from --date to this date (inclusive)")
    night.add_argument("--seed", type=int, default=20261122, help="seed of the synthetic feeds")
    night.add_argument("--rows", type=int, default=300, help="rows per feed")
    night.add_argument("--dirt-rate", type=float, default=0.02, help="share of dirty rows in the feeds")
    night.add_argument("--corrections", action="store_true", help="include corrections of earlier nights")
    night.set_defaults(handler=_night)

    up = subparsers.add_parser("up", help="start the local Airflow stack (UI, scheduler, DAG processor, triggerer, "
                                          "stand-ins) on the embedded PostgreSQL")
    up.add_argument("--celery", action="store_true", help="CeleryExecutor with Redis and two workers")
    up.add_argument("--port", type=int, default=8080, help="port of the Airflow UI and API")
    up.set_defaults(handler=_up)
    down = subparsers.add_parser("down", help="stop the local Airflow stack")
    down.set_defaults(handler=_down)

    lint = subparsers.add_parser("lint-sql", help="sqlfluff (dbt templater) over the dbt project")
    lint.add_argument("extra", nargs=argparse.REMAINDER)
    lint.set_defaults(handler=_lint_sql)

    serve = subparsers.add_parser("serve-national", help="run the reference national interface (local and tests)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    for name, kind, text in (
        ("error_rate", float, "share of requests answered 503"),
        ("timeout_rate", float, "share processed, then answered too late"),
        ("rate_limit_rate", float, "share answered 429"),
        ("drop_rate", float, "share processed, then the connection cut"),
        ("latency", float, "seconds added to every request"),
        ("timeout_sleep", float, "seconds a 'timeout' request sleeps"),
        ("retry_after", int, "Retry-After seconds on 429"),
        ("seed", int, "random seed of the faults"),
    ):
        serve.add_argument(f"--{name.replace('_', '-')}", dest=name, type=kind, default=None,
                           help=f"{text} (default from CREDIT_WAREHOUSE_NATIONAL_FAULTS)")
    serve.set_defaults(handler=_serve_national)

    sink_commands.register(subparsers)

"""``credit-warehouse night``, ``airflow`` and ``lint-sql``: the commands that drive the whole pipeline."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from credit_warehouse.settings import PLATFORM_TZ, PROJECT_ROOT, ConfigurationError, external_database_url, state_dir


def _yesterday() -> date:
    return datetime.now(PLATFORM_TZ).date() - timedelta(days=1)


def _night(args: argparse.Namespace) -> int:
    from credit_warehouse.orchestration import night, report

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


def _airflow(args: argparse.Namespace) -> int:
    """Any airflow CLI command in the project's Airflow environment (e.g. `dags list`, `dags test ...`)."""
    from credit_warehouse.orchestration.airflow_env import airflow_env, migrate_metadata
    from credit_warehouse.orchestration.night import prepare_warehouse

    prepare_warehouse()
    env = airflow_env()
    migrate_metadata(env)
    airflow = Path(sys.executable).with_name("airflow")
    return subprocess.run([str(airflow), *args.airflow_args], env={**os.environ, **env}, check=False).returncode


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


def _dbt(args: argparse.Namespace) -> int:
    """Any dbt command against the warehouse as the transformer role (e.g. `docs serve`, `build -s ...`)."""
    from credit_warehouse.transform.dbt import DBT_PROJECT_DIR, dbt_env

    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.run(
        [str(dbt), *args.dbt_args], cwd=DBT_PROJECT_DIR, env={**os.environ, **dbt_env()}, check=False
    ).returncode


def register(subparsers: argparse._SubParsersAction) -> None:
    night = subparsers.add_parser(
        "night", help="run a whole night: generate feeds, load, gate, build marts, publish; print a summary"
    )
    night.add_argument("--date", type=date.fromisoformat, default=_yesterday(),
                       help="delivery date to process (default: yesterday, Beijing time)")
    night.add_argument("--until", type=date.fromisoformat, default=None,
                       help="backfill: run every night from --date to this date (inclusive)")
    night.add_argument("--seed", type=int, default=20261122, help="seed of the synthetic feeds")
    night.add_argument("--rows", type=int, default=300, help="rows per feed")
    night.add_argument("--dirt-rate", type=float, default=0.02, help="share of dirty rows in the feeds")
    night.add_argument("--corrections", action="store_true", help="include corrections of earlier nights")
    night.set_defaults(handler=_night)

    airflow = subparsers.add_parser("airflow", help="run the airflow CLI in the project's Airflow environment")
    airflow.add_argument("airflow_args", nargs=argparse.REMAINDER)
    airflow.set_defaults(handler=_airflow)

    dbt = subparsers.add_parser("dbt", help="run dbt against the warehouse as the transformer role")
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER)
    dbt.set_defaults(handler=_dbt)

    lint = subparsers.add_parser("lint-sql", help="sqlfluff (dbt templater) over the dbt project")
    lint.add_argument("extra", nargs=argparse.REMAINDER)
    lint.set_defaults(handler=_lint_sql)

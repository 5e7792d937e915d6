"""A whole night on one machine: feeds generated, every DAG run through Airflow, a summary printed.

The stand-ins for what is outside the platform run beside it for the night: the court API, the
national interface and an SMTP server catching alert mail. Everything else is the production path.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

import psycopg

from credit_warehouse.connections import connection_uri
from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.install import install
from credit_warehouse.orchestration.airflow_env import airflow_env, migrate_metadata
from credit_warehouse.publish.signing import DEFAULT_KEY_ID
from credit_warehouse.settings import ConfigurationError, database_url, external_database_url, secret, state_dir
from credit_warehouse.warehouse import embedded
from credit_warehouse_dev.run_dags import RESULT_PREFIX


@dataclass
class NightResult:
    day: date
    dag_runs: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    mails_received: int = 0
    log_file: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.dag_runs) and all(run["state"] == "success" for run in self.dag_runs)


def prepare_warehouse() -> None:
    """Server up (embedded unless an external one is configured), schemas, tables and reference data."""
    if not external_database_url():
        embedded.start()
    install()


def night_dag_ids() -> list[str]:
    """Feeds first (each gates its own batches), then the warehouse build, then publishing."""
    return [f"feed__{name}" for name in load_registry().feeds] + ["warehouse_build", "publish_national"]


@contextlib.contextmanager
def stand_in_services(mail_folder):
    """The court API, the national interface and the SMTP sink, for the length of the night (or the stack)."""
    from credit_warehouse_dev.court_api import start_court_api
    from credit_warehouse_dev.national_interface import interface_secret, start_national_interface
    from credit_warehouse_dev.smtp_sink import start_smtp_sink

    with contextlib.ExitStack() as stack:
        court_url, stop_court = start_court_api(port=0)
        stack.callback(stop_court)
        national_url, stop_national = start_national_interface(port=0)
        stack.callback(stop_national)
        sink = start_smtp_sink(folder=mail_folder)
        stack.callback(sink.stop)
        court, national = urlsplit(court_url), urlsplit(national_url)
        yield {
            "connections": {
                "court_api": connection_uri("http", court.hostname, court.port, password=secret("court_api_token")),
                "national_api": connection_uri("http", national.hostname, national.port, login=DEFAULT_KEY_ID,
                                               password=interface_secret().decode()),
                "smtp_alerts": connection_uri("smtp", "127.0.0.1", sink.port),
            },
            "sink": sink,
        }


def run_dags(day: date, dag_ids: list[str], env: dict[str, str], log_path) -> list[dict]:
    """Run the DAGs in a child process with the Airflow environment; its output goes to the night log."""
    results = []
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "credit_warehouse_dev.run_dags", day.isoformat(), *dag_ids],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        for line in process.stdout:
            log.write(line)
            if line.startswith(RESULT_PREFIX):
                result = json.loads(line[len(RESULT_PREFIX):])
                results.append(result)
                print(f"  {result['dag_id']:<40} {result['state']:<8} {result['seconds']:6.1f} s", flush=True)
        process.wait()
    return results


def run_night(day: date, generate_options: dict) -> NightResult:
    from credit_warehouse_dev.generator.night import generate_night

    started = time.monotonic()
    prepare_warehouse()
    log_path = state_dir() / "logs" / f"night-{day.isoformat()}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    generate_night(day, **generate_options)
    with stand_in_services(state_dir() / "mail" / day.isoformat()) as services:
        env = airflow_env(extra_connections=services["connections"])
        migrate_metadata(env)
        print(f"night of {day}: running {len(night_dag_ids())} DAGs through Airflow (log: {log_path})", flush=True)
        runs = run_dags(day, night_dag_ids(), env, log_path)
        mails = len(services["sink"].messages)
    if not runs:
        raise ConfigurationError(f"no DAG ran for the night of {day}; see {log_path}")
    return NightResult(day, runs, time.monotonic() - started, mails, str(log_path))


def ledger_summary(day: date) -> list[tuple]:
    with psycopg.connect(database_url()) as conn:
        return conn.execute(
            """
            select feed, count(*) as batches, string_agg(distinct status, ',') as statuses,
                   coalesce(sum(rows_received), 0), coalesce(sum(rows_accepted), 0),
                   coalesce(sum(rows_quarantined), 0)
            from ops.load_batch
            where logical_date = %s and status <> 'superseded'
            group by feed
            order by feed
            """,
            (day,),
        ).fetchall()

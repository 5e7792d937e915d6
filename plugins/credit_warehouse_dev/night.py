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
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

import psycopg

from credit_warehouse.connections import connection_uri
from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.install import install
from credit_warehouse.orchestration.airflow_env import airflow_env, migrate_metadata
from credit_warehouse.progress import ENV_PROGRESS_FILE
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


class Progress:
    """Prints each step of the night with the seconds since it began, and follows the progress lines the
    tasks write (credit_warehouse.progress) while the DAGs run."""

    def __init__(self) -> None:
        self.started = time.time()

    def step(self, text: str, at: float | None = None) -> None:
        print(f"[{(at or time.time()) - self.started:7.1f} s] {text}", flush=True)

    @contextlib.contextmanager
    def following(self, path):
        path.write_text("")
        stop = threading.Event()

        def follow() -> None:
            with open(path, encoding="utf-8") as handle:
                while True:
                    line = handle.readline()
                    if line.endswith("\n"):
                        stamp, _, text = line.rstrip("\n").partition(" ")
                        self.step(text, float(stamp))
                    elif stop.is_set():
                        return
                    else:
                        time.sleep(0.2)

        thread = threading.Thread(target=follow, name="night-progress", daemon=True)
        thread.start()
        try:
            yield {ENV_PROGRESS_FILE: str(path)}
        finally:
            stop.set()
            thread.join(timeout=5)


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
                "smtp_alerts": sink.url,
            },
            "sink": sink,
        }


def run_dags(day: date, dag_ids: list[str], env: dict[str, str], log_path,
             progress: Progress | None = None) -> list[dict]:
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
                text = f"{result['dag_id']:<40} {result['state']:<8} {result['seconds']:6.1f} s"
                if progress:
                    progress.step(text)
                else:
                    print(f"  {text}", flush=True)
        process.wait()
    return results


def run_night(day: date, generate_options: dict) -> NightResult:
    from credit_warehouse_dev.generator.night import generate_night

    started = time.monotonic()
    progress = Progress()
    progress.step("starting the warehouse (embedded PostgreSQL unless one is configured), schemas and reference data")
    prepare_warehouse()
    log_path = state_dir() / "logs" / f"night-{day.isoformat()}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    progress.step(f"generating the night's feeds for {day}")
    generate_night(day, **generate_options)
    progress.step("starting the stand-ins (court API, national interface, SMTP sink)")
    with stand_in_services(state_dir() / "mail" / day.isoformat()) as services:
        env = airflow_env(extra_connections=services["connections"])
        progress.step("migrating Airflow's metadata database")
        migrate_metadata(env)
        progress.step(f"running {len(night_dag_ids())} DAGs through Airflow (log: {log_path})")
        with progress.following(log_path.with_suffix(".progress")) as progress_env:
            runs = run_dags(day, night_dag_ids(), {**env, **progress_env}, log_path, progress)
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

"""The real scheduler, not DAG.test: `credit-warehouse up` starts the stack, a night is triggered through
Airflow's REST API with its delivery_date, and the scheduler takes it from there (feed runs, the
Asset-triggered build, publishing). A forced task failure and a missing delivery must reach the
SMTP sink; with Celery, tasks must run on both workers."""

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import psycopg
import pytest

from credit_warehouse import settings
from credit_warehouse.feeds.registry import load_registry
from credit_warehouse_dev.ports import free_port
from credit_warehouse_dev.smtp_sink import mail_text

pytestmark = pytest.mark.e2e

NIGHT = "2026-11-18"          # a Wednesday: every feed but the monthly one is due
FAILING_NIGHT = "2026-11-17"  # the court API answers 503 for consumption restrictions of this date
MISSING_FEED = "dept_commitment"
CLI = str(Path(sys.executable).with_name("credit-warehouse"))


def _cli(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, (args, result.stdout[-2000:], result.stderr[-3000:])
    return result


class Stack:
    def __init__(self, env: dict, port: int, started: str):
        self.env, self.api, self.started = env, f"http://127.0.0.1:{port}", started
        password_file = Path(settings.state_dir()) / "airflow" / "simple_auth_manager_passwords.json.generated"
        password = json.loads(password_file.read_text())["admin"]
        token = httpx.post(f"{self.api}/auth/token", json={"username": "admin", "password": password}).json()
        self.headers = {"Authorization": f"Bearer {token['access_token']}"}

    def trigger(self, dag_id: str, delivery_date: str) -> str:
        response = httpx.post(f"{self.api}/api/v2/dags/{dag_id}/dagRuns", headers=self.headers,
                              json={"logical_date": None, "conf": {"delivery_date": delivery_date}})
        assert response.status_code == 200, response.text
        return response.json()["dag_run_id"]

    def runs(self, dag_id: str) -> list[dict]:
        """The DAG's runs since this stack started (the metadata database keeps earlier tests' runs too)."""
        response = httpx.get(f"{self.api}/api/v2/dags/{dag_id}/dagRuns", headers=self.headers,
                             params={"limit": 100})
        started = datetime.fromisoformat(self.started)
        return [run for run in response.json()["dag_runs"]
                if run["queued_at"] and datetime.fromisoformat(run["queued_at"]) >= started]


def _wait(what: str, check, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(3)
    logs = Path(settings.state_dir()) / "stack" / "logs"
    pytest.fail(f"{what}: not within {timeout:.0f} s (stack logs in {logs})")


def _mails() -> list:
    folder = Path(settings.state_dir()) / "mail" / "stack"
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def _settle_unfinished_runs() -> None:
    """A scheduler resumes the runs an earlier one left unfinished (as it should in production); each test's
    stack starts without the previous test's runs, on a database of its own."""
    with psycopg.connect(settings.database_url(settings.AIRFLOW_DB), autocommit=True) as conn:
        if conn.execute("select to_regclass('dag_run')").fetchone()[0]:
            conn.execute("update dag_run set state = 'failed' where state in ('queued', 'running')")
            conn.execute("delete from asset_dag_run_queue")


@pytest.fixture
def stack_env(warehouse_server):
    database = f"cw_sched_{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        settings.ENV_DB_NAME: database,
        "CREDIT_WAREHOUSE_FIRST_NIGHT": "2099-01-01",  # no run but the ones the test triggers
        "CREDIT_WAREHOUSE_TASK_RETRIES": "0",
        "CREDIT_WAREHOUSE_HTTP_ATTEMPTS": "1",
        "CREDIT_WAREHOUSE_COURT_API_FAULTS": f"fail:1@consumption-restrictions/{FAILING_NIGHT}",
    }
    shutil.rmtree(Path(settings.state_dir()) / "mail" / "stack", ignore_errors=True)
    _settle_unfinished_runs()
    yield env
    subprocess.run([CLI, "down"], env=env, capture_output=True, timeout=120, check=False)
    _settle_unfinished_runs()
    with psycopg.connect(warehouse_server + "/postgres", autocommit=True) as conn:
        conn.execute(f'drop database if exists "{database}" with (force)')


def _up(env: dict, *options: str) -> Stack:
    port = free_port()
    started = datetime.now(UTC).isoformat()
    _cli(env, "up", "--port", str(port), *options)
    return Stack(env, port, started)


def test_a_night_on_the_real_scheduler(stack_env):
    _cli(stack_env, "generate", "--date", NIGHT, "--rows", "30")
    landing = Path(settings.state_dir()) / "landing"
    shutil.rmtree(landing / MISSING_FEED / NIGHT)
    stack = _up(stack_env)

    failing_run = stack.trigger("feed__court_consumption_restriction", FAILING_NIGHT)
    for feed in load_registry().feeds:
        stack.trigger(f"feed__{feed}", NIGHT)

    database = stack_env[settings.ENV_DB_NAME]
    with psycopg.connect(settings.database_url(database), autocommit=True) as conn:
        _wait("the night's publishing reconciled", lambda: conn.execute(
            "select balanced from ops.publish_reconciliation where delivery_date = %s", (NIGHT,)).fetchone(),
            timeout=360)
        deliveries = dict(conn.execute(
            "select feed, status from ops.feed_delivery where delivery_date = %s", (NIGHT,)).fetchall())
        build = conn.execute("select trigger, missing_feeds from ops.warehouse_build where delivery_date = %s",
                             (NIGHT,)).fetchone()
        dates = conn.execute("select distinct logical_date from ops.load_batch where status = 'accepted'").fetchall()
        reconciled = conn.execute("select selected, accepted, balanced from ops.publish_reconciliation "
                                  "where delivery_date = %s", (NIGHT,)).fetchone()
        failure_alerts = conn.execute(
            "select count(*) from ops.alert_log where alert_kind = 'task_failure' and status = 'sent'").fetchone()[0]

    # every feed ran for the night it was asked for; the missing one ended as not delivered
    assert deliveries[MISSING_FEED] == "not_delivered"
    assert {f for f, s in deliveries.items() if s == "delivered"} == set(load_registry().feeds) - {MISSING_FEED}
    assert [d[0].isoformat() for d in dates] == [NIGHT]
    # the build came from the feeds' Asset events, for that night, with nothing missing
    assert build == ("asset_triggered", [])
    builds = [r for r in stack.runs("warehouse_build") if r["state"] == "success"]
    assert builds and all(r["run_type"] == "asset_triggered" for r in builds)
    _wait("the publishing run's success", lambda: [r["state"] for r in stack.runs("publish_national")] == ["success"],
          timeout=60)
    assert reconciled[0] > 0 and reconciled[0] == reconciled[1] and reconciled[2]

    # the forced failure and the missing delivery reached the monitors' mailbox
    assert [r["state"] for r in stack.runs("feed__court_consumption_restriction")
            if r["dag_run_id"] == failing_run] == ["failed"]
    subjects = [m["subject"] for m in _mails()]
    assert any("任务失败：feed__court_consumption_restriction.extract_and_load" in s for s in subjects), subjects
    assert any(f"{MISSING_FEED}（{NIGHT}）：截止时间前未报送" in s for s in subjects), subjects
    failure_mail = next(m for m in _mails() if "任务失败" in m["subject"])
    body = mail_text(failure_mail)
    assert "任务（task）：extract_and_load（第 1 次尝试）" in body
    assert "数据源（feed）：court_consumption_restriction" in body
    assert "/dags/feed__court_consumption_restriction/runs/" in body  # the log URL of the failed try
    assert failure_alerts >= 1


def test_celery_runs_tasks_on_both_workers(stack_env):
    _cli(stack_env, "generate", "--date", NIGHT, "--rows", "10", "--feeds",
         "dept_penalty,dept_license,dept_redlist,dept_blacklist")
    stack = _up(stack_env, "--celery")
    feeds = ("dept_penalty", "dept_license", "dept_redlist", "dept_blacklist")
    for feed in feeds:
        stack.trigger(f"feed__{feed}", NIGHT)

    def finished():
        states = [run["state"] for feed in feeds for run in stack.runs(f"feed__{feed}")]
        return len(states) == len(feeds) and all(s in ("success", "failed") for s in states) and states

    assert set(_wait("the Celery runs", finished, timeout=240)) == {"success"}
    # each worker's own log names the task instances it received
    logs = Path(settings.state_dir()) / "stack" / "logs"
    received = {number: (logs / f"celery-worker-{number}.log").read_text(errors="replace").count("received")
                for number in (1, 2)}
    assert all(received.values()), received

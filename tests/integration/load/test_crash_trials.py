"""Crash trials of the loader: a large load killed (SIGKILL) at a random moment, then run again.

Whatever the moment (before the batch opened, inside COPY, between COPY and the commit, after it), the
rerun must end with every row of the file in raw exactly once and one live batch for it. Five trials run
in CI; CREDIT_WAREHOUSE_CRASH_TRIALS sets more.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta

import psycopg
import pytest

from credit_warehouse import settings
from credit_warehouse.feeds import files
from credit_warehouse.identifiers import make_uscc
from credit_warehouse.load.pipeline import extract_and_load

pytestmark = pytest.mark.integration

TRIALS = int(os.environ.get("CREDIT_WAREHOUSE_CRASH_TRIALS", "5"))
ROWS = 200_000
HEADER = "主体名称,统一社会信用代码,承诺类型,承诺事项,承诺日期,受理单位,履约状态,违约认定日期\n"
LOADER = ("import sys, datetime; from credit_warehouse.load.pipeline import extract_and_load; print('go', flush=True); "
          "extract_and_load('dept_commitment', datetime.date.fromisoformat(sys.argv[1]))")


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> bytes:
    lines = [HEADER] + [f"崩溃测试企业{i},{make_uscc('9', '1', '310000', f'MB{i:06d}')},审批替代型,事项{i},2024-03-01,"
                        f"市市场监管局,履约,\n" for i in range(ROWS)]
    return "".join(lines).encode("gb18030")  # GB18030: the fast COPY path decodes it server-side


def _live(conn, day: date) -> list[tuple]:
    return conn.execute(
        "select b.batch_id, b.status, b.rows_received, count(r._row_number), count(distinct r._row_number) "
        "from ops.load_batch as b left join raw.dept_commitment as r on r._batch_id = b.batch_id "
        "where b.feed = 'dept_commitment' and b.logical_date = %s and b.status not in ('failed', 'superseded') "
        "group by 1, 2, 3", (day,)).fetchall()


@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_load_killed_at_a_random_moment_recovers_with_nothing_lost_or_doubled(trial, big_file, tmp_path,
                                                                                 monkeypatch, warehouse_db):
    monkeypatch.setenv(files.ENV_LANDING, str(tmp_path))
    day = date(2025, 1, 6) + timedelta(days=trial)
    folder = tmp_path / "dept_commitment" / day.isoformat()
    folder.mkdir(parents=True)
    # a last row of its own, so no trial's file is byte for byte an earlier one (that would be "already loaded")
    code = make_uscc("9", "1", "310000", f"MC{trial:06d}")
    trial_row = f"崩溃测试{trial},{code},审批替代型,事项,2024-03-01,市局,履约,\n"
    (folder / "big.csv").write_bytes(big_file + trial_row.encode("gb18030"))

    loader = subprocess.Popen([sys.executable, "-c", LOADER, day.isoformat()], env=os.environ.copy(),
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert loader.stdout.readline().strip() == "go"  # imports done: the load starts now
    started = time.monotonic()
    time.sleep(random.Random(trial).uniform(0.0, 2.5))  # the load of this file takes about 2 s here
    loader.send_signal(signal.SIGKILL)
    loader.wait()
    killed_after = time.monotonic() - started

    [outcome] = extract_and_load("dept_commitment", day)
    assert outcome.status == "loaded" or outcome.already_loaded, outcome.message
    with psycopg.connect(settings.database_url()) as conn:
        live = _live(conn, day)
        interrupted = conn.execute("select count(*) from ops.load_batch where feed = 'dept_commitment' and "
                                   "logical_date = %s and status = 'superseded'", (day,)).fetchone()[0]
    assert len(live) == 1, (live, outcome)
    [(_, status, received, rows, distinct)] = live
    expected = ROWS + 1
    assert (status, received, rows, distinct) == ("loaded", expected, expected, expected), \
        f"killed after {killed_after:.1f}s"
    moment = "after its commit" if outcome.already_loaded else (
        "inside the load" if interrupted else "before the batch opened")
    print(f"trial {trial}: killed {killed_after:.2f}s into the load, {moment}; recovered")

"""Crash trials of the publisher: a push killed (SIGKILL) at a random moment, then pushed again.

The dead claimer's rows come back when their lease ends; whatever the moment (a batch in flight, its
receipts half stored), every record must end accepted once in the outbox and applied exactly once by
the reference national interface (the idempotency keys make a resent batch a replay, not a second
application). Five trials run in CI; CREDIT_WAREHOUSE_CRASH_TRIALS sets more.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date

import httpx
import pytest

from credit_warehouse.publish.outbox import ENV_LEASE, stage_outbox
from credit_warehouse.publish.push import push_all

pytestmark = pytest.mark.integration

TRIALS = int(os.environ.get("CREDIT_WAREHOUSE_CRASH_TRIALS", "5"))
RECORDS = 2000
NIGHT = date(2024, 6, 18)
PUSHER = (
    "import sys; from credit_warehouse.publish.client import ClientSettings; "
    "from credit_warehouse.publish.push import push_all; "
    "from credit_warehouse_dev.national_interface import interface_secret; print('go', flush=True); "
    "push_all(ClientSettings(base_url=sys.argv[1], secret=interface_secret(), batch_size=20, workers=2, timeout=5))"
)


@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_push_killed_at_a_random_moment_ends_with_every_record_applied_once(trial, put_records, clean_publish,
                                                                               national, kit, monkeypatch):
    url, faults = national
    faults.latency = 0.02  # a push of these records takes about 2 s
    put_records([kit.record("license", n) for n in range(1, RECORDS + 1)])
    assert stage_outbox(NIGHT) == RECORDS
    monkeypatch.setenv(ENV_LEASE, "1")

    pusher = subprocess.Popen([sys.executable, "-c", PUSHER, url], env=os.environ.copy(), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    assert pusher.stdout.readline().strip() == "go"
    time.sleep(random.Random(trial).uniform(0.1, 2.0))
    pusher.send_signal(signal.SIGKILL)
    pusher.wait()
    pushed_before = kit.outbox_counts(clean_publish).get("accepted", 0)

    settings = kit.client_settings(url, workers=2)
    kit.wait_until(lambda: push_all(settings).claimed == 0
                   and kit.outbox_counts(clean_publish) == {"accepted": RECORDS}, timeout=60, step=0.5)
    stats = httpx.get(f"{url}/v1/stats").json()
    assert (stats["applied_keys"], stats["max_applications_per_key"]) == (RECORDS, 1)
    receipts = clean_publish.execute("select count(*), count(distinct outbox_id) from ops.publish_receipt").fetchone()
    assert receipts == (RECORDS, RECORDS)
    print(f"trial {trial}: killed with {pushed_before} of {RECORDS} accepted; "
          f"{stats['idempotent_replays']} replayed on the rerun; every record applied once")

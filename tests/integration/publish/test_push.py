"""Pushing the outbox to the reference national interface over real HTTP, with faults injected."""

from __future__ import annotations

import threading
import time
from datetime import date

import httpx

from credit_warehouse.publish import outbox
from credit_warehouse.publish.outbox import stage_outbox
from credit_warehouse.publish.push import PushSummary, push_pending
from credit_warehouse.publish.reconcile import reconcile

NIGHT = date(2026, 11, 20)  # the delivery date the staging night is for


def _push_until_settled(kit, url: str, workers: int = 1, timeout: float = 90.0, **client_overrides) -> PushSummary:
    """Run ``workers`` pushers in threads, again and again, until no outbox row is pending or in flight."""
    total = PushSummary()
    lock = threading.Lock()
    clients = [kit.make_client(url, **client_overrides) for _ in range(workers)]
    deadline = time.monotonic() + timeout

    def work(client, name):
        with outbox.connect() as conn:
            while time.monotonic() < deadline:
                summary = push_pending(client=client, worker=name)
                with lock:
                    total.add(summary)
                left = conn.execute(
                    "select count(*) from ops.publish_outbox where status in ('pending', 'in_flight')"
                ).fetchone()[0]
                if not left:
                    return
                time.sleep(0.05)

    threads = [threading.Thread(target=work, args=(c, f"worker-{i}")) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    return total


def test_a_night_under_faults_ends_accepted_once_with_one_receipt_per_row(put_records, clean_publish, national, kit):
    url, faults = national
    conn = clean_publish
    kinds = ("license", "penalty", "blacklist")
    put_records([kit.record(kinds[n % 3], n) for n in range(1, 201)])
    assert stage_outbox(NIGHT) == 200
    faults.error_rate, faults.timeout_rate, faults.rate_limit_rate = 0.30, 0.10, 0.05
    faults.timeout_sleep = 1.0

    summary = _push_until_settled(kit, url, workers=2, batch_size=5)

    assert kit.outbox_counts(conn) == {"accepted": 200}
    stats = httpx.get(f"{url}/v1/stats").json()
    # the faults really happened, and still every record version was applied exactly once
    assert stats["faults"].get("fault_error", 0) > 0 and stats["faults"].get("fault_timeout", 0) > 0
    assert stats["faults"].get("fault_rate_limit", 0) > 0
    assert stats["idempotent_replays"] > 0  # a timed-out batch had landed: its retry got the first answer
    assert stats["held"] == 200 and stats["applied_keys"] == 200 and stats["max_applications_per_key"] == 1
    held = {(r["record_kind"], r["record_key"]) for r in httpx.get(f"{url}/v1/records").json()["items"]}
    assert held == {(kinds[n % 3], f"{kinds[n % 3]}-{n}") for n in range(1, 201)}
    # receipts match the outbox one to one, key for key
    mismatched = conn.execute(
        """
        select count(*) from ops.publish_outbox as o
        full join ops.publish_receipt as r on r.outbox_id = o.outbox_id
        where r.outbox_id is null or o.outbox_id is null or r.idempotency_key <> o.idempotency_key
            or r.outcome <> o.status
        """
    ).fetchone()[0]
    assert mismatched == 0
    assert summary.accepted == 200
    counts = reconcile(NIGHT)
    assert counts["selected"] == counts["accepted"] == counts["receipts"] == 200
    assert counts["balanced"] and counts["pending"] == 0
    stored = conn.execute("select accepted, balanced from ops.publish_reconciliation").fetchall()
    assert stored == [(200, True)]


def test_two_workers_claim_disjoint_rows(put_records, clean_publish, kit):
    put_records([kit.record("license", n) for n in range(1, 121)])
    assert stage_outbox(NIGHT) == 120
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def claim(name):
        with outbox.connect() as conn:
            barrier.wait()
            while rows := outbox.claim_batch(conn, 7, name):
                claimed[name].extend(row["outbox_id"] for row in rows)

    threads = [threading.Thread(target=claim, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert claimed["a"] and claimed["b"]
    assert not set(claimed["a"]) & set(claimed["b"])
    assert len(claimed["a"]) + len(claimed["b"]) == 120
    owners = dict(clean_publish.execute(
        "select claimed_by, count(*) from ops.publish_outbox where status = 'in_flight' group by claimed_by"
    ).fetchall())
    assert owners == {"a": len(claimed["a"]), "b": len(claimed["b"])}


def test_circuit_breaker_opens_on_a_long_outage_and_recovers(put_records, clean_publish, national, kit):
    url, faults = national
    put_records([kit.record("blacklist", n) for n in range(1, 81)])
    assert stage_outbox(NIGHT) == 80
    faults.error_rate = 1.0  # the platform is down
    client = kit.make_client(url, breaker_threshold=3, breaker_reset=0.5, max_attempts=2)

    during = push_pending(client=client)

    assert during.breaker_open and client.breaker.state in ("open", "half_open")
    assert client.breaker.times_opened == 1
    requests_during_outage = httpx.get(f"{url}/v1/stats").json()["requests"]
    assert requests_during_outage == 5  # 80% of 2 x threshold failed: open, and no more knocking
    assert kit.outbox_counts(clean_publish) == {"pending": 80}
    assert push_pending(client=client).claimed == 0  # rows wait out the open breaker

    faults.error_rate = 0.0  # the platform is back
    time.sleep(0.6)
    kit.wait_until(lambda: push_pending(client=client).accepted == 0
                   and kit.outbox_counts(clean_publish) == {"accepted": 80}, timeout=20)
    assert client.breaker.state == "closed"
    assert httpx.get(f"{url}/v1/stats").json()["held"] == 80
    client.close()


def test_withdrawal_reaches_the_interface_and_rejections_keep_their_reason(put_records, clean_publish, national, kit):
    url, _ = national
    conn = clean_publish
    bad_subject = kit.record("license", 2)
    bad_subject["subject_code"] = "NOT-A-CODE"  # passes our payload contract, the platform refuses it
    put_records([kit.record("license", 1), bad_subject])
    assert stage_outbox(NIGHT) == 2
    client = kit.make_client(url)
    first = push_pending(client=client)
    assert (first.accepted, first.rejected) == (1, 1)
    reason = conn.execute(
        "select r.reason_code from ops.publish_receipt as r join ops.publish_outbox as o using (outbox_id) "
        "where o.record_key = 'license-2'"
    ).fetchone()[0]
    assert reason == "INVALID_SUBJECT_CODE"
    assert kit.outbox_counts(conn) == {"accepted": 1, "rejected": 1}

    # an objection upheld: the published record is withdrawn (撤销)
    put_records([kit.record("license", 1, action="withdraw")])
    assert stage_outbox(NIGHT) == 1
    second = push_pending(client=client)
    assert second.accepted == 1
    held = {r["record_key"]: r for r in httpx.get(f"{url}/v1/records").json()["items"]}
    assert held["license-1"]["withdrawn"] is True
    assert conn.execute(
        "select count(*) from ops.publish_receipt join ops.publish_outbox using (outbox_id) where action = 'withdraw'"
    ).fetchone()[0] == 1
    client.close()


def test_the_breaker_is_shared_by_processes_and_task_tries_through_the_warehouse(publish_models):
    from credit_warehouse import settings
    from credit_warehouse.publish.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker

    url = settings.database_url(role="publisher")
    interface = f"http://127.0.0.1:9/{time.time_ns()}"
    first = CircuitBreaker.shared(interface, url, failure_threshold=3, reset_timeout=1.0)
    second = CircuitBreaker.shared(interface, url, failure_threshold=3, reset_timeout=1.0)  # another worker
    for _ in range(6):  # a fresh breaker opens after 2 x threshold failures in a row
        first.record_failure()
    assert second.state == OPEN and not second.allow() and second.times_opened == 1
    later_try = CircuitBreaker.shared(interface, url, failure_threshold=3, reset_timeout=1.0)  # a new task try
    assert later_try.state == OPEN
    time.sleep(1.1)
    assert second.state == HALF_OPEN and second.allow() and not first.allow()  # one probe between them
    second.record_success()
    assert first.state == CLOSED and first.allow()


def test_the_breaker_rarely_and_briefly_opens_for_a_degraded_interface_and_opens_for_a_dead_one():
    import random

    from credit_warehouse.publish.breaker import CLOSED, OPEN, CircuitBreaker

    now = [0.0]
    degraded = CircuitBreaker(failure_threshold=5, reset_timeout=30, clock=lambda: now[0])
    rng, held_back = random.Random(7), 0
    for _ in range(5000):  # a request every 0.1 s; 30% errors, 10% timeouts, 5% throttled (counted as up)
        now[0] += 0.1
        if not degraded.allow():
            held_back += 1
            continue
        (degraded.record_failure if rng.random() < 0.40 else degraded.record_success)()
    # a run of bad luck may open it, for first_wait (1 s) only: the probe after it finds the platform up
    assert degraded.times_opened <= 5 and held_back <= 100
    dead = CircuitBreaker(failure_threshold=5, reset_timeout=30)
    for _ in range(7):
        dead.record_failure()
    assert dead.state == CLOSED  # open at 80% of 2 x threshold: the 8th failure
    dead.record_failure()
    assert dead.state == OPEN

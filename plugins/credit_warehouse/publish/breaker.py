"""A circuit breaker for long outages of the national interface, shared by every pusher.

Closed: requests flow. It opens when the interface is failing, not merely degraded: ``failure_threshold``
failures in a row while at least ``open_rate`` of the last 4 x ``failure_threshold`` requests failed (of
at least 2 x ``failure_threshold``). At
30% errors and 10% timeouts the platform still takes most batches, and retrying them is faster than
waiting; when nothing gets through, it opens within a few requests. Open: nothing is
sent for a while (the outbox rows wait, they are not burnt on retries): ``first_wait`` seconds, twice as
long after each failed probe, at most ``reset_timeout``. Then one probe goes through (half-open): success
closes it, failure opens it again; a probe whose pusher died is replaced after ``reset_timeout``.

Where the state lives is the store's business: in memory for one process (MemoryStore), or in
ops.publish_breaker (WarehouseStore), so every worker process and every Airflow task try sees the same
outage and a retried task does not hammer an interface another try has just found down.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

log = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


@dataclass
class BreakerState:
    state: str = CLOSED
    failures: int = 0  # in a row
    recent: str = ""  # the latest outcomes, oldest first: 1 failed, 0 succeeded
    opened_at: float = 0.0  # when it opened, or when the probe in flight started
    probe_in_flight: bool = False
    times_opened: int = 0
    open_streak: int = 0  # openings since the last success: each waits twice the one before


class MemoryStore:
    """The state in this process only (threads share it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = BreakerState()

    @contextmanager
    def locked(self) -> Iterator[BreakerState]:
        with self._lock:
            yield self._state


class WarehouseStore:
    """The state in ops.publish_breaker, one row per interface, read and changed under its row lock."""

    def __init__(self, interface: str, url: str) -> None:
        self._interface = interface
        self._url = url
        self._lock = threading.Lock()  # one connection, shared by the threads of this process
        self._conn: psycopg.Connection | None = None

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._url, autocommit=True)
        return self._conn

    @contextmanager
    def locked(self) -> Iterator[BreakerState]:
        with self._lock:
            conn = self._connection()
            with conn.transaction():
                conn.execute("insert into ops.publish_breaker (interface) values (%s) on conflict do nothing",
                             (self._interface,))
                row = conn.execute(
                    "select state, failures, recent, opened_at, probe_in_flight, times_opened, open_streak "
                    "from ops.publish_breaker where interface = %s for update", (self._interface,)).fetchone()
                state = BreakerState(*row)
                before = dataclasses.replace(state)
                yield state
                if state != before:
                    conn.execute(
                        "update ops.publish_breaker set state = %s, failures = %s, recent = %s, opened_at = %s, "
                        "probe_in_flight = %s, times_opened = %s, open_streak = %s, changed_at = now() "
                        "where interface = %s",
                        (*dataclasses.astuple(state), self._interface))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


class CircuitBreaker:
    def __init__(self, failure_threshold: int = 5, reset_timeout: float = 30.0, clock=time.monotonic,
                 store: MemoryStore | WarehouseStore | None = None, open_rate: float = 0.8, first_wait: float = 1.0):
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.first_wait = min(first_wait, reset_timeout)
        self.open_rate = open_rate
        self._clock = clock
        self._store = store or MemoryStore()

    @classmethod
    def shared(cls, interface: str, url: str, failure_threshold: int = 5,
               reset_timeout: float = 30.0) -> CircuitBreaker:
        """A breaker whose state every process shares through the warehouse (wall-clock time)."""
        return cls(failure_threshold, reset_timeout, clock=time.time, store=WarehouseStore(interface, url))

    @property
    def times_opened(self) -> int:
        with self._store.locked() as state:
            return state.times_opened

    @property
    def state(self) -> str:
        with self._store.locked() as state:
            if state.state == OPEN and self._clock() - state.opened_at >= self._wait(state):
                return HALF_OPEN
            return state.state

    def seconds_until_probe(self) -> float:
        with self._store.locked() as state:
            if state.state != OPEN:
                return 0.0
            return max(0.0, self._wait(state) - (self._clock() - state.opened_at))

    def allow(self) -> bool:
        """May a request go now? In half-open state only one caller gets the probe."""
        now = self._clock()
        with self._store.locked() as state:
            if state.state == CLOSED:
                return True
            if now - state.opened_at < (self._wait(state) if state.state == OPEN else self.reset_timeout):
                return False  # open and waiting, or a probe is in flight
            state.state, state.probe_in_flight, state.opened_at = HALF_OPEN, True, now
            return True

    def record_success(self) -> None:
        with self._store.locked() as state:
            state.state, state.failures, state.probe_in_flight, state.open_streak = CLOSED, 0, False, 0
            state.recent = self._remember(state.recent, "0")

    def record_failure(self) -> None:
        now = self._clock()
        with self._store.locked() as state:
            state.failures += 1
            state.recent = self._remember(state.recent, "1")
            # a short history counts as a window of 2 x threshold: a fresh breaker needs that many failures
            rate = state.recent.count("1") / max(len(state.recent), 2 * self.failure_threshold)
            failing = state.failures >= self.failure_threshold and rate >= self.open_rate
            if state.state == HALF_OPEN or failing:
                if state.state != OPEN:
                    state.times_opened += 1
                    state.open_streak += 1
                    log.warning("circuit breaker opened (%s; recent outcomes %s, 1 = failed): nothing is sent for "
                                "%.0f s, then one probe", "the probe failed" if state.state == HALF_OPEN else
                                f"{state.failures} failures in a row", state.recent, self._wait(state))
                state.state, state.opened_at, state.probe_in_flight = OPEN, now, False

    def _wait(self, state: BreakerState) -> float:
        """How long an opening lasts: ``first_wait``, doubled for each failed probe, at most ``reset_timeout``."""
        return min(self.reset_timeout, self.first_wait * 2 ** max(state.open_streak - 1, 0))

    def _remember(self, recent: str, outcome: str) -> str:
        return (recent + outcome)[-4 * self.failure_threshold:]

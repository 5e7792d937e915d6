"""Progress lines for whoever watches a night run: each task as it starts, and dbt's model results.

A night started by ``./cw night`` sets CREDIT_WAREHOUSE_PROGRESS_FILE; tasks append one line per step
there and the night runner prints them as they come, with the time since the night began. Without the
variable (the scheduler) nothing is written: the task logs already hold every line.
"""

from __future__ import annotations

import os
import re
import time

ENV_PROGRESS_FILE = "CREDIT_WAREHOUSE_PROGRESS_FILE"

# dbt's result line of a model, seed, snapshot or test: "12 of 140 OK created sql table model marts.x [...]"
DBT_RESULT = re.compile(r"^\S*\s*(\d+ of \d+ (?:OK|PASS|WARN|ERROR|FAIL|SKIP)\b.*)$")


def note(text: str) -> None:
    path = os.environ.get(ENV_PROGRESS_FILE)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{time.time():.3f} {text}\n")
    except OSError:  # progress is a courtesy: never a reason to fail a task
        pass


def dbt_line(line: str) -> None:
    """dbt's result lines (one per model and test), not its banner and timing chatter."""
    if os.environ.get(ENV_PROGRESS_FILE):
        match = DBT_RESULT.match(line.strip())
        if match:
            note(f"  dbt {match.group(1)}")


def task_started(context) -> None:
    """Airflow ``on_execute_callback``: one line per task as it starts."""
    ti = context.get("task_instance") or context.get("ti")
    if ti is not None:
        note(f"{ti.dag_id}.{ti.task_id} started" + (f" (try {ti.try_number})" if ti.try_number > 1 else ""))

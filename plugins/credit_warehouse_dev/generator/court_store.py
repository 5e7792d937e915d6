"""Where the generator leaves the court feeds for the court API server: one JSON-lines file per
endpoint and date, ``<store>/<YYYY-MM-DD>/<endpoint name>.jsonl``."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from credit_warehouse.settings import state_dir

ENV_COURT_STORE = "CREDIT_WAREHOUSE_COURT_STORE"
ENDPOINTS = ("court/dishonest-debtors", "court/consumption-restrictions")


def court_store() -> Path:
    return Path(os.environ.get(ENV_COURT_STORE) or state_dir() / "court_api")


def endpoint_file(logical_date: date, endpoint: str, store: Path | None = None) -> Path:
    if endpoint not in ENDPOINTS:
        raise ValueError(f"unknown court endpoint {endpoint!r}")
    return (store or court_store()) / logical_date.isoformat() / f"{endpoint.rsplit('/', 1)[-1]}.jsonl"

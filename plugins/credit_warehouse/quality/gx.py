"""The one way into Great Expectations: a lazy import and the reading of a failed expectation's error.

GX is imported only when a validation runs: the import takes seconds and its INFO logs would flood
Airflow's task logs, and DAG parsing must stay fast.
"""

from __future__ import annotations

import logging


def import_gx():
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx

    return gx


def exception_message(info) -> str | None:
    """The first error of an expectation's exception_info, which GX reports flat or keyed by metric id;
    None when nothing was raised."""
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        return (info.get("exception_message") or "unknown error") if info["raised_exception"] else None
    for value in info.values():
        message = exception_message(value)
        if message:
            return message
    return None

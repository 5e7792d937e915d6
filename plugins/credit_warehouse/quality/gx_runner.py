"""Run a feed's checks as a GX Core suite inside PostgreSQL and read back counts and masked samples.

Each row-level check becomes an UnexpectedRowsExpectation selecting ``_row_number`` and the masked
value of failing rows; two batch-level schema expectations (column set, required columns not
entirely empty) come from the registry. GX runs them through its SQLAlchemy data source against a
table asset on a view holding exactly one batch of raw.<feed> (not a query asset: GX learns a query's
columns by running it and fetching every row); no row is pulled into pandas.

GX is imported lazily (quality/gx.py).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from credit_warehouse.feeds.registry import RAW_META_COLUMNS, Feed
from credit_warehouse.quality import data_docs
from credit_warehouse.quality.gx import exception_message, import_gx
from credit_warehouse.quality.suites import Check, Suite
from credit_warehouse.settings import database_url, sqlalchemy_url

SAMPLE_SIZE = 5
BATCH_VIEW_SCHEMA = "quarantine"  # the loader's, as the gate is
COLUMNS_MATCH = "columns_match_registry"
REQUIRED_POPULATED = "required_columns_populated"


@dataclass
class ExpectationOutcome:
    name: str
    column: str | None
    message: str
    success: bool
    count: int
    schema: bool = False
    samples: list[dict] = field(default_factory=list)  # {"row": n, "value": masked}


@dataclass
class ValidationOutcome:
    outcomes: list[ExpectationOutcome]
    data_docs_path: str | None


def validate_batch(feed: Feed, suite: Suite, checks: list[Check], batch_id: int,
                   required_populated: str | None, night: str) -> ValidationOutcome:
    """Runs the suite on one batch of the night ``night`` (the batch's logical date, the run's name in the
    kept validation store); ``required_populated`` is checks.required_populated_query's text."""
    gx = import_gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    # suites and definitions live in memory (the registry and the suite files are their truth); the
    # validation results are kept on disk, every one of every night, and the only Data Docs site is ours
    stores = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    stores.stores["validation_results_store"] = data_docs.validation_results_store()
    context = gx.get_context(mode="ephemeral", project_config=DataContextConfig(
        store_backend_defaults=stores,
        data_docs_sites={data_docs.SITE_NAME: data_docs.site_config()},
        progress_bars=ProgressBarsConfig(globally=False),
    ))
    # each check's query reads this batch's rows from the quarantine pass (by batch id), not GX's {batch}:
    # GX prints a notice for such a query each time it builds or copies the expectation (hundreds of lines
    # a batch), which would only flood the task log; GX logs it too, at info
    with _batch_view(feed, batch_id) as view, contextlib.redirect_stdout(io.StringIO()):
        return _validate(gx, context, view, feed, suite, checks, batch_id, required_populated, night)


@contextlib.contextmanager
def _batch_view(feed: Feed, batch_id: int):
    """A view of the batch's rows for GX to validate as a table, dropped afterwards."""
    name = f"{feed.raw_table}__gate_batch_{int(batch_id)}"
    view = sql.Identifier(BATCH_VIEW_SCHEMA, name)
    with psycopg.connect(database_url(role="loader"), autocommit=True) as conn:
        conn.execute(sql.SQL("create or replace view {} as select * from {} where _batch_id = {}").format(
            view, sql.Identifier("raw", feed.raw_table), sql.Literal(int(batch_id))))
        try:
            yield name
        finally:
            conn.execute(sql.SQL("drop view if exists {}").format(view))


def _validate(gx, context, view: str, feed: Feed, suite: Suite, checks: list[Check], batch_id: int,
              required_populated: str | None, night: str) -> ValidationOutcome:
    from great_expectations.core.run_identifier import RunIdentifier

    url = sqlalchemy_url(database_url(role="loader"), search_path=BATCH_VIEW_SCHEMA)
    source = context.data_sources.add_postgres(name="warehouse", connection_string=url)
    asset = source.add_table_asset(name=f"{feed.name}_batch_{batch_id}", table_name=view)
    batch_definition = asset.add_batch_definition_whole_table("batch")

    built = []

    def add(expectation, meta):
        expectation.meta = {"gate": meta}
        built.append(expectation)

    add(gx.expectations.ExpectTableColumnsToMatchSet(
        column_set=[*feed.column_names, *RAW_META_COLUMNS], exact_match=True,
        description="raw table columns are the registry's columns"),
        {"name": COLUMNS_MATCH, "column": None, "message": "raw columns differ from the registry", "schema": True})
    if required_populated:
        add(gx.expectations.UnexpectedRowsExpectation(
            unexpected_rows_query=required_populated,
            description="no required column is empty in every row (a header mapping failure)"),
            {"name": REQUIRED_POPULATED, "column": None, "schema": True,
             "message": "a required column is empty in every row"})
    for check in checks:
        add(gx.expectations.UnexpectedRowsExpectation(
            unexpected_rows_query=check.query,
            description=f"{check.column}: {check.message}"),
            {"name": check.name, "column": check.column, "message": check.message, "schema": False})
    # given whole to the suite: add_expectation compares each with every one before it (an 89-check suite
    # took 0.3 s of a small batch's 0.7 s gate); the constructor only logs one it cannot take, so count them
    expectations = gx.ExpectationSuite(name=suite.name, meta={"version": suite.version, "file": suite.path.name},
                                       expectations=built)
    if len(expectations.expectations) != len(built):
        raise RuntimeError(f"feed {feed.name}, batch {batch_id}: GX took {len(expectations.expectations)} of the "
                           f"suite's {len(built)} expectations; nothing was validated.")
    expectations = context.suites.add(expectations)

    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{feed.name}_{batch_id}", data=batch_definition, suite=expectations))
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name=f"gate_{feed.name}_{batch_id}",
        validation_definitions=[definition],
        actions=[],
        result_format={"result_format": "COMPLETE"},
    ))
    result = checkpoint.run(run_id=RunIdentifier(run_name=night, run_time=datetime.now(UTC)))
    (identifier, validation), = result.run_results.items()
    # the page is built after the validation, under the site's lock: gates of other feeds build theirs too.
    # Not GX's index: it reads every validation ever kept (a cost that grows each night); ours replaces it.
    with data_docs.site_lock():
        context.build_data_docs(site_names=[data_docs.SITE_NAME], resource_identifiers=[identifier],
                                build_index=False)
        page = data_docs.page_path(context, identifier)
        data_docs.publish(page)

    outcomes = []
    for item in validation.results:
        meta = item.expectation_config.meta["gate"]
        details = item.result or {}
        if meta["name"] == COLUMNS_MATCH:
            count = 0 if item.success else len(details.get("details", {}).get("mismatched", {}) or [1])
            samples = []
        else:
            count = int(details.get("observed_value") or 0)
            rows = details.get("details", {}).get("unexpected_rows") or []
            samples = [
                {"row": r.get("_row_number"), "value": r.get("value", r.get("column_name"))}
                for r in rows[:SAMPLE_SIZE]
            ]
        error = exception_message(item.exception_info)
        if error:
            raise RuntimeError(
                f"feed {feed.name}, batch {batch_id}: expectation {meta['name']} on {meta['column']} "
                f"could not run: {error}"
            )
        outcomes.append(ExpectationOutcome(
            name=meta["name"], column=meta["column"], message=meta["message"], success=bool(item.success),
            count=count, schema=meta["schema"], samples=samples))
    return ValidationOutcome(outcomes=outcomes, data_docs_path=page)

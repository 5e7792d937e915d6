"""The publish contract: the GX suite expectations/gx_suites/publish_contract.json run on every outgoing batch.

The suite names flat columns; the staged outbox rows carry the national fields in a jsonb payload.
``staged_rows_query`` flattens them (one text column per payload field the suite names, plus the
identifier checks computed by the util SQL functions, the one implementation of those checks);
``check_staged_rows`` writes them to a table once, validates that in PostgreSQL through GX and returns, per
outbox row, every expectation it failed. GX is imported lazily (quality/gx.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psycopg
from psycopg import sql

from credit_warehouse.identifiers import mask_personal_data
from credit_warehouse.quality.gx import exception_message, import_gx
from credit_warehouse.settings import PROJECT_ROOT, ConfigurationError, database_url, sqlalchemy_url

SUITE_PATH = PROJECT_ROOT / "expectations" / "gx_suites" / "publish_contract.json"
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

# Columns of the outbox row itself; every other column the suite names is a payload field,
# except these checks, which the util functions compute from payload fields.
STAGED_SCHEMA, STAGED_NAME = "publish_contract", "staged_row"  # the rows under contract, flattened
STAGED_TABLE = sql.Identifier(STAGED_SCHEMA, STAGED_NAME)
OUTBOX_COLUMNS = ("outbox_id", "record_kind", "record_key", "action", "subject_code")
COMPUTED_CHECKS = {
    "uscc_is_valid": ("util.uscc_is_valid", "uscc"),
    "person_id_is_masked": ("util.resident_id_is_masked", "person_id_no"),
    "authority_uscc_is_valid": ("util.uscc_is_valid", "authority_uscc"),
    "source_unit_uscc_is_valid": ("util.uscc_is_valid", "source_unit_uscc"),
}


# Outbox rows (alias o) awaiting a verdict: new ones, and held ones no later version of the record
# has replaced (they are re-checked, so a corrected contract releases them).
AWAITING_VERDICT = """(
    o.contract_passed is null
    or (o.status = 'failed' and not exists (
        select 1 from ops.publish_outbox as later
        where later.record_kind = o.record_kind and later.record_key = o.record_key
            and later.outbox_id > o.outbox_id
    ))
)"""


@dataclass(frozen=True)
class ContractFailure:
    """One failed expectation of one outbox row (values masked: they may end in an alert)."""

    expectation: str
    column: str
    reason_code: str
    message: str
    value: str | None

    def as_dict(self) -> dict:
        return {
            "expectation": self.expectation,
            "column": self.column,
            "reason_code": self.reason_code,
            "message": self.message,
            "value": self.value,
        }


@cache
def load_suite_definition(path: Path = SUITE_PATH) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigurationError(f"the publish contract suite {path} is missing; restore it from git.") from error
    except json.JSONDecodeError as error:
        raise ConfigurationError(
            f"the publish contract suite {path} is not valid JSON (line {error.lineno})."
        ) from error


def _condition_columns(condition: dict | None) -> set[str]:
    if not condition:
        return set()
    if "conditions" in condition:
        return set().union(*(_condition_columns(part) for part in condition["conditions"]))
    return {condition["column"]["name"]}


def suite_columns(definition: dict) -> list[str]:
    """Every column the suite names, in first-seen order."""
    seen: dict[str, None] = {}
    for expectation in definition["expectations"]:
        kwargs = expectation["kwargs"]
        for name in [kwargs["column"], *sorted(_condition_columns(kwargs.get("row_condition")))]:
            seen.setdefault(name, None)
    return list(seen)


def staged_rows_query(definition: dict, max_outbox_id: int) -> sql.Composed:
    """The flattened view of the outbox rows waiting for a contract verdict, up to ``max_outbox_id``."""
    columns = suite_columns(definition)
    payload_fields = {arg for _, arg in COMPUTED_CHECKS.values()}
    payload_fields.update(c for c in columns if c not in OUTBOX_COLUMNS and c not in COMPUTED_CHECKS)
    for name in [*payload_fields, *columns]:
        if not _IDENTIFIER.match(name):
            raise ConfigurationError(f"the publish contract suite names column {name!r}, which is not a plain name.")
    selected = [sql.SQL("o.{}").format(sql.Identifier(c)) for c in OUTBOX_COLUMNS]
    selected += [
        sql.SQL("o.payload ->> {} as {}").format(sql.Literal(field), sql.Identifier(field))
        for field in sorted(payload_fields)
    ]
    selected += [
        sql.SQL("coalesce({}(o.payload ->> {}), false) as {}").format(
            sql.SQL(function), sql.Literal(field), sql.Identifier(name)
        )
        for name, (function, field) in COMPUTED_CHECKS.items()
    ]
    return sql.SQL("select {} from ops.publish_outbox as o where o.outbox_id <= {} and {}").format(
        sql.SQL(", ").join(selected), sql.Literal(max_outbox_id), sql.SQL(AWAITING_VERDICT)
    )


def build_suite(gx, definition: dict):
    return gx.ExpectationSuite(name=definition["name"], expectations=definition["expectations"],
                               meta=definition.get("meta") or {})


def _masked(value) -> str | None:
    if value is None:
        return None
    return mask_personal_data(str(value))[:120]


def check_staged_rows(max_outbox_id: int) -> tuple[int, dict[int, list[ContractFailure]]]:
    """Validate the staged rows up to ``max_outbox_id`` with the suite; returns (rows checked, failures by row)."""
    definition = load_suite_definition()
    url = database_url(role="publisher")
    # flattened once into a table (one stager at a time holds the staging lock): each of the suite's
    # expectations then scans plain columns, not the payloads and identifier checks again
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("drop table if exists {}").format(STAGED_TABLE))
        conn.execute(sql.SQL("create unlogged table {} as {}").format(
            STAGED_TABLE, staged_rows_query(definition, max_outbox_id)))
        conn.execute(sql.SQL("analyze {}").format(STAGED_TABLE))
        checked = conn.execute(sql.SQL("select count(*) from {}").format(STAGED_TABLE)).fetchone()[0]
    if not checked:
        return 0, {}
    gx = import_gx()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = gx.data_context.types.base.ProgressBarsConfig(globally=False)
    source = context.data_sources.add_postgres(
        name="warehouse_publisher", connection_string=sqlalchemy_url(url, search_path=STAGED_SCHEMA)
    )
    # a table asset, not a query: GX learns a query's columns by running it and fetching every row into this
    # process (344 MB at 300k staged rows, once per expectation type), a table's from the catalog
    asset = source.add_table_asset(name="publish_outbox_staged", table_name=STAGED_NAME)
    batch = asset.add_batch_definition_whole_table("staged").get_batch()
    suite = context.suites.add(build_suite(gx, definition))
    # GX caps the failing-row list of SQL validations at partial_unexpected_count (20 by default), even
    # in COMPLETE: ask for every row, then check each list is as long as the count GX reports
    result = batch.validate(suite, result_format={
        "result_format": "COMPLETE", "unexpected_index_column_names": ["outbox_id"],
        "partial_unexpected_count": checked,
    })
    return checked, verdicts(definition, result.results)


class ContractIncomplete(RuntimeError):
    """The contract gave no full verdict (an expectation errored, was cut short or is missing): every
    staged row stays held, none is claimable."""


def verdicts(definition: dict, results) -> dict[int, list[ContractFailure]]:
    """Per outbox row, every expectation it failed; ContractIncomplete unless every expectation ran in full."""
    if len(results) != len(definition["expectations"]):
        raise ContractIncomplete(
            f"publish contract: {len(results)} of {len(definition['expectations'])} expectations reported a "
            "verdict; every staged record stays held."
        )
    failures: dict[int, list[ContractFailure]] = {}
    for outcome in results:
        config = outcome.expectation_config
        column = config.kwargs["column"]
        meta = config.meta or {}
        if exception_message(outcome.exception_info):
            raise ContractIncomplete(
                f"publish contract expectation {config.type} on {column} could not run; every staged record "
                "stays held."
            )
        details = outcome.result or {}
        count = details.get("unexpected_count")
        rows = details.get("unexpected_index_list") or []
        if count is None and outcome.success and not rows and not details.get("element_count"):
            continue  # the row condition selects no staged row: nothing to judge
        if count is None or len(rows) != count or (count > 0) == bool(outcome.success):
            raise ContractIncomplete(
                f"publish contract expectation {config.type} on {column} reported {count} failing row(s) but "
                f"listed {len(rows)}; every staged record stays held."
            )
        for row in rows:
            failures.setdefault(int(row["outbox_id"]), []).append(
                ContractFailure(
                    expectation=config.type,
                    column=column,
                    reason_code=meta.get("reason_code", "CONTRACT"),
                    message=meta.get("notes", config.type),
                    value=_masked(row.get(column)),
                )
            )
    return failures

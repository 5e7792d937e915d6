"""Looks for full resident-ID numbers where none may be: output folders and the warehouse's derived tables.

A finding is a resident-ID number as credit_warehouse.identifiers.resident_ids_in finds it in any text
(full-width, with spaces or hyphens, glued to letters; a real province and a birth date in the past, so an
all-digit USCC that happens to pass the ID checksum is not reported), the same detector that masks logs and
alerts and whose SQL twin the gate and the dbt tests use. Findings are reported masked:
the scan must not become the leak it looks for.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from credit_warehouse.identifiers import RESIDENT_ID_SHAPED_SQL, mask_resident_id, resident_ids_in
from credit_warehouse.settings import AIRFLOW_DB, database_url, state_dir

# derived layers; raw, quarantine and the vault hold personal data by design and are not scanned
WAREHOUSE_SCHEMAS = ("staging", "intermediate", "marts", "publish", "analytics", "snapshots", "ops")
# ops.feed_page is raw API input waiting to be loaded (the landing side, like the landing folder)
NOT_SCANNED = {("ops", "feed_page")}
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb")
TEXT_ARRAYS = ("_text", "_varchar", "_bpchar")
CHUNK = 1 << 20
OVERLAP = 40  # characters carried between chunks, so a number split by a chunk boundary is still seen


@dataclass
class Finding:
    location: str  # a file, or schema.table.column
    count: int
    sample: str  # masked


def is_full_id(candidate: str) -> bool:
    return [number for _, _, number in resident_ids_in(candidate)] == [candidate.upper()]


def full_ids(text: str) -> Iterator[str]:
    """Every full resident-ID number in the text, upper-cased."""
    for _, _, number in resident_ids_in(unicodedata.normalize("NFKC", text)):
        yield number


def default_paths() -> list[Path]:
    """Every folder the night writes to: logs (dbt's included), mail, Data Docs, reports, Airflow task logs,
    and dbt's target and kept run results (compiled SQL, manifests, test failures)."""
    root = state_dir()
    return [root / "logs", root / "mail", root / "data_docs", root / "reports", root / "airflow" / "logs",
            root / "dbt_target", root / "dbt_runs"]


def _file_ids(path: Path) -> Iterator[str]:
    """Streams one file (any size) as UTF-8, undecodable bytes replaced: digits survive in every encoding we
    take in (GB18030 keeps ASCII digits as they are)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    carried = ""
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            text = carried + unicodedata.normalize("NFKC", decoder.decode(chunk, final=not chunk))
            for _, end, number in resident_ids_in(text):
                # a number ending inside the carried tail was judged with the previous chunk
                if end > len(carried):
                    yield number
            if not chunk:
                return
            carried = text[-OVERLAP:]


def files_under(paths: Iterable[Path]) -> list[Path]:
    """Every regular file under the given folders (or the given files); missing paths are skipped."""
    found: dict[Path, None] = {}
    for root in paths:
        if root.is_file():
            found[root] = None
        elif root.is_dir():
            found.update((p, None) for p in sorted(root.rglob("*")) if p.is_file())
    return list(found)


def scan_files(paths: Iterable[Path]) -> tuple[list[Finding], int]:
    """Findings in every file under the given folders, and how many files were read."""
    findings = []
    files = files_under(paths)
    for path in files:
        finding = None
        for number in _file_ids(path):
            finding = finding or Finding(str(path), 0, mask_resident_id(number))
            finding.count += 1
        if finding:
            findings.append(finding)
    return findings, len(files)


def _text_columns(conn: psycopg.Connection, schemas: tuple[str, ...]) -> dict[tuple[str, str], list[str]]:
    rows = conn.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema = any(%s) and (data_type = any(%s) or (data_type = 'ARRAY' and udt_name = any(%s))) "
        "order by table_schema, table_name, ordinal_position",
        (list(schemas), list(TEXT_TYPES), list(TEXT_ARRAYS)),
    ).fetchall()
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in rows:
        if (schema, table) not in NOT_SCANNED:
            columns.setdefault((schema, table), []).append(column)
    return columns


def scan_warehouse(url: str | None = None) -> tuple[list[Finding], int]:
    """Findings in every text, JSON and text-array column of every table and view of the derived schemas
    (superuser by default: the scan must see everything), and how many tables and views were read."""
    return _scan_database(url or database_url(), WAREHOUSE_SCHEMAS)


def scan_airflow(url: str | None = None) -> tuple[list[Finding], int]:
    """The same over Airflow's metadata database: XCom values, run confs, Asset event extras, rendered task
    fields, the audit log; locations are prefixed airflow:."""
    return _scan_database(url or database_url(AIRFLOW_DB), ("public",), "airflow:")


def _scan_database(url: str, schemas: tuple[str, ...], prefix: str = "") -> tuple[list[Finding], int]:
    """Names come from the catalogue and are quoted with sql.Identifier; no value is ever put into SQL text."""
    findings: dict[str, Finding] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        relations = _text_columns(conn, schemas)
        for (schema, table), columns in relations.items():
            # PostgreSQL narrows the rows (the columns joined by '|', never part of a number), Python judges
            values = sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in columns)
            statement = sql.SQL("select {values} from {table} where concat_ws('|', {values}) ~ %s").format(
                values=values, table=sql.Identifier(schema, table))
            for row in conn.execute(statement, (RESIDENT_ID_SHAPED_SQL,)):
                for column, value in zip(columns, row, strict=True):
                    for number in full_ids(value or ""):
                        location = f"{prefix}{schema}.{table}.{column}"
                        findings.setdefault(location, Finding(location, 0, mask_resident_id(number))).count += 1
    return list(findings.values()), len(relations)


def format_findings(findings: list[Finding]) -> str:
    """A plain table: where, how many, one masked sample."""
    if not findings:
        return "No full resident-ID number found."
    width = max(len("location"), *(len(f.location) for f in findings))
    lines = [f"{'location':<{width}}  {'count':>7}  sample (masked)", f"{'-' * width}  {'-' * 7}  {'-' * 18}"]
    lines += [f"{f.location:<{width}}  {f.count:>7}  {f.sample}" for f in findings]
    lines.append(f"{sum(f.count for f in findings)} full resident-ID number(s) in {len(findings)} place(s).")
    return "\n".join(lines)

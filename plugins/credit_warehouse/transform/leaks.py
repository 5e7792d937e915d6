"""Defence in depth after the gate: a full resident-ID number dbt finds is masked where it landed and alerted.

The loader tokenises every number it can see and the gate refuses the rest, so this should never fire.
When it does, one row must not stop the night for every feed: the ``no_full_resident_id`` tests only warn,
and after the build this reads which of them warned (run results and manifest), counts each offending
column again, masks the rows of tables in place (as the transformer, their owner; views hold nothing of
their own and the tables built from them are masked) and tells the monitors where, never what.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql

from credit_warehouse.alerts.message import Alert
from credit_warehouse.alerts.notify import dispatch
from credit_warehouse.alerts.routing import route
from credit_warehouse.settings import database_url

LEAK_TEST = "no_full_resident_id"
WARNED = ("warn", "fail")
TEXT_TYPES = ("text", "character varying", "json", "jsonb", "ARRAY")
# how a column of each type is read as text and written back after masking
_MASKED = {"json": "util.mask_personal_data({c}::text)::json", "jsonb": "util.mask_personal_data({c}::text)::jsonb",
           "ARRAY": "util.mask_personal_data({c}::text)::text[]"}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Leak:
    relation: str  # schema.name
    column: str
    rows: int
    masked: bool  # False for a view: the tables built from it are masked instead


def warned_relations(target: Path) -> list[tuple[str, str, str]]:
    """(schema, name, materialization) of every model whose personal-data test warned in the last dbt run,
    then of every table built from one of them: they copy its rows, and not every one is tested itself
    (the test sits where data enters, not on each copy of it)."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())
    nodes, children = manifest["nodes"], manifest.get("child_map", {})
    warned = []
    for result in results:
        test = nodes.get(result["unique_id"], {})
        if (test.get("test_metadata") or {}).get("name") != LEAK_TEST or result["status"] not in WARNED:
            continue
        warned.append(test["depends_on"]["nodes"][0])
    found: dict[str, None] = dict.fromkeys(warned)
    pending = list(warned)
    while pending:
        for child in children.get(pending.pop(), []):
            node = nodes.get(child, {})
            if child not in found and node.get("resource_type") == "model" \
                    and node["config"]["materialized"] in ("table", "incremental"):
                found[child] = None
                pending.append(child)
    return [(nodes[n]["schema"], nodes[n]["alias"], nodes[n]["config"]["materialized"]) for n in found]


def contain(relations: list[tuple[str, str, str]]) -> list[Leak]:
    """Count the rows holding a full number per text column; mask them in tables."""
    leaks = []
    with psycopg.connect(database_url(role="transformer"), autocommit=True) as conn:
        for schema, name, materialized in relations:
            table = sql.Identifier(schema, name)
            columns = conn.execute(
                "select column_name, data_type from information_schema.columns where table_schema = %s "
                "and table_name = %s and data_type = any(%s) order by ordinal_position",
                (schema, name, list(TEXT_TYPES)),
            ).fetchall()
            for column, data_type in columns:
                found = sql.SQL("exists (select 1 from util.resident_ids_in({}::text))").format(sql.Identifier(column))
                rows = conn.execute(sql.SQL("select count(*) from {} where {}").format(table, found)).fetchone()[0]
                if not rows:
                    continue
                masked = materialized != "view"
                if masked:
                    expression = _MASKED.get(data_type, "util.mask_personal_data({c})")
                    conn.execute(sql.SQL("update {} set {} = {} where {}").format(
                        table, sql.Identifier(column), sql.SQL(expression).format(c=sql.Identifier(column)), found))
                leaks.append(Leak(f"{schema}.{name}", column, rows, masked))
                log.error("personal data after the gate: %s rows of %s.%s.%s hold a full resident-ID number%s",
                          rows, schema, name, column, " (masked)" if masked else "")
    return leaks


def leak_alert(day: date, leaks: list[Leak]) -> Alert:
    return Alert(
        kind="personal_data",
        title=f"数据仓库构建（{day.isoformat()}）：闸门之后发现完整身份证号，已就地掩码",
        lines=[
            f"数据日期（logical_date）：{day.isoformat()}",
            "dbt 的个人信息检查在加载和闸门之后发现了完整的居民身份证号：",
            *(f"- {leak.relation}.{leak.column}：{leak.rows} 行，"
              + ("已就地掩码" if leak.masked else "为视图；由其构建的表已掩码")
              for leak in leaks),
            "",
            "构建继续进行；本告警不显示任何号码。",
        ],
        next_step=("找出携带号码的 feed 和列（quarantine 与 raw 保留该批次），扩充其闸门规则 no_resident_id_in_text "
                   "或该 feed 的 personal_id 列，使加载时即进入保险库。"),
        logical_date=day.isoformat(),
        severity="error",
    )


def contain_leaks(day: date, target: Path) -> list[Leak]:
    """After a build: mask and alert what the personal-data tests found. Returns what was found."""
    leaks = contain(warned_relations(target))
    if leaks:
        dispatch(leak_alert(day, leaks), route([]))  # every feed's monitors: the feed is not known yet
    return leaks

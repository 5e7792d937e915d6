"""The night report (夜间运行报告): one HTML page per night, beside the text summary, with charts.

Rows and quarantine share per feed over the last 30 nights, 双公示 timeliness by department, the monitoring
indicators' trend and the national interface's outcomes, each as a chart (reports/charts.py) with its
figures in a table below. Written by the warehouse build and again after publishing (it is rebuilt
from the warehouse, so writing it twice is harmless), and by ``./cw report night``. Only counts and
department names appear: no subject, no ID number.
"""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg

from credit_warehouse.reports import charts
from credit_warehouse.settings import PLATFORM_TZ, database_url, state_dir

NIGHTS = 30
CHART_DEPARTMENTS = 15  # the departments with most reports in the chart; the table lists every one
INDICATORS = {
    "double_publicity_timeliness": "双公示及时率",
    "double_publicity_accuracy": "双公示准确率",
    "code_error_rate": "城市重错码率",
    "blacklist_exit_ratio_12m": "近12个月严重失信主体退出比例",
}
OUTCOMES = {"accepted": "已接收", "rejected": "被拒绝", "failed": "失败待重试", "pending": "待推送",
            "in_flight": "推送中"}
PAGE_STYLE = """
body { font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", sans-serif; margin: 2em auto;
       max-width: 60em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
td, th { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: right; }
th { background: #f3f5f8; } td:first-child, th:first-child { text-align: left; }
figure { margin: 0.5em 0; } figure svg { max-width: 100%; height: auto; }
.empty { color: #777; }
"""


def reports_dir() -> Path:
    folder = state_dir() / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def night_report_path(day: date) -> Path:
    return reports_dir() / f"night-{day.isoformat()}.html"


def _exists(conn, relation: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def _loads(conn, day: date) -> list[tuple]:
    return conn.execute(
        "select logical_date, feed, sum(rows_received)::bigint, sum(rows_quarantined)::bigint from ops.load_batch "
        "where logical_date between %s and %s and status in ('accepted', 'rejected') group by 1, 2 order by 1, 2",
        (day - timedelta(days=NIGHTS - 1), day)).fetchall()


def _timeliness(conn, day: date) -> list[tuple]:
    if not _exists(conn, "marts.agg_double_publicity_timeliness"):
        return []
    return conn.execute(
        "select reporting_department, reported, timely, late, timeliness_share "
        "from marts.agg_double_publicity_timeliness where report_month = date_trunc('month', %s::date) "
        "order by reported desc, reporting_department", (day,)).fetchall()


def _indicators(conn, day: date) -> list[tuple]:
    if not _exists(conn, "marts.agg_monitoring_indicators"):
        return []
    columns = ", ".join(INDICATORS)
    return conn.execute(
        f"select month_start, {columns} from marts.agg_monitoring_indicators "  # noqa: S608 (fixed names)
        "where division_level = 'city' and month_start > date_trunc('month', %s::date) - interval '12 months' "
        "order by month_start",
        (day,)).fetchall()


def _outcomes(conn) -> list[tuple]:
    if not _exists(conn, "ops.publish_outbox"):
        return []
    return conn.execute(
        "select record_kind, status, count(*) from ops.publish_outbox group by 1, 2 order by 1, 2").fetchall()


def _table(headers: list[str], rows: list[tuple]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2%}" if value <= 1 else f"{value:,.2f}"
    return str(value)


def _section(title: str, chart: str | None, table: str, empty: str) -> str:
    if chart is None:
        return f'<h2>{html.escape(title)}</h2><p class="empty">{html.escape(empty)}</p>'
    return f"<h2>{html.escape(title)}</h2><figure>{chart}</figure>{table}"


def render(day: date, loads, timeliness, indicators, outcomes) -> str:
    nights = sorted({row[0] for row in loads})
    labels = [night.strftime("%m-%d") for night in nights]
    feeds = sorted({row[1] for row in loads})
    by_key = {(row[0], row[1]): row for row in loads}
    received = {f: [int(by_key[(n, f)][2]) if (n, f) in by_key else None for n in nights] for f in feeds}
    share = {f: [(by_key[(n, f)][3] / by_key[(n, f)][2]) if (n, f) in by_key and by_key[(n, f)][2] else None
                 for n in nights] for f in feeds}
    tonight = [(f, *by_key[(day, f)][2:], (by_key[(day, f)][3] / by_key[(day, f)][2]) if by_key[(day, f)][2] else 0.0)
               for f in feeds if (day, f) in by_key]
    sections = [
        _section("各数据源接收行数（近 30 晚）",
                 charts.lines("rows received per feed", labels, received, "行数") if nights else None,
                 _table(["feed", "接收行数", "隔离行数", "隔离占比"], tonight), "近 30 晚没有已判定的批次。"),
        _section("各数据源隔离占比（近 30 晚）",
                 charts.lines("quarantine share per feed", labels, share, "隔离占比", percent=True)
                 if nights else None,
                 "", ""),
        _section("双公示及时率（本月，按报送部门）",
                 charts.bars("timeliness by department", [r[0] for r in timeliness[:CHART_DEPARTMENTS]],
                             [float(r[4] or 0) for r in timeliness[:CHART_DEPARTMENTS]], "及时率", percent=True)
                 if timeliness else None,
                 _table(["报送部门", "报送", "及时", "逾期", "及时率"],
                        [(*r[:4], float(r[4]) if r[4] is not None else None) for r in timeliness]),
                 "本月尚无双公示报送（或数据集市尚未构建）。"),
        _section("监测预警指标趋势（近 12 个月）",
                 charts.lines("monitoring indicators", [r[0].strftime("%Y-%m") for r in indicators],
                              {label: [None if r[i + 1] is None else float(r[i + 1]) for r in indicators]
                               for i, label in enumerate(INDICATORS.values())}, "比率", percent=True)
                 if indicators else None,
                 _table(["月份", *INDICATORS.values()],
                        [(r[0], *(None if v is None else float(v) for v in r[1:])) for r in indicators]),
                 "尚无监测指标（数据集市尚未构建）。"),
    ]
    kinds = sorted({r[0] for r in outcomes})
    statuses = [s for s in OUTCOMES if any(r[1] == s for r in outcomes)]
    counts = {(r[0], r[1]): r[2] for r in outcomes}
    sections.append(_section(
        "全国平台推送结果",
        charts.stacked_bars("national interface outcomes", kinds,
                            {OUTCOMES[s]: [counts.get((k, s), 0) for k in kinds] for s in statuses}, "记录数")
        if outcomes else None,
        _table(["record_kind", *(OUTCOMES[s] for s in statuses)],
               [(k, *(counts.get((k, s), 0) for s in statuses)) for k in kinds]),
        "尚未推送任何记录。"))
    generated = datetime.now(PLATFORM_TZ)
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>夜间运行报告 {day}</title>'
            f"<style>{PAGE_STYLE}</style></head><body><h1>夜间运行报告 · {day}</h1>"
            f"<p>生成时间：{generated:%Y-%m-%d %H:%M}（北京时间）</p>{''.join(sections)}</body></html>")


def write_night_report(day: date) -> Path:
    # the transformer reads what the report needs: the ledger (a dbt source), the marts and the outbox
    with psycopg.connect(database_url(role="transformer")) as conn:
        page = render(day, _loads(conn, day), _timeliness(conn, day), _indicators(conn, day), _outcomes(conn))
    path = night_report_path(day)
    path.write_text(page, encoding="utf-8")
    write_index()
    return path


def write_index() -> Path:
    """reports/index.html: every report kept, newest first (what /reports/ of ./cw docs shows)."""
    folder = reports_dir()
    pages = sorted((p for p in folder.rglob("*.html") if p.name != "index.html"), reverse=True)
    items = "".join(f'<li><a href="{html.escape(p.relative_to(folder).as_posix())}">'
                    f"{html.escape(p.relative_to(folder).as_posix())}</a></li>" for p in pages)
    index = folder / "index.html"
    index.write_text(f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>报告</title></head>'
                     f"<body><h1>报告</h1><ul>{items}</ul></body></html>", encoding="utf-8")
    return index

"""Monitors hear of what did not arrive: a due delivery missing at its deadline, a delivered file with no
data rows, and a warehouse build that went ahead at its own deadline without the feeds still missing.

Each is sent once per feed (or build) and delivery date, however often the run is retried; every
attempt is recorded in ops.alert_log like the other alerts.
"""

from __future__ import annotations

from datetime import date

from credit_warehouse.alerts.message import Alert
from credit_warehouse.alerts.notify import dispatch, sent_before
from credit_warehouse.alerts.routing import route
from credit_warehouse.feeds.delivery_calendar import deadline
from credit_warehouse.feeds.registry import get_feed


def not_delivered_alert(feed_name: str, day: date, where: str) -> Alert:
    feed = get_feed(feed_name)
    due = deadline(feed, day)
    return Alert(
        kind="not_delivered",
        title=f"{feed_name}（{day.isoformat()}）：截止时间前未报送",
        lines=[
            f"数据日期（delivery_date）：{day.isoformat()}（报送日历 {feed.delivery.calendar}）",
            f"截止时间：{due:%Y-%m-%d %H:%M}（北京时间）",
            f"查找位置：{where}",
            "",
            "未加载任何数据，该 feed 的 Asset 未更新：数据仓库构建会在其自身截止时间照常进行，不含此 feed。",
        ],
        next_step=("请联系报送部门补报；文件到达后，在 Airflow 中清除该 feed 当日的运行"
                   "（或以此 delivery_date 手动触发），"
                   "数据仓库构建随之自动进行。"),
        feed=feed_name,
        logical_date=day.isoformat(),
        severity="error",
    )


def alert_not_delivered(feed_name: str, day: date, where: str) -> dict[str, str]:
    if sent_before("not_delivered", feed_name, day):
        return {}
    return dispatch(not_delivered_alert(feed_name, day, where), route([feed_name]))


def empty_files(outcomes: list[dict]) -> list[dict]:
    """Files that loaded with a header and no data row: delivered, yet nothing in them."""
    return [o for o in outcomes if o.get("status") == "loaded" and not o.get("rows_received")
            and str(o.get("source", "")).startswith("file ")]


def alert_empty_deliveries(feed_name: str, day: date, outcomes: list[dict]) -> dict[str, str]:
    empty = empty_files(outcomes)
    if not empty:
        return {}
    alert = Alert(
        kind="batch",
        title=f"{feed_name}（{day.isoformat()}）：{len(empty)} 个已报送文件没有数据行",
        lines=[
            f"数据日期（delivery_date）：{day.isoformat()}",
            "以下文件只有表头，没有数据：",
            *(f"- 批次 {o.get('batch_id')}：{str(o['source']).removeprefix('file ')}" for o in empty),
        ],
        feed=feed_name,
        batch_id=empty[0].get("batch_id") if len(empty) == 1 else None,
        logical_date=day.isoformat(),
        severity="warning",
        next_step="请与报送部门确认当晚是否确实无数据，或导出失败需要重新报送。",
    )
    return dispatch(alert, route([feed_name]))


def build_incomplete_alert(day: date, missing: list[str]) -> Alert:
    return Alert(
        kind="build_incomplete",
        title=f"数据仓库构建（{day.isoformat()}）：缺少 {len(missing)} 个 feed，已按时构建",
        lines=[
            f"数据日期（delivery_date）：{day.isoformat()}",
            "当晚应报送、但在构建截止时间前未就绪的 feed：",
            *(f"- {name}" for name in missing),
            "",
            "这些 feed 之前的数据仍在数据集市中；当晚的记录未包含在本次构建中。",
        ],
        logical_date=day.isoformat(),
        severity="warning",
        next_step="缺少的 feed 报送并通过闸门后，其 Asset 会自动再次触发构建，无需手工操作。",
    )


def alert_build_incomplete(day: date, missing: list[str]) -> dict[str, str]:
    if not missing or sent_before("build_incomplete", None, day):
        return {}
    return dispatch(build_incomplete_alert(day, missing), route(missing))

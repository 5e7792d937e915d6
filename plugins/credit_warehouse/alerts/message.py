"""What an alert says, once, in Chinese: plain text, Markdown and HTML; every channel renders from this.

A monitor acts on an alert without opening anything else first: what happened, to which feed and
batch, which department owns the data (the feed registry's owner_department), what to do next, and
links to the Data Docs page and the Airflow task log. Times are Beijing time. Column and feed names
stay in English: they are what the monitor types into SQL.

Masking happens here, at the last step before text leaves the process: whatever the caller passes,
resident-ID numbers inside it are masked (credit_warehouse.identifiers.mask_personal_data).

Webhook robots take messages of limited size (WeCom 4,096 bytes): ``fit`` drops list items from the
end and says how many it left out ("另有 N 项未列出（+N more）"), never cutting a line in half.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from credit_warehouse.docs_site import url_for
from credit_warehouse.identifiers import mask_personal_data
from credit_warehouse.settings import PLATFORM_TZ

MAX_SAMPLES = 3
SUBJECT_PREFIX = "[信用数据仓库]"
SEVERITY_LABELS = {"error": "严重（数据已扣留或任务失败）", "warning": "提示（数据已入库，个别行隔离或需关注）"}


def owner_of(feed: str) -> str | None:
    """The department owning a feed's data (the registry's owner_department); None for an unknown name."""
    from credit_warehouse.feeds.registry import load_registry

    registry = load_registry()
    return registry.get(feed).owner_department if feed in registry.names else None


def beijing_now() -> datetime:
    return datetime.now(PLATFORM_TZ)


@dataclass
class Alert:
    kind: str  # batch | digest | task_failure | not_delivered | build_incomplete | personal_data | correction_deadline
    title: str
    lines: list[str] = field(default_factory=list)  # sentences; "- " items are the list a robot may shorten
    feed: str | None = None
    batch_id: int | None = None
    logical_date: str | None = None
    severity: str = "warning"  # warning (rows quarantined) | error (batch held, task failed)
    next_step: str | None = None
    links: dict[str, str] = field(default_factory=dict)  # label -> URL (Data Docs, Airflow task log, report)
    owner: str | None = None  # the department owning the feed's data; from the registry when not given
    raised_at: datetime = field(default_factory=beijing_now)

    def __post_init__(self) -> None:
        self.title = mask_personal_data(self.title)
        self.lines = [mask_personal_data(line) for line in self.lines]
        self.next_step = mask_personal_data(self.next_step) if self.next_step else None
        if self.owner is None and self.feed:
            self.owner = owner_of(self.feed)

    @property
    def subject(self) -> str:
        return f"{SUBJECT_PREFIX} {self.title}"

    def _header(self) -> list[str]:
        header = [f"告警时间：{self.raised_at.astimezone(PLATFORM_TZ):%Y-%m-%d %H:%M:%S}（北京时间）",
                  f"级别：{SEVERITY_LABELS.get(self.severity, self.severity)}"]
        if self.feed:
            header.append(f"数据源（feed）：{self.feed}")
        if self.owner:
            header.append(f"责任部门：{self.owner}")
        return header

    def _footer(self) -> list[str]:
        footer = [f"下一步：{self.next_step}"] if self.next_step else []
        return footer + [f"{label}：{url}" for label, url in self.links.items()]

    def text(self, lines: list[str] | None = None) -> str:
        body = self.lines if lines is None else lines
        return "\n".join([self.title, "", *self._header(), "", *body, "", *self._footer(), ""])

    def markdown(self, lines: list[str] | None = None) -> str:
        body = self.lines if lines is None else lines
        out = [f"### {self.title}", "", *(f"{line}  " for line in self._header()), ""]
        out += [line if line.startswith(("- ", "  ")) or not line else f"{line}  " for line in body]
        if self.next_step:
            out += ["", f"**下一步**：{self.next_step}"]
        out += [f"[{label}]({url})  " for label, url in self.links.items()]
        return "\n".join(out)

    def html(self) -> str:
        """The mail body: the same content, with the links clickable."""
        parts = [f"<h3>{html.escape(self.title)}</h3>", "<p>" + "<br>".join(map(html.escape, self._header())) + "</p>"]
        items: list[str] = []

        def flush() -> None:
            if items:
                parts.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
                items.clear()

        for line in self.lines:
            if line.startswith("- "):
                items.append(_linked(line[2:]))
            elif line.startswith("  ") and items:
                items[-1] += "<br>" + _linked(line.strip())
            else:
                flush()
                if line:
                    parts.append(f"<p>{_linked(line)}</p>")
        flush()
        if self.next_step:
            parts.append(f"<p><b>下一步：</b>{html.escape(self.next_step)}</p>")
        if self.links:
            parts.append("<p>" + "<br>".join(
                f'{html.escape(label)}：<a href="{html.escape(url)}">{html.escape(url)}</a>'
                for label, url in self.links.items()) + "</p>")
        return '<html><body style="font-family: sans-serif">' + "\n".join(parts) + "</body></html>"


URL = re.compile(r"https?://[^\s<>\"'，。；）]+")


def _linked(text: str) -> str:
    """Escaped text with its web addresses clickable (a Data Docs page named in a digest line)."""
    out, last = [], 0
    for match in URL.finditer(text):
        out += [html.escape(text[last:match.start()]),
                f'<a href="{html.escape(match.group())}">{html.escape(match.group())}</a>']
        last = match.end()
    return "".join([*out, html.escape(text[last:])])


def _items(lines: list[str]) -> list[tuple[int, int]]:
    """(first, end) line ranges of each "- " item with its indented continuation lines."""
    ranges, index = [], 0
    while index < len(lines):
        if lines[index].startswith("- "):
            end = index + 1
            while end < len(lines) and lines[end].startswith("  "):
                end += 1
            ranges.append((index, end))
            index = end
        else:
            index += 1
    return ranges


def fit(alert: Alert, render: Callable[[list[str]], str], max_bytes: int) -> str:
    """The alert rendered within ``max_bytes`` of UTF-8: items dropped from the end, their number said."""
    text = render(alert.lines)
    items = _items(alert.lines)
    dropped = 0
    while len(text.encode("utf-8")) > max_bytes and dropped < len(items):
        dropped += 1
        cut = items[len(items) - dropped][0]
        last_end = items[-1][1]
        note = f"- …另有 {dropped} 项未列出（+{dropped} more），全文见告警邮件"
        text = render([*alert.lines[:cut], note, *alert.lines[last_end:]])
    encoded = text.encode("utf-8")
    if len(encoded) > max_bytes:  # no list left to shorten: cut at a character boundary and say so
        marker = "\n…（已截断）".encode()
        text = encoded[:max_bytes - len(marker)].decode("utf-8", errors="ignore") + marker.decode()
    return text


def _failure_lines(result) -> list[str]:
    lines = []
    for failed in result.failed_expectations:
        where = f"（列 {failed.column}）" if failed.column else ""
        detail = f"：{failed.message}" if failed.message else ""
        lines.append(f"- {failed.expectation}{where} {failed.count} 行{detail}")
        samples = [f"第 {s.get('row')} 行 {s.get('value')}" if s.get("row") is not None else str(s.get("value"))
                   for s in failed.samples[:MAX_SAMPLES]]
        if samples:
            lines.append("  样例：" + "；".join(samples))
    return lines


def _late_lines(result) -> list[str]:
    late = getattr(result, "late_reports", None) or {}
    if not late:
        return []
    return [f"逾期报送（按部门，共 {sum(late.values())} 行超过双公示报送期限，按工作日计；"
            "已接收、已推送，计入及时率指标）：",
            *(f"- {department}：{count} 行" for department, count in late.items())]


def verdict(result) -> str:
    if result.held:
        return "已扣留（HELD）"
    return "已接收，部分行已隔离" if result.rows_quarantined else "已接收"


def batch_next_step(result, owner: str | None) -> str:
    who = owner or "报送部门"
    if result.held:
        return (f"在 Data Docs 中核对未通过的检查，请{who}更正后重新报送；更正文件到达后重跑该 feed 当日的任务，"
                "新批次替换本批次，本批次数据不会进入数据仓库。")
    if result.rows_quarantined:
        return (f"其余行已入库。隔离行及原因见 quarantine.{result.feed}，请{who}在下次报送中更正；"
                "无需重跑。")
    return f"数据已入库；请{who}关注逾期报送，按期报送双公示信息。"


def batch_alert(result, links: dict[str, str] | None = None) -> Alert:
    """The alert of one gated batch (a quality.gate.GateResult)."""
    lines = [
        f"批次（batch_id）：{result.batch_id}",
        f"数据日期（logical_date）：{result.logical_date}",
        f"结论：{verdict(result)}" + (f"（{result.held_reason}）" if result.held_reason else ""),
        f"行数：接收 {result.rows_received}，通过 {result.rows_accepted}，隔离 {result.rows_quarantined}"
        f"（{result.failed_share:.1%}；阈值 {result.max_failed_share:.1%}）",
        "",
        *(["未通过的检查：", *_failure_lines(result), ""] if result.failed_expectations else []),
        *([*_late_lines(result), ""] if getattr(result, "late_reports", None) else []),
        f"隔离行：表 quarantine.{result.feed}，_batch_id = {result.batch_id}",
    ]
    alert = Alert(
        kind="batch",
        title=f"{result.feed} 批次 {result.batch_id}（{result.logical_date}）：{verdict(result)}",
        lines=lines,
        feed=result.feed,
        batch_id=result.batch_id,
        logical_date=str(result.logical_date),
        severity="error" if result.held else "warning",
        links={**({"Data Docs": url_for(result.data_docs_path)} if result.data_docs_path else {}), **(links or {})},
    )
    alert.next_step = batch_next_step(result, alert.owner)
    return alert


def digest_alert(results, links: dict[str, str] | None = None, feed: str | None = None) -> Alert:
    """One message for a night (or, with ``feed``, for one feed's run of many batches): every batch that
    needs the monitors' attention, held or not."""
    failing = [r for r in results if r.needs_alert]
    dates = sorted({str(r.logical_date) for r in failing})
    held = [r for r in failing if r.held]
    lines = [
        f"{len({r.feed for r in failing})} 个数据源的 {len(failing)} 个批次需要关注，其中 {len(held)} 个已扣留。",
        "",
    ]
    for result in sorted(failing, key=lambda r: (not r.held, r.feed, r.batch_id)):
        owner = owner_of(result.feed) if not feed else None  # a feed's own message names its owner once
        lines.append(f"- {result.feed} 批次 {result.batch_id}（{result.logical_date}）：{verdict(result)}，"
                     f"隔离 {result.rows_quarantined}/{result.rows_received} 行"
                     + (f"；责任部门：{owner}" if owner else ""))
        lines.extend("  " + line.removeprefix("- ") for line in _failure_lines(result))
        lines.extend("  " + line.removeprefix("- ") for line in _late_lines(result))
        lines.append(f"  Data Docs：{url_for(result.data_docs_path) or '（未生成）'}")
    scope = f"{feed}" if feed else "夜间汇总"
    return Alert(
        kind="digest",
        title=f"{scope} {'、'.join(dates)}：{len(failing)} 个批次需关注，{len(held)} 个已扣留",
        lines=lines,
        feed=feed,
        logical_date=dates[0] if len(dates) == 1 else None,
        severity="error" if held else "warning",
        next_step=("先处理已扣留的批次（联系责任部门重新报送）；已接收批次的隔离行由责任部门在下次报送中更正。"
                   if held else "隔离行由各责任部门在下次报送中更正；无需重跑。"),
        links=dict(links or {}),
    )


def task_failure_alert_message(dag_id: str, task_id: str, run_id: str, logical_date: str | None,
                               try_number, error: str, log_url: str | None, feed: str | None) -> Alert:
    lines = [
        f"DAG：{dag_id}",
        f"任务（task）：{task_id}（第 {try_number} 次尝试）",
        f"运行（run）：{run_id}",
        f"数据日期（logical_date）：{logical_date or '-'}",
        "",
        f"错误：{error}",
    ]
    return Alert(
        kind="task_failure", title=f"任务失败：{dag_id}.{task_id}", lines=lines, feed=feed,
        logical_date=logical_date, severity="error",
        next_step=("打开任务日志查看错误原因（重试已用完）；修复后在 Airflow 中清除（Clear）该任务，"
                   "当晚的数据会重新处理，不会重复。"),
        links={"Airflow 任务日志": log_url} if log_url else {},
    )

"""Monitors hear of objections and repairs whose deadlines are breached or near (异议处理时限): the answer
within 15 working days of the application, and for an upheld 异议更正 the corrected record re-reported within
5 working days of the decision.

Read from marts.fct_credit_correction_deadline after each build, one alert per night while anything is still
open and overdue or due within days; an application answered late is history the mart keeps, not an alarm.
Measured, never enforced: nothing is held or deleted for a breach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg.rows import class_row

from credit_warehouse.alerts.message import Alert
from credit_warehouse.alerts.notify import dispatch, sent_before
from credit_warehouse.alerts.routing import route
from credit_warehouse.settings import database_url

KIND = "correction_deadline"
FEED = "credit_correction"  # the platform's objection system: its monitors and objection desk hear of it
MAX_ITEMS = 100  # a night with more lists the first ones; the mart has them all
ACTION_NAMES = {"correct": "异议更正", "withdraw": "异议撤销", "repair": "信用修复"}


@dataclass(frozen=True)
class OpenDeadline:
    correction_id: str
    action: str
    record_kind: str | None
    record_doc_no: str | None
    handling_unit: str | None
    applied_on: date
    closed_on: date | None
    working_days_elapsed: int | None
    answer_due_on: date | None
    answer_breached: bool
    answer_due_soon: bool
    correction_due_on: date | None
    correction_breached: bool
    correction_due_soon: bool

    @property
    def breached(self) -> bool:
        return self.answer_breached or self.correction_breached

    def line(self) -> str:
        what = f"{ACTION_NAMES.get(self.action, self.action)} {self.correction_id}"
        record = f"（{self.record_kind or '?'} {self.record_doc_no or '?'}，办理单位 {self.handling_unit or '未填报'}）"
        if self.closed_on is None:
            state = "已超期未答复" if self.answer_breached else "即将到期"
            return (f"- {what}{record}：申请 {self.applied_on}，答复期限 {self.answer_due_on}，"
                    f"{state}，已 {self.working_days_elapsed} 个工作日")
        state = "更正数据逾期未报送" if self.correction_breached else "更正数据即将到期"
        return f"- {what}{record}：{self.closed_on} 同意更正，更正数据报送期限 {self.correction_due_on}，{state}"


def open_deadlines() -> list[OpenDeadline]:
    """Still-open applications past or near their answer deadline, upheld corrections not yet re-reported."""
    with psycopg.connect(database_url(role="transformer"), autocommit=True) as conn:
        if not conn.execute("select to_regclass('marts.fct_credit_correction_deadline') is not null").fetchone()[0]:
            return []
        return conn.cursor(row_factory=class_row(OpenDeadline)).execute(
            "select correction_id, action, record_kind, record_doc_no, handling_unit, applied_on, closed_on, "
            "working_days_elapsed, answer_due_on, answer_breached, answer_due_soon, correction_due_on, "
            "correction_breached, correction_due_soon "
            "from marts.fct_credit_correction_deadline "
            "where (closed_on is null and (answer_breached or answer_due_soon)) "
            "or (corrected_on is null and (correction_breached or correction_due_soon)) "
            "order by answer_breached or correction_breached desc, coalesce(answer_due_on, correction_due_on), "
            "correction_id").fetchall()


def counts(deadlines: list[OpenDeadline]) -> dict[str, int]:
    return {
        "answer_breached": sum(d.closed_on is None and d.answer_breached for d in deadlines),
        "correction_breached": sum(d.correction_breached for d in deadlines),
        "due_soon": sum(not d.breached for d in deadlines),
    }


def correction_deadline_alert(day: date, deadlines: list[OpenDeadline]) -> Alert:
    tally = counts(deadlines)
    breached = tally["answer_breached"] + tally["correction_breached"]
    shown = deadlines[:MAX_ITEMS]
    more = [f"另有 {len(deadlines) - MAX_ITEMS} 件未列出，见 marts.fct_credit_correction_deadline。"] \
        if len(deadlines) > MAX_ITEMS else []
    return Alert(
        kind=KIND,
        title=f"异议与信用修复办理时限（{day.isoformat()}）：{breached} 件超期，{tally['due_soon']} 件即将到期",
        lines=[
            f"数据日期（delivery_date）：{day.isoformat()}；工作日按国务院办公厅节假日安排计算。",
            f"超过 15 个工作日未答复：{tally['answer_breached']} 件；"
            f"同意异议更正后 5 个工作日内未报送更正数据：{tally['correction_breached']} 件；"
            f"4 天内到期：{tally['due_soon']} 件。",
            "",
            *(d.line() for d in shown),
            *more,
        ],
        feed=FEED,
        logical_date=day.isoformat(),
        severity="error" if breached else "warning",
        next_step=("请督促办理单位答复申请；同意异议更正的，请原报送部门尽快重新报送更正后的记录"
                   "（在此之前该记录暂停公示，已推送全国平台的已予撤回）。"),
    )


def alert_correction_deadlines(day: date) -> dict[str, int]:
    """Alert the night's overdue and near deadlines once (a rebuild of the night does not mail again);
    returns the counts for the build's summary."""
    deadlines = open_deadlines()
    if deadlines and not sent_before(KIND, FEED, day):
        dispatch(correction_deadline_alert(day, deadlines), route([FEED]))
    return counts(deadlines)

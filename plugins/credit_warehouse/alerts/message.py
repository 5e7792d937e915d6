"""What an alert says, once, in plain text and Markdown; every channel renders from this.

Masking happens here, at the last step before text leaves the process: whatever the caller passes,
resident-ID numbers inside it are masked (credit_warehouse.identifiers.mask_personal_data).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from credit_warehouse.identifiers import mask_personal_data

MAX_SAMPLES = 3


@dataclass
class Alert:
    kind: str  # batch | digest | task_failure
    title: str
    lines: list[str] = field(default_factory=list)  # plain sentences; "- " items render as bullets
    feed: str | None = None
    batch_id: int | None = None
    logical_date: str | None = None
    severity: str = "warning"  # warning (rows quarantined) | error (batch held, task failed)

    def __post_init__(self) -> None:
        self.title = mask_personal_data(self.title)
        self.lines = [mask_personal_data(line) for line in self.lines]

    @property
    def subject(self) -> str:
        return f"[credit-warehouse] {self.title}"

    def text(self) -> str:
        return "\n".join([self.title, "", *self.lines, ""])

    def markdown(self) -> str:
        body = [f"### {self.title}", ""]
        for line in self.lines:
            body.append(line if line.startswith("- ") or not line else f"{line}  ")
        return "\n".join(body)


def _failure_lines(result) -> list[str]:
    lines = []
    for failed in result.failed_expectations:
        where = f" on {failed.column}" if failed.column else ""
        detail = f" – {failed.message}" if failed.message else ""
        lines.append(f"- {failed.expectation}{where}: {failed.count} row(s){detail}")
        samples = [f"row {s.get('row')}: {s.get('value')}" if s.get("row") is not None else str(s.get("value"))
                   for s in failed.samples[:MAX_SAMPLES]]
        if samples:
            lines.append("  samples: " + "; ".join(samples))
    return lines


def _late_lines(result) -> list[str]:
    late = getattr(result, "late_reports", None) or {}
    if not late:
        return []
    return [f"Late reports by department ({sum(late.values())} row(s) reported after the double-publicity "
            "deadline in working days; accepted, published and counted in the timeliness indicator):",
            *(f"- {department}: {count}" for department, count in late.items())]


def batch_alert(result) -> Alert:
    """The alert of one gated batch (a quality.gate.GateResult)."""
    verdict = "HELD" if result.held else ("accepted with quarantined rows" if result.rows_quarantined
                                          else "accepted")
    lines = [
        f"Feed: {result.feed}",
        f"Batch: {result.batch_id}",
        f"Logical date: {result.logical_date}",
        f"Verdict: {verdict}" + (f" ({result.held_reason})" if result.held_reason else ""),
        f"Rows: {result.rows_received} received, {result.rows_accepted} passed, "
        f"{result.rows_quarantined} quarantined ({result.failed_share:.1%}; threshold "
        f"{result.max_failed_share:.1%})",
        "",
        *(["Failed expectations:", *_failure_lines(result), ""] if result.failed_expectations else []),
        *([*_late_lines(result), ""] if getattr(result, "late_reports", None) else []),
        f"Quarantined rows: quarantine.{result.feed} where _batch_id = {result.batch_id}",
        f"Data Docs: {result.data_docs_path or '(not built)'}",
    ]
    return Alert(
        kind="batch",
        title=f"{result.feed} batch {result.batch_id} ({result.logical_date}): {verdict}",
        lines=lines,
        feed=result.feed,
        batch_id=result.batch_id,
        logical_date=str(result.logical_date),
        severity="error" if result.held else "warning",
    )


def digest_alert(results) -> Alert:
    """One message for a night on which several feeds failed."""
    failing = [r for r in results if r.needs_alert]
    dates = sorted({str(r.logical_date) for r in failing})
    held = [r for r in failing if r.held]
    lines = [
        f"{len(failing)} batch(es) of {len({r.feed for r in failing})} feed(s) failed expectations; "
        f"{len(held)} held.",
        "",
    ]
    for result in sorted(failing, key=lambda r: (r.feed, r.batch_id)):
        verdict = "HELD" if result.held else "accepted"
        lines.append(f"- {result.feed} batch {result.batch_id} ({result.logical_date}): {verdict}, "
                     f"{result.rows_quarantined}/{result.rows_received} quarantined")
        lines.extend("  " + line for line in _failure_lines(result))
        lines.extend("  " + line for line in _late_lines(result))
        lines.append(f"  Data Docs: {result.data_docs_path or '(not built)'}")
    return Alert(
        kind="digest",
        title=f"night digest {', '.join(dates)}: {len(failing)} failing batch(es), {len(held)} held",
        lines=lines,
        logical_date=dates[0] if len(dates) == 1 else None,
        severity="error" if held else "warning",
    )


def task_failure_alert_message(dag_id: str, task_id: str, run_id: str, logical_date: str | None,
                               try_number, error: str, log_url: str | None, feed: str | None) -> Alert:
    lines = [
        f"DAG: {dag_id}",
        f"Task: {task_id} (try {try_number})",
        f"Run: {run_id}",
        f"Logical date: {logical_date or '-'}",
    ]
    if feed:
        lines.append(f"Feed: {feed}")
    lines += ["", f"Error: {error}", "", f"Log: {log_url or '-'}"]
    return Alert(kind="task_failure", title=f"task failed: {dag_id}.{task_id}", lines=lines, feed=feed,
                 logical_date=logical_date, severity="error")

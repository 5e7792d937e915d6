"""credit_correction: objections (异议) and credit repair (信用修复) from the platform's objection system.

Ordinary nights carry objections about the night's own records that were turned down or are still
open, so nothing changes. With ``corrections`` a night also carries upheld repairs and withdrawals
of clean records published on earlier nights (same seed and row count), which the marts must end
and the publisher must withdraw; ``targets`` lists them for the manifest.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

from credit_warehouse_dev.generator.base import Built, FeedBuilder, Unit, format_date
from credit_warehouse_dev.generator.calendar import working_days_back
from credit_warehouse_dev.generator.reference import authority
from credit_warehouse_dev.generator.rows import render_clean

# target feed -> (record kind, key column, subject column(s), actions an upheld correction takes)
TARGETS = {
    "dept_license": ("license", "decision_doc_no", ("uscc", "person_id_no"), ("异议更正", "异议撤销")),
    "dept_penalty": ("penalty", "decision_doc_no", ("uscc", "person_id_no"), ("信用修复", "信用修复", "异议撤销")),
    "dept_blacklist": ("blacklist", "listing_doc_no", ("uscc", "person_id_no"), ("信用修复",)),
    "court_dishonest_debtor": ("court", "case_no", ("id_no",), ("异议撤销",)),
}
DEFAULT_LOOKBACK_DAYS = 3


class CorrectionBuilder(FeedBuilder):
    # the builders of the feeds it corrects, set by generator/feeds.py (which knows them all)
    builders: dict[str, type[FeedBuilder]] = {}
    feed_name = "credit_correction"
    dirt_kinds = ("duplicate", "missing_required")
    code_columns = ()

    def __init__(self, night):
        super().__init__(night)
        self.targets: list[dict] = []

    def units(self) -> list[Unit]:
        return [Unit("objection", "file", f"corrections_{self.night.logical_date:%Y%m%d}.jsonl", "jsonl", "utf-8",
                     "name", "iso")]

    def upheld_count(self) -> int:
        return max(3, self.night.rows // 20) if self.night.corrections else 0

    def row_count(self) -> int:
        return self.night.rows + self.upheld_count()

    def build(self, index: int, rng: random.Random) -> Built:
        if index >= self.night.rows:
            return self._upheld(index, rng)
        feed = rng.choice(tuple(TARGETS))
        target = self.builders[feed](self.night)
        built = target.build(rng.randrange(self.night.rows), rng)
        return self._row(index, rng, feed, built.values, upheld=False)

    def _upheld(self, index: int, rng: random.Random) -> Built:
        night = self.night
        since = night.corrections_since or night.logical_date - timedelta(days=DEFAULT_LOOKBACK_DAYS)
        span = max(1, (night.logical_date - since).days)
        for _ in range(50):
            feed = rng.choice(("dept_license", "dept_penalty", "dept_penalty", "dept_blacklist", "dept_blacklist"))
            earlier = night.logical_date - timedelta(days=rng.randrange(1, span + 1))
            target = self.builders[feed](replace(night, logical_date=earlier, corrections=False))
            row_index = rng.randrange(night.rows)
            built = render_clean(target, row_index)
            if built is not None:
                row = self._row(index, rng, feed, built.values, upheld=True, published=earlier)
                record_kind, key_column, _, _ = TARGETS[feed]
                self.targets.append({
                    "correction_id": row.values["correction_id"], "record_kind": record_kind,
                    "record_key": built.values[key_column], "action": row.values["action"],
                    "source_feed": feed, "source_date": earlier.isoformat(), "source_row_index": row_index,
                })
                return row
        raise RuntimeError("no clean record found to correct; is the dirt rate near 1?")

    def _row(self, index: int, rng: random.Random, feed: str, target: dict[str, str], upheld: bool,
             published=None) -> Built:
        record_kind, key_column, subject_columns, actions = TARGETS[feed]
        day = self.night.logical_date
        subject = next((target[c] for c in subject_columns if target.get(c)), "")
        earliest = published or day - timedelta(days=20)
        applied = max(earliest, working_days_back(day, rng.randrange(3, 14)))
        accepted = min(day, working_days_back(applied + timedelta(days=4), rng.randrange(0, 2)))
        open_case = not upheld and rng.random() < 0.4
        row = self.empty_row()
        row.update(
            correction_id=f"YY{day:%Y%m%d}{index + 1:06d}",
            record_kind=record_kind,
            record_key=target[key_column],
            subject_code=subject,
            action=rng.choice(actions) if upheld else rng.choice(("异议更正", "异议撤销", "信用修复")),
            applied_on=format_date(applied, "iso"),
            accepted_on=format_date(max(applied, accepted), "iso"),
            closed_on="" if open_case else format_date(day, "iso"),
            outcome="同意" if upheld else ("" if open_case else "不同意"),
            handling_unit=authority("fgw", "370100").name.replace("发展和改革委员会", "公共信用信息中心"),
        )
        return Built(row, "objection", protected=upheld)

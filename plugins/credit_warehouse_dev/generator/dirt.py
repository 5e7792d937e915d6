"""The dirt real feeds carry, injected into single rows at a controllable rate.

Each kind says whether the warehouse must quarantine the row (``quarantine``) or repair it and
accept it (codes in full width, lower case or with spaces are normalised; 暂无 in an optional
field means missing). Mixed date formats are not dirt: every source writes its own and all parse.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from credit_warehouse.identifiers import USCC_ALPHABET, is_valid_org_code, is_valid_resident_id, is_valid_uscc
from credit_warehouse_dev.generator.calendar import working_days_back

# kind -> must the row end in quarantine?
KINDS: dict[str, bool] = {
    "full_width_code": False,
    "lower_case_code": False,
    "spaced_code": False,
    "placeholder_optional": False,
    "late_report": False,  # reported after the 7-working-day deadline: accepted, counted and alerted, not held
    "bad_uscc_checksum": True,
    "bad_resident_id_checksum": True,
    "bad_org_code_checksum": True,
    "duplicate": True,
    "future_date": True,
    "fine_in_yuan": True,
    "excluded_matter": True,
    "missing_required": True,
    "placeholder_required": True,
}

PLACEHOLDERS = ("暂无", "无", "/")
EXCLUDED_FACTS = (
    "当事人多次到市政府信访，扰乱机关办公秩序",
    "当事人因拆迁补偿纠纷阻挠施工",
    "当事人驾驶机动车闯红灯",
    "当事人在小区内不文明养犬，未拴犬链",
    "当事人长期欠缴物业费",
    "当事人未执行垃圾分类，混投生活垃圾",
)
_FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}


@dataclass(frozen=True)
class DirtSpec:
    """Which columns of a feed each kind of dirt acts on."""

    kinds: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    code_columns: tuple[str, ...] = ("uscc",)  # USCC-like columns, tried in order
    person_id_column: str | None = None
    org_code_column: str | None = None  # court feeds: 9-char organisation code
    date_column: str | None = None  # the decision/listing/publication date
    matter_column: str | None = None  # where an excluded matter shows


@dataclass(frozen=True)
class Injected:
    kind: str
    column: str | None

    @property
    def quarantine(self) -> bool:
        return KINDS[self.kind]


def full_width(text: str) -> str:
    return text.translate(_FULL_WIDTH)


class DirtInjector:
    def __init__(self, spec: DirtSpec, logical_date: date, format_date: Callable[[date], str]):
        unknown = set(spec.kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown dirt kinds: {sorted(unknown)}")
        self.spec = spec
        self.logical_date = logical_date
        self.format_date = format_date

    def inject(self, kind: str, row: dict[str, str], rng: random.Random) -> Injected | None:
        """Changes ``row`` in place; None when the kind does not apply to this row."""
        column = getattr(self, f"_{kind}")(row, rng)
        return None if column is False else Injected(kind, column)

    def _code_column(self, row: dict[str, str]) -> str | None:
        for column in self.spec.code_columns:
            if row.get(column):
                return column
        return None

    def _full_width_code(self, row, rng):
        column = self._code_column(row) or (self.spec.person_id_column if row.get(self.spec.person_id_column or "")
                                            else None)
        if column is None:
            return False
        row[column] = full_width(row[column])
        return column

    def _lower_case_code(self, row, rng):
        for column in (*self.spec.code_columns, self.spec.person_id_column):
            if column and any(c.isalpha() for c in row.get(column, "")):
                row[column] = row[column].lower()
                return column
        return False

    def _spaced_code(self, row, rng):
        column = self._code_column(row)
        if column is None:
            return False
        value = row[column]
        row[column] = f"{value[:2]} {value[2:8]}-{value[8:]}" if rng.random() < 0.5 else f" {value} "
        return column

    def _placeholder_optional(self, row, rng):
        filled = [c for c in self.spec.optional if row.get(c)]
        if not filled:
            return False
        column = rng.choice(filled)
        row[column] = rng.choice(PLACEHOLDERS)
        return column

    def _placeholder_required(self, row, rng):
        text_columns = [c for c in self.spec.required if row.get(c) and c != self.spec.date_column
                        and c not in self.spec.code_columns]
        if not text_columns:
            return False
        column = rng.choice(text_columns)
        row[column] = rng.choice(PLACEHOLDERS)
        return column

    def _missing_required(self, row, rng):
        filled = [c for c in self.spec.required if row.get(c)]
        if not filled:
            return False
        column = rng.choice(filled)
        row[column] = ""
        return column

    def _late_report(self, row, rng):
        column = self.spec.date_column
        if not column or not row.get(column):
            return False
        row[column] = self.format_date(working_days_back(self.logical_date, rng.randrange(8, 41)))
        return column

    def _future_date(self, row, rng):
        column = self.spec.date_column
        if not column or not row.get(column):
            return False
        row[column] = self.format_date(self.logical_date + timedelta(days=rng.randrange(2, 120)))
        return column

    def _bad_uscc_checksum(self, row, rng):
        column = self._code_column(row)
        if column is None or not is_valid_uscc(row[column]):
            return False
        value = row[column]
        row[column] = value[:17] + rng.choice(USCC_ALPHABET.replace(value[17], ""))
        return column

    def _bad_resident_id_checksum(self, row, rng):
        column = self.spec.person_id_column
        if not column or not is_valid_resident_id(row.get(column)):
            return False
        value = row[column]
        row[column] = value[:17] + rng.choice("0123456789X".replace(value[17], ""))
        return column

    def _bad_org_code_checksum(self, row, rng):
        column = self.spec.org_code_column
        if not column or not is_valid_org_code(row.get(column)):
            return False
        value = row[column]
        row[column] = value[:8] + rng.choice("0123456789X".replace(value[8], ""))
        return column

    def _excluded_matter(self, row, rng):
        column = self.spec.matter_column
        if not column:
            return False
        row[column] = rng.choice(EXCLUDED_FACTS) + "。"
        return column

    def _fine_in_yuan(self, row, rng):
        # a warning-level case whose fine was sent in yuan: 20,000 yuan arrives as 20000 (万元, i.e. 2亿);
        # every value is above the penalty suite's 10,000 万元 ceiling
        if "fine_amount_10k_yuan" not in row:
            return False
        yuan = rng.choice((12000, 20000, 30000, 50000, 80000, 100000))
        row["fine_amount_10k_yuan"] = str(yuan)
        row["penalty_categories"] = "01,02"
        row["penalty_content"] = f"警告，罚款人民币{yuan}元"
        row["severity"] = "一般"
        return "fine_amount_10k_yuan"

    def _duplicate(self, row, rng):
        return False  # the night copies an earlier row of the same file instead (see night.py)

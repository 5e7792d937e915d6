"""Suite rules and registry facts compiled to SQL conditions over one row of raw.<feed>.

Every condition is true for a FAILING row and reads the row's columns unqualified, and the values
several checks share by alias (``_gate_v<n>``: a parsed date, a USCC's validity), which the pass
computes first (``CompiledChecks.rows``). Checks of the business key read three columns computed over
the whole batch (``key_columns_sql``): ``_key``, ``_key_seq`` (1 for the first row carrying that key)
and ``_key_first``, plus ``_content`` when the key is also checked against earlier accepted batches.
Values shown for a failing row are masked: ID columns by util.mask_resident_id, any ID-shaped run
inside other text likewise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg import sql

from credit_warehouse.feeds.registry import Feed
from credit_warehouse.quality.suites import IDENTIFIER_FORMS, Check, Rule, Suite
from credit_warehouse.settings import ConfigurationError

# the check that finds a row an accepted batch already holds, unchanged (a redelivery repeating it)
UNCHANGED = "business_key_new"

_NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"
_FORM_NAMES = {
    "uscc": "a valid USCC (GB 32100 check character and embedded organisation code)",
    "org_code": "a valid organisation code (GB 11714 check character)",
    "resident_id": "a valid resident ID (GB 11643 check digit, a birth date not after the delivery date)",
    "resident_id_masked": "a masked resident ID as courts publish it",
}


def _literals(values: list[str]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Literal(v) for v in values)


# Values checks read, computed by the pass before any check and read by their alias: a date column is parsed
# once, not by each of its parseable, not-future, not-before and order checks. The costly ones, functions of
# one column's value, are computed once per distinct value in the rows of the pass: a department's authority
# USCC, or a penalty category, repeats in thousands of rows. kind: (SQL over the value {c}, per distinct value)
_ROW_VALUES: dict[str, tuple[str, bool]] = {
    "trimmed": ("util.null_if_placeholder({c})", False),
    "date": ("util.parse_cn_date({c})", False),
    "number": ("(case when util.null_if_placeholder({c}) ~ {number} then util.null_if_placeholder({c})::numeric end)",
               False),
    "resident_id_in_text": ("exists (select 1 from util.resident_ids_in({c}))", True),
    # every pattern in one alternation first (read once per pass): the matter is looked up only on a match
    "exclusion_matter": ("case when {c} ~ (select util.legal_exclusion_pattern()) "
                         "then util.legal_exclusion_matter({c}) end", True),
    "penalty_categories_known": ("util.penalty_category_codes({c}) "
                                 "<@ array(select pc.category_code::text from ref.penalty_category as pc)", True),
    "fine_stated": ("util.fine_yuan_stated({c})", True),
    **{f"identifier_{form}": (template, True) for form, template in IDENTIFIER_FORMS.items()},
}


class _Compiler:
    def __init__(self, feed: Feed, suite: Suite, logical_date: date, batch_id: int):
        self.feed = feed
        self.suite = suite
        self.logical_date = sql.Literal(logical_date)
        self.batch_id = batch_id
        self.exclusion_columns: list[str] = []
        self.checks: list[tuple[str, str | None, sql.Composable, sql.Composable, str, bool]] = []
        self.row_values: dict[tuple[str, str], str] = {}  # (kind, column): alias

    def once(self, kind: str, column: str) -> sql.Identifier:
        """The alias of a value of the row the pass computes before the checks (see _ROW_VALUES)."""
        return sql.Identifier(self.row_values.setdefault((kind, column), f"_gate_v{len(self.row_values) + 1}"))

    def _value(self, kind: str, value: sql.Composable) -> sql.Composable:
        return sql.SQL(_ROW_VALUES[kind][0]).format(c=value, d=self.logical_date, number=sql.Literal(_NUMBER))

    def rows_query(self, keyed: sql.Composable | None) -> sql.Composable:
        """The batch's rows in the range %(first)s..%(last)s of _row_number, with the key columns (over the
        whole batch) and the row values; offset 0 keeps PostgreSQL from folding the values back into every
        condition that reads them. A costly value is computed once per distinct value of its column, in a
        materialized CTE: as a subquery on the inner side of a nested loop (the plan for a small batch) it
        was computed again for every row of the batch (a 340-row batch: 1.0 s)."""
        raw, batch = sql.Identifier("raw", self.feed.raw_table), sql.Literal(self.batch_id)
        items, memos, joins = [sql.SQL("k.*")], [], []
        for (kind, column), alias in self.row_values.items():
            value = sql.Identifier("k", column)
            if not _ROW_VALUES[kind][1]:
                items.append(sql.SQL("{} as {}").format(self._value(kind, value), sql.Identifier(alias)))
                continue
            memo = sql.Identifier(f"{alias}_memo")
            memos.append(sql.SQL(
                "{memo} as materialized (select d.value, {computed} as computed from (select distinct {column} as "
                "value from {raw} where _batch_id = {batch} and _row_number between %(first)s and %(last)s) as d)"
            ).format(computed=self._value(kind, sql.Identifier("d", "value")), column=sql.Identifier(column), raw=raw,
                     batch=batch, memo=memo))
            joins.append(sql.SQL("left join {memo} on {memo}.value = {value}").format(memo=memo, value=value))
            items.append(sql.SQL("case when {value} is null then {of_null} else {memo}.computed end as {alias}").format(
                value=value, of_null=self._value(kind, sql.SQL("null::text")), memo=memo, alias=sql.Identifier(alias)))
        keyed_items = sql.SQL(", {}").format(keyed) if keyed is not None else sql.SQL("")
        with_memos = sql.SQL("with {} ").format(sql.SQL(", ").join(memos)) if memos else sql.SQL("")
        return sql.SQL(
            "{with_memos}select {items} from (select *{keyed} from {raw} where _batch_id = {batch}) as k {joins} "
            "where k._row_number between %(first)s and %(last)s offset 0"
        ).format(with_memos=with_memos, items=sql.SQL(", ").join(items), keyed=keyed_items, raw=raw, batch=batch,
                 joins=sql.SQL(" ").join(joins))

    def trimmed(self, column: str) -> sql.Composable:
        return self.once("trimmed", column)

    def present(self, column: str) -> sql.Composable:
        return sql.SQL("{} is not null").format(self.trimmed(column))

    def missing(self, column: str) -> sql.Composable:
        return sql.SQL("{} is null").format(self.trimmed(column))

    def number(self, column: str) -> sql.Composable:
        """The column as a number when it is written as one, else null."""
        return self.once("number", column)

    def when(self, spec: dict | None) -> sql.Composable:
        if not spec:
            return sql.SQL("true")
        if "in" in spec:
            return sql.SQL("coalesce({} in ({}), false)").format(self.trimmed(spec["column"]), _literals(spec["in"]))
        return sql.SQL("coalesce({}, '') ~ {}").format(self.trimmed(spec["column"]), sql.Literal(spec["matches"]))

    def shown(self, column: str) -> sql.Composable:
        """What a reason may show of a value: masked when personal, ID-shaped runs masked, 200 chars."""
        ident = sql.Identifier(column)
        if column in self.suite.personal_columns:
            masked = "coalesce(util.vault_masked_id({0}), util.mask_resident_id(util.normalize_code({0})))"
            return sql.SQL(masked).format(ident)
        return sql.SQL("left(util.mask_personal_data({}), 200)").format(ident)

    def add(self, name, column, condition, message, value=None, needs_key=False):
        self.checks.append((name, column, condition, value if value is not None else self.shown(column),
                            message, needs_key))

    # registry facts ---------------------------------------------------------------------------
    def registry_rules(self, required_by_layout: tuple[str, ...], extra_required: list[str]) -> None:
        required = list(dict.fromkeys([*required_by_layout, *extra_required]))
        for column in required:
            self.add("required", column, self.missing(column), "required value is missing")
        for column in self.feed.columns:
            if column.max_length:
                self.add("max_length", column.name,
                         sql.SQL("char_length({}) > {}").format(sql.Identifier(column.name),
                                                                sql.Literal(column.max_length)),
                         f"longer than {column.max_length} characters")

    # suite rules ------------------------------------------------------------------------------
    def rule(self, rule: Rule) -> None:
        getattr(self, f"_{rule.kind}")(rule.spec)

    def _required(self, spec):  # merged into registry_rules
        pass

    def _required_when(self, spec):
        column, when = spec["column"], spec["when"]
        self.add("required_when", column, sql.SQL("{} and {}").format(self.missing(column), self.when(when)),
                 f"required when {when['column']} is "
                 + ("/".join(when["in"]) if "in" in when else f"like {when['matches']}"))

    def _required_any(self, spec):
        columns = spec["columns"]
        self.add("required_any", ",".join(columns),
                 sql.SQL(" and ").join(self.missing(c) for c in columns),
                 "none of " + ", ".join(columns) + " is present (the subject has no code)",
                 value=sql.SQL("'(all empty)'"))

    def _in_set(self, spec):
        values = _literals(spec["values"])
        self._code_check(spec, lambda code: sql.SQL("{} not in ({})").format(code, values),
                         f"not one of {' / '.join(spec['values'])}")

    def _in_ref(self, spec):
        ref = sql.Identifier("ref", spec["ref_table"])

        def bad_code(code: sql.Composable) -> sql.Composable:
            matches = sql.SQL(" or ").join(
                sql.SQL("{} = r.{}::text").format(code, sql.Identifier(c)) for c in spec["ref_columns"])
            return sql.SQL("not exists (select 1 from {} as r where {})").format(ref, matches)

        self._code_check(spec, bad_code, spec.get("message") or f"not a code of ref.{spec['ref_table']}")

    def _code_check(self, spec, bad_code, message: str) -> None:
        """A code column checked as a whole, or split on ``separator`` with every part checked."""
        column = spec["column"]
        if "separator" in spec:
            failing = sql.SQL("exists (select 1 from regexp_split_to_table({}, {}) as part (code) "
                              "where btrim(part.code) <> '' and {})").format(
                self.trimmed(column), sql.Literal(spec["separator"]), bad_code(sql.SQL("btrim(part.code)")))
        else:
            failing = bad_code(self.trimmed(column))
        condition = sql.SQL("{} and {} and {}").format(self.present(column), self.when(spec.get("when")), failing)
        self.add("code_table", column, condition, message)

    def _pattern(self, spec):
        column = spec["column"]
        self.add("pattern", column, sql.SQL("{} and {} !~ {}").format(
            self.present(column), self.trimmed(column), sql.Literal(spec["regex"])),
            spec.get("message") or f"does not match {spec['regex']}")

    def _identifier(self, spec):
        accept = spec["accept"]
        name = f"{accept[0]}_valid" if len(accept) == 1 else "identifier_valid"
        for column in spec["columns"]:
            valid = sql.SQL(" or ").join(self.once(f"identifier_{form}", column) for form in accept)
            condition = sql.SQL("{} and {} and not ({})").format(
                self.present(column), self.when(spec.get("when")), valid)
            self.add(name, column, condition, "is not " + " nor ".join(_FORM_NAMES[f] for f in accept))

    def _no_resident_id_in_text(self, spec):
        for column in spec["columns"]:
            ident = sql.Identifier(column)
            self.add("no_resident_id_in_text", column,
                     sql.SQL("{} and {}").format(self.present(column), self.once("resident_id_in_text", column)),
                     "a resident-ID number is written in this free text; ask the department to remove it",
                     value=sql.SQL("left(util.mask_personal_data({}), 200)").format(ident))

    def _date(self, spec):
        earliest = date.fromisoformat(spec.get("min", "1949-01-01"))
        minimum = sql.Literal(earliest)
        placeholders = [date.fromisoformat(p) for p in spec.get("placeholders", [])]
        for column in spec["columns"]:
            parsed = self.once("date", column)
            self.add("date_parseable", column, sql.SQL("{} and {} is null").format(self.present(column), parsed),
                     "not a date")
            if spec.get("not_future", True):
                self.add("date_not_future", column, sql.SQL("{} > {}").format(parsed, self.logical_date),
                         "date lies after the batch's logical date")
            real = sql.SQL("{} <> all(array[{}]::date[])").format(parsed, sql.SQL(", ").join(
                sql.Literal(p) for p in placeholders)) if placeholders else sql.SQL("true")
            self.add("date_not_before", column, sql.SQL("{} < {} and {}").format(parsed, minimum, real),
                     f"date before {earliest:%Y-%m-%d}")

    def _date_order(self, spec):
        column, start = spec["column"], spec["not_before"]
        ends, begins = (self.once("date", c) for c in (column, start))
        self.add("date_order", column, sql.SQL("{} < {}").format(ends, begins), f"date lies before {start}",
                 value=sql.SQL("{} || ' before ' || {}").format(self.trimmed(column), self.trimmed(start)))

    def _timeliness(self, spec):  # a measure, not a check: see late_reports_query
        pass

    def _amount(self, spec):
        unit = spec.get("unit", "")
        for column in spec["columns"]:
            number = self.number(column)
            not_number = sql.SQL("{} and {} !~ {}").format(
                self.present(column), self.trimmed(column), sql.Literal(_NUMBER))
            self.add("amount_numeric", column, not_number, "not a number" + (f" in {unit}" if unit else ""))
            if spec.get("integer"):
                self.add("amount_numeric", column, sql.SQL("{} <> trunc({})").format(number, number),
                         "not a whole number")
            if "min" in spec:
                self.add("amount_min", column, sql.SQL("{} < {}").format(number, sql.Literal(spec["min"])),
                         f"below {spec['min']}{' ' + unit if unit else ''}")
            if "max" in spec:
                self.add("amount_unit", column, sql.SQL("{} > {}").format(number, sql.Literal(spec["max"])),
                         f"above {spec['max']} {unit}: implausible, probably entered in the wrong unit".strip())

    def _penalty_categories(self, spec):
        for column in spec["columns"]:
            self.add("penalty_category_valid", column, sql.SQL("{} and not {}").format(
                self.present(column), self.once("penalty_categories_known", column)),
                "not penalty categories: codes 01-14 or their names (ref.penalty_category), any separator")

    def _fine_in_text(self, spec):
        column = spec["column"]
        amount = self.number(column)
        for text_column in spec["text_columns"]:
            stated = self.once("fine_stated", text_column)
            self.add("fine_matches_text", column, sql.SQL("abs({} * 10000 - {}) >= 1").format(amount, stated),
                     f"disagrees with the fine stated in {text_column} (the column is in 万元)",
                     value=sql.SQL(
                         "{col} || ' 万元 in {c}, ' || {stated} || ' 元 in {t}' || case when {amount} = {stated} "
                         "then ' (entered in yuan: 10,000 times too large)' else '' end"
                     ).format(col=self.trimmed(column), stated=stated, amount=amount,
                              c=sql.SQL(column), t=sql.SQL(text_column)))

    def _list_owner(self, spec):
        authority, list_type = self.trimmed(spec["column"]), self.trimmed(spec["type_column"])
        owner = sql.SQL(
            "(select t.list_type_name || '（' || t.owner_department || '）' from ref.credit_list_type as t "
            "where (t.list_type_code::text = {lt} or t.list_type_name = {lt}) and t.authority_pattern <> '' "
            "and {a} !~ t.authority_pattern)"
        ).format(lt=list_type, a=authority)
        self.add("list_owner", spec["column"], sql.SQL("{} is not null and {} !~ {} and {} is not null").format(
            authority, authority, sql.Literal(spec["forwarders"]), owner),
            "the listing authority does not own this list type, nor is it the credit office forwarding it",
            value=sql.SQL("left({}, 100) || ' does not keep ' || {}").format(authority, owner))

    def _org_code_linked(self, spec):
        org, uscc = spec["column"], spec["uscc_column"]
        # computed only where the conditions before it hold (no USCC, a valid code): few rows, not once per row
        code = sql.SQL("util.normalize_code({})").format(self.trimmed(org))
        linked = sql.SQL("util.usccs_embedding({}, {}, {})").format(
            code, sql.Literal(self.feed.raw_table), sql.Literal(self.batch_id))
        self.add("org_code_linked", org, sql.SQL("{} and {} and {} and {} <> 1").format(
            self.missing(uscc), self.present(org), self.once("identifier_org_code", org), linked),
            "organisation code not linked to a USCC: no USCC, and not exactly one known USCC embeds the code",
            value=sql.SQL("{} || ' is embedded in ' || {} || ' known USCC(s)'").format(code, linked))

    def _legal_exclusion(self, spec):
        # the columns come from ref.legal_exclusion_scope, the patterns from ref.legal_exclusion
        for column in self.exclusion_columns:
            matter = self.once("exclusion_matter", column)
            self.add("legal_exclusion", column, sql.SQL("{} is not null").format(matter),
                     "a matter the law excludes from credit records (法定排除事项)",
                     value=sql.SQL("(select x.matter_name || '：' || x.reason from ref.legal_exclusion as x "
                                   "where x.matter_code = {})").format(matter))

    def _unique_key(self, spec):
        key = ",".join(self.feed.business_key)
        self.add("business_key_unique", key, sql.SQL("_key is not null and _key_seq > 1"),
                 f"business key ({key}) repeats an earlier row of the batch",
                 value=sql.SQL("'same key as row ' || _key_first::text"), needs_key=True)
        if spec.get("across_batches", True):
            # an index probe into what accepted batches brought (remember_records), never a pass over history
            earlier = sql.SQL(
                "_key is not null and exists (select 1 from ops.accepted_record as a where a.feed = {feed} "
                "and a.record_key = _key and a.content_md5 = _content and a.batch_id <> {batch})"
            ).format(feed=sql.Literal(self.feed.name), batch=sql.Literal(self.batch_id))
            self.add(UNCHANGED, key, earlier,
                     f"the same record (key {key}, same content) was already accepted in an earlier batch",
                     value=sql.SQL("'already accepted'"), needs_key=True)


def key_expression(feed: Feed, alias: str | None = None) -> sql.Composable:
    """The business key as one comparable text (codes normalised), null when every part is missing."""
    parts = [
        sql.SQL("util.normalize_code(util.null_if_placeholder({}))").format(
            sql.Identifier(alias, c) if alias else sql.Identifier(c))
        for c in feed.business_key
    ]
    return sql.SQL("case when coalesce({parts}) is null then null else concat_ws(chr(31), {filled}) end").format(
        parts=sql.SQL(", ").join(parts),
        filled=sql.SQL(", ").join(sql.SQL("coalesce({}, '')").format(p) for p in parts),
    )


def content_expression(feed: Feed, alias: str | None = None) -> sql.Composable:
    columns = [sql.Identifier(alias, c) if alias else sql.Identifier(c) for c in feed.column_names]
    return sql.SQL("row({})::text").format(sql.SQL(", ").join(columns))


def key_columns_sql(feed: Feed, across_batches: bool) -> sql.Composable:
    """Select-list items computed over the whole batch for the business-key checks."""
    key = key_expression(feed)
    items = [
        sql.SQL("{} as _key").format(key),
        sql.SQL("row_number() over (partition by {} order by _row_number) as _key_seq").format(key),
        sql.SQL("first_value(_row_number) over (partition by {} order by _row_number) as _key_first").format(key),
    ]
    if across_batches:
        items.append(sql.SQL("md5({}) as _content").format(content_expression(feed)))
    return sql.SQL(", ").join(items)


_GX_BATCH = "__gx_batch__"  # stands for GX's {batch} while the query is composed


def gx_query(composed: sql.Composable, conn: psycopg.Connection) -> str:
    """A query for GX, which runs str.format on it: literal braces doubled, {batch} left for GX."""
    text = composed.as_string(conn).replace("{", "{{").replace("}", "}}")
    return text.replace(_GX_BATCH, "{batch}")


def quarantined_rows_query(feed: Feed, batch_id: int, name: str, column: str | None) -> sql.Composable:
    """The rows of a batch the one quarantine pass found failing a check, with the value it showed: what GX
    reports for that expectation (each condition is computed once per row, in that pass, never again).
    The reasons' containment finds them through the quarantine table's GIN index: on a batch held with most
    of its rows failing, each expectation reads its own rows, not every row's reasons."""
    reason = json.dumps([{"expectation": name, "column": column}], ensure_ascii=False)
    return sql.SQL(
        "select q._row_number, reason ->> 'value' as value from {} as q "
        "cross join lateral jsonb_array_elements(q.reasons) as reason where q._batch_id = {} "
        "and q.reasons @> {}::jsonb "
        "and reason ->> 'expectation' = {} and (reason ->> 'column') is not distinct from {} order by 1"
    ).format(sql.Identifier("quarantine", feed.raw_table), sql.Literal(int(batch_id)), sql.Literal(reason),
             sql.Literal(name), sql.Literal(column))


def required_populated_query(feed: Feed, conn: psycopg.Connection, layout: str | None = None) -> str | None:
    """Batch-level schema check: the required columns that are empty in every row of a non-empty batch."""
    required = feed.layout(layout).required
    if not required:
        return None
    counts = sql.SQL(", ").join(
        sql.SQL("count(util.null_if_placeholder({})) as {}").format(sql.Identifier(c), sql.Identifier(c))
        for c in required)
    pairs = sql.SQL(", ").join(sql.SQL("({}, {})").format(sql.Literal(c), sql.Identifier(c)) for c in required)
    return gx_query(sql.SQL(
        "select v.column_name from (select count(*) as n_rows, {} from {}) as s "
        "cross join lateral (values {}) as v (column_name, filled) where s.n_rows > 0 and v.filled = 0"
    ).format(counts, sql.SQL(_GX_BATCH), pairs), conn)


@dataclass(frozen=True)
class CompiledChecks:
    checks: list[Check]
    rows: str  # the rows the conditions read: a range %(first)s..%(last)s of the batch, with its row values


def compile_checks(feed: Feed, suite: Suite, logical_date: date, batch_id: int,
                   conn: psycopg.Connection, layout: str | None = None) -> CompiledChecks:
    """Every row-level check of a feed's batch in its national format (``layout``; None: current), as SQL
    text (rendered with ``conn``'s quoting), with the row values they share."""
    layout = feed.layout(layout).name
    rules = [r for r in suite.rules if r.applies_to(layout)]
    compiler = _Compiler(feed, suite, logical_date, batch_id)
    if any(r.kind == "legal_exclusion" for r in rules):
        compiler.exclusion_columns = exclusion_columns(feed, conn)
    extra_required = [c for r in rules if r.kind == "required" for c in r.spec["columns"]]
    compiler.registry_rules(feed.layout(layout).required, extra_required)
    for rule in rules:
        compiler.rule(rule)
    checks = [
        Check(name=name, column=column, condition=condition.as_string(conn), value=value.as_string(conn),
              message=message, needs_key=needs_key,
              query=gx_query(quarantined_rows_query(feed, batch_id, name, column), conn))
        for name, column, condition, value, message, needs_key in compiler.checks
    ]
    keyed = key_columns_sql(feed, across_batches(suite)) if has_key_checks(suite) else None
    return CompiledChecks(checks, compiler.rows_query(keyed).as_string(conn))


def late_reports_query(feed: Feed, suite: Suite, logical_date: date, batch_id: int) -> sql.Composed | None:
    """Accepted rows of the batch reported more than the suite's working days after their decision, counted
    per reporting department (the platform measures timeliness; a late report is still a record)."""
    rule = next((r for r in suite.rules if r.kind == "timeliness"), None)
    if rule is None:
        return None
    day = sql.Literal(logical_date)
    limit = rule.spec["max_working_days"]
    # working days are non-increasing in the start date: every date up to the latest late one is late,
    # so util.working_days_between runs a few dozen times per batch, not per row
    latest_late = sql.SQL(
        "(select max(cal.calendar_date) from ref.cn_working_calendar as cal "
        "where cal.calendar_date between {day} - {span} and {day} "
        "and util.working_days_between(cal.calendar_date, {day}) > {limit})"
    ).format(day=day, span=sql.Literal(limit * 3 + 30), limit=sql.Literal(limit))
    # each distinct decision date parsed once (a batch has few: parsing every row was 1.3 s of a 100k gate)
    return sql.SQL(
        "with late as materialized (select d.decided from (select distinct r.{decided} as decided from {raw} as r "
        "where r._batch_id = {batch}) as d where util.parse_cn_date(d.decided) <= {latest_late}) "
        "select coalesce(util.null_if_placeholder(r.{department}), '(not stated)') as department, count(*) "
        "from {raw} as r join late on late.decided = r.{decided} where r._batch_id = {batch} "
        "and not exists (select 1 from {quarantine} as q where q._batch_id = r._batch_id "
        "and q._row_number = r._row_number) group by 1 order by 2 desc, 1"
    ).format(department=sql.Identifier(rule.spec["department_column"]), raw=sql.Identifier("raw", feed.raw_table),
             batch=sql.Literal(batch_id), decided=sql.Identifier(rule.spec["column"]), latest_late=latest_late,
             quarantine=sql.Identifier("quarantine", feed.raw_table))


def remember_usccs(conn: psycopg.Connection, feed: Feed, batch_id: int) -> None:
    """The valid USCCs of an accepted batch's accepted rows into ops.known_uscc (for org_code_linked)."""
    if "uscc" not in feed.column_names:
        return
    # validated once per distinct code, not per row (a company's USCC repeats in many rows of a batch):
    # offset 0 keeps PostgreSQL from pushing the validity test below the distinct
    conn.execute(sql.SQL(
        "insert into ops.known_uscc (uscc, org_code, first_batch_id) "
        "select u.code, substr(u.code, 9, 9), {batch} from (select distinct "
        "util.normalize_code(util.null_if_placeholder(r.uscc)) as code from {raw} as r "
        "where r._batch_id = {batch} and not exists (select 1 from {quarantine} as q "
        "where q._batch_id = r._batch_id and q._row_number = r._row_number) offset 0) as u "
        "where util.uscc_is_valid(u.code) on conflict (uscc) do nothing"
    ).format(batch=sql.Literal(batch_id), raw=sql.Identifier("raw", feed.raw_table),
             quarantine=sql.Identifier("quarantine", feed.raw_table)))


def remember_records(conn: psycopg.Connection, feed: Feed, batch_id: int) -> None:
    """The key and content of an accepted batch's accepted rows into ops.accepted_record (for the
    across-batch duplicate check)."""
    conn.execute(sql.SQL(
        "insert into ops.accepted_record (feed, record_key, content_md5, batch_id) "
        "select {feed}, k.record_key, md5({content}), {batch} from {raw} as r "
        "cross join lateral (select {key} as record_key offset 0) as k "  # the key computed once, not per use
        "where r._batch_id = {batch} and k.record_key is not null and not exists (select 1 from {quarantine} as q "
        "where q._batch_id = r._batch_id and q._row_number = r._row_number) on conflict do nothing"
    ).format(feed=sql.Literal(feed.name), content=content_expression(feed, "r"), key=key_expression(feed, "r"),
             batch=sql.Literal(batch_id), raw=sql.Identifier("raw", feed.raw_table),
             quarantine=sql.Identifier("quarantine", feed.raw_table)))


def backfill_accepted_records(conn: psycopg.Connection, feed: Feed) -> None:
    """A warehouse from before ops.accepted_record: its accepted batches are remembered once, on the first gate."""
    if conn.execute("select exists (select 1 from ops.accepted_record where feed = %s)", (feed.name,)).fetchone()[0]:
        return
    for (batch_id,) in conn.execute("select batch_id from ops.load_batch where feed = %s and status = 'accepted' "
                                    "order by batch_id", (feed.name,)).fetchall():
        remember_records(conn, feed, batch_id)


def exclusion_columns(feed: Feed, conn: psycopg.Connection) -> list[str]:
    """The feed's columns that ref.legal_exclusion_scope says name a record's matter."""
    rows = conn.execute("select column_name from ref.legal_exclusion_scope where feed = %s order by column_name",
                        (feed.name,)).fetchall()
    unknown = sorted({r[0] for r in rows} - set(feed.column_names))
    if unknown:
        raise ConfigurationError(f"feed {feed.name}: ref.legal_exclusion_scope names column {unknown[0]!r}, "
                                 "which the feed does not have; fix the legal_exclusion_scope seed.")
    return [r[0] for r in rows]


def across_batches(suite: Suite) -> bool:
    return any(r.kind == "unique_key" and r.spec.get("across_batches", True) for r in suite.rules)


def has_key_checks(suite: Suite) -> bool:
    return any(r.kind == "unique_key" for r in suite.rules)

"""The generated night: deterministic, valid identifiers, shared subjects, dirt where the manifest says."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, timedelta

import stdnum.cn.ric
import stdnum.cn.uscc

from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.identifiers import is_valid_org_code, is_valid_resident_id, is_valid_uscc, normalize_code
from credit_warehouse_dev.generator.base import Night
from credit_warehouse_dev.generator.dirt import EXCLUDED_FACTS, KINDS
from credit_warehouse_dev.generator.feeds import builder_for
from credit_warehouse_dev.generator.night import generate_night
from credit_warehouse_dev.generator.rows import render_clean
from credit_warehouse_dev.generator.subjects import SubjectPool

from .conftest import NIGHT, read_dirt, read_unit

USCC_COLUMNS = ("uscc", "authority_uscc", "source_unit_uscc")
PERSON_ID_COLUMNS = ("person_id_no", "legal_rep_id_no")
EXCLUDED_WORDS = ("信访", "拆迁", "闯红灯", "不文明养犬", "欠缴物业费", "未执行垃圾分类")


def _all_rows(report, landing):
    """(feed, unit identity, row number, row) for every generated row."""
    for feed, summary in report.feeds.items():
        for unit in summary.units:
            identity = unit.get("path") or unit.get("endpoint")
            for number, row in enumerate(read_unit(feed, unit, landing), 1):
                yield feed, identity, number, row


def _dirty(report):
    return {(d["feed"], d.get("source") or d.get("endpoint"), d["row_number"]): d for d in read_dirt(report)}


def test_same_seed_same_bytes(night, tmp_path):
    report, _ = night
    again = generate_night(NIGHT, seed=11, rows=400, dirt_rate=0.05, landing=tmp_path / "landing",
                           store=tmp_path / "courts", source_database=None)
    for feed, summary in report.feeds.items():
        assert [u.get("sha256") for u in summary.units] == [u.get("sha256") for u in again.feeds[feed].units]
    for name in ("dishonest-debtors", "consumption-restrictions"):
        first = next(u["store"] for u in report.feeds["court_dishonest_debtor"].units + report.feeds[
            "court_consumption_restriction"].units if u["store"].endswith(f"{name}.jsonl"))
        second = str(tmp_path / "courts" / NIGHT.isoformat() / f"{name}.jsonl")
        assert open(first, "rb").read() == open(second, "rb").read()
    assert report.dirt_path.read_text() == again.dirt_path.read_text()


def test_other_seed_other_night(night, tmp_path):
    report, _ = night
    other = generate_night(NIGHT, seed=12, rows=400, dirt_rate=0.05, landing=tmp_path / "landing",
                           store=tmp_path / "courts", source_database=None, feeds=("dept_penalty",))
    assert [u["sha256"] for u in other.feeds["dept_penalty"].units] != [
        u["sha256"] for u in report.feeds["dept_penalty"].units]


def test_manifest_counts_match_the_deliveries(night):
    report, landing = night
    manifest = json.loads(report.manifest_path.read_text())
    # every feed of the registry but the utilities read from their SQL source (no source database here)
    assert set(manifest["feeds"]) == {feed.name for feed in load_registry() if feed.source.kind != "sql"}
    dirt = read_dirt(report)
    for feed, summary in manifest["feeds"].items():
        counted = sum(sum(1 for _ in read_unit(feed, unit, landing)) for unit in summary["units"])
        assert counted == sum(u["rows"] for u in summary["units"]) == summary["rows"] == 400, feed
        mine = [d for d in dirt if d["feed"] == feed]
        assert len(mine) == summary["dirty_rows"]
        assert sum(d["quarantine"] for d in mine) == summary["quarantine_expected"]
    formats = {(u.get("format"), u.get("encoding"), u.get("header")) for s in manifest["feeds"].values()
               for u in s["units"]}
    assert {("xlsx", None, "label"), ("csv", "gb18030", "label"), ("csv", "utf-8", "code"),
            ("csv", "utf-8-sig", "label"), ("csv", "gbk", "label"), ("jsonl", "utf-8", "name")} <= formats


def test_clean_rows_carry_valid_identifiers(night):
    report, landing = night
    dirty = _dirty(report)
    checked = {"uscc": 0, "stdnum_uscc": 0, "id": 0, "org": 0}
    for feed, identity, number, row in _all_rows(report, landing):
        if (feed, identity, number) in dirty:
            continue
        for column in USCC_COLUMNS:
            if row.get(column):
                code = normalize_code(row[column])
                assert is_valid_uscc(code), (feed, identity, number, column)
                checked["uscc"] += 1
                if code[:2].isdigit():  # stdnum rejects the valid A, N and Y authorities
                    stdnum.cn.uscc.validate(code)
                    checked["stdnum_uscc"] += 1
        for column in PERSON_ID_COLUMNS:
            if row.get(column):
                code = normalize_code(row[column])
                assert is_valid_resident_id(code), (feed, identity, number, column)
                assert stdnum.cn.ric.calc_check_digit(code) == code[17]
                checked["id"] += 1
        if feed.startswith("court_") and row["id_no"] and "*" not in row["id_no"]:
            assert is_valid_org_code(normalize_code(row["id_no"]))
            checked["org"] += 1
    assert all(checked.values()), checked


def test_authority_mix_includes_individual_businesses_and_letter_authorities():
    pool = SubjectPool(11)
    pairs = [pool.get(i).uscc[:2] for i in range(5000) if i % 5]
    assert pairs.count("91") > pairs.count("92") > 200
    assert {"A1", "N2", "Y1", "12", "51"} <= set(pairs)
    assert all(is_valid_uscc(pool.get(i).uscc) for i in range(1, 5000) if i % 5)


def test_injected_dirt_is_where_the_manifest_says(night):
    report, landing = night
    rows = {(f, i, n): r for f, i, n, r in _all_rows(report, landing)}
    dirt = read_dirt(report)
    assert {d["kind"] for d in dirt} <= set(KINDS)
    assert len({d["kind"] for d in dirt}) >= 10
    for entry in dirt:
        row = rows[(entry["feed"], entry.get("source") or entry.get("endpoint"), entry["row_number"])]
        assert entry["business_key"] == {k: row[k] for k in entry["business_key"]}
        value = row.get(entry["column"] or "", "")
        match entry["kind"]:
            case "bad_uscc_checksum":
                assert not is_valid_uscc(value)
            case "bad_resident_id_checksum":
                assert not is_valid_resident_id(value)
            case "bad_org_code_checksum":
                assert not is_valid_org_code(value)
            case "full_width_code" | "lower_case_code" | "spaced_code":
                assert value != normalize_code(value)
                assert is_valid_uscc(normalize_code(value)) or is_valid_resident_id(normalize_code(value)) \
                    or "*" in value or is_valid_org_code(normalize_code(value))
            case "missing_required":
                assert value == ""
            case "placeholder_required" | "placeholder_optional":
                assert value in ("暂无", "无", "/")
            case "excluded_matter":
                assert any(word in value for word in EXCLUDED_WORDS)
            case "fine_in_yuan":
                assert float(value) > 10000 and row["severity"] == "一般"
            case "duplicate":
                original = rows[(entry["feed"], entry.get("source") or entry.get("endpoint"), entry["duplicate_of"])]
                assert original == row


def test_clean_rows_are_plausible(night):
    report, landing = night
    dirty = _dirty(report)
    fines = []
    for feed, identity, number, row in _all_rows(report, landing):
        if (feed, identity, number) in dirty:
            continue
        text = "".join(row.values())
        assert not any(word in text for word in EXCLUDED_WORDS), (feed, number)
        assert not any(fact in text for fact in EXCLUDED_FACTS)
        if feed == "dept_penalty" and row.get("fine_amount_10k_yuan"):  # the 2016 format states fines in text
            fines.append(float(row["fine_amount_10k_yuan"]))
    assert fines and 0.05 <= min(fines) and max(fines) <= 50.2
    assert sorted(fines)[len(fines) // 2] < 5  # most fines are small


def test_subjects_recur_across_feeds(night):
    report, landing = night
    codes: dict[str, set[str]] = {}
    for feed, _, _, row in _all_rows(report, landing):
        code = normalize_code(row.get("uscc") or "") or ""
        if feed.startswith("court_") and row["id_no"] and "*" not in row["id_no"]:
            codes.setdefault(feed, set()).add(row["id_no"])  # courts publish the organisation code
            continue
        if code:
            codes.setdefault(feed, set()).add(code[8:17])
    shared = codes["dept_license"] & codes["dept_penalty"] & codes["court_dishonest_debtor"] & codes["logistics"]
    assert shared, "some companies appear in licensing, penalties, court records and logistics"


def test_pool_is_stable_across_dates():
    def codes(day: date) -> set[str]:
        builder = builder_for("dept_penalty", Night(11, day, 200, SubjectPool(11)))
        rows = (render_clean(builder, i) for i in range(200))
        return {r.values["uscc"] for r in rows if r is not None and r.values["uscc"]}

    assert len(codes(date(2024, 5, 10)) & codes(date(2024, 5, 11))) >= 5


def test_zero_dirt_rate_gives_clean_nights(tmp_path):
    report = generate_night(NIGHT, seed=3, rows=200, dirt_rate=0.0, landing=tmp_path, store=tmp_path / "c",
                            source_database=None, feeds=("dept_license", "court_dishonest_debtor"))
    assert report.dirt_path.read_text() == ""
    assert all(f.dirty_rows == 0 for f in report.feeds.values())


def test_late_reports_and_future_dates_measured_in_working_days(tmp_path):
    from credit_warehouse_dev.generator.calendar import working_days_back

    report = generate_night(NIGHT, seed=5, rows=300, dirt_rate=0.3, landing=tmp_path, store=tmp_path / "c",
                            source_database=None, feeds=("dept_penalty",))
    dirt = {(d["source"], d["row_number"]): d["kind"] for d in read_dirt(report)}
    limit = working_days_back(NIGHT, 7)
    kinds_seen = set()
    for unit in report.feeds["dept_penalty"].units:
        for number, row in enumerate(read_unit("dept_penalty", unit, tmp_path), 1):
            kind = dirt.get((unit["path"], number))
            if kind not in ("late_report", "future_date", None):
                continue
            decided = _parse(row["decision_date"])
            if kind == "late_report":
                assert decided < limit
            elif kind == "future_date":
                assert decided > NIGHT
            else:
                assert limit <= decided <= NIGHT
            kinds_seen.add(kind)
    assert kinds_seen == {None, "late_report", "future_date"}


def _parse(text: str) -> date:
    import re

    y, m, d = map(int, re.findall(r"\d+", text) if not text.isdigit() else (text[:4], text[4:6], text[6:]))
    return date(y, m, d)


def test_corrections_withdraw_clean_records_of_earlier_nights(tmp_path):
    first = NIGHT
    generate_night(first, seed=9, rows=120, landing=tmp_path, store=tmp_path / "c", source_database=None,
                   feeds=("dept_license", "dept_penalty", "dept_blacklist"))
    second = generate_night(first + timedelta(days=1), seed=9, rows=120, landing=tmp_path, store=tmp_path / "c",
                            source_database=None, feeds=("credit_correction",), corrections=True,
                            corrections_since=first)
    assert len(second.corrections) == 6
    published = {}
    for feed in ("dept_license", "dept_penalty", "dept_blacklist"):
        manifest = json.loads((tmp_path / "_manifests" / f"{first}.json").read_text())
        for unit in manifest["feeds"][feed]["units"]:
            for row in read_unit(feed, unit, tmp_path):
                key = row["listing_doc_no"] if feed == "dept_blacklist" else row["decision_doc_no"]
                published[(feed, key)] = unit["path"]
    first_dirt = {d["business_key"].get("decision_doc_no") or d["business_key"].get("listing_doc_no")
                  for d in read_dirt(replace(second, dirt_path=tmp_path / "_manifests" / f"{first}.dirt.jsonl"))}
    corrections = {}
    unit = second.feeds["credit_correction"].units[0]
    for row in read_unit("credit_correction", unit, tmp_path):
        corrections[row["correction_id"]] = row
    for target in second.corrections:
        assert target["source_date"] == first.isoformat()
        assert (target["source_feed"], target["record_key"]) in published
        assert target["record_key"] not in first_dirt
        row = corrections[target["correction_id"]]
        assert row["outcome"] == "同意" and row["record_key"] == target["record_key"]
        assert row["closed_on"] == (first + timedelta(days=1)).isoformat()


def test_the_generator_builds_exactly_the_registry_feeds():
    from credit_warehouse.feeds.registry import load_registry
    from credit_warehouse_dev.generator.feeds import BUILDERS

    assert tuple(BUILDERS) == load_registry().names


def test_the_2016_format_units_send_its_headers_and_clean_division_codes(night):
    report, landing = night
    legacy = [(feed, unit) for feed, summary in report.feeds.items() for unit in summary.units
              if unit.get("header") == "gb2016"]
    assert {feed for feed, _ in legacy} == {"dept_license", "dept_penalty"}
    for feed, unit in legacy:
        rows = list(read_unit(feed, unit, landing))
        assert rows and all(re.fullmatch(r"[1-9][0-9]{5}", row["division_code"]) for row in rows), unit["path"]
        assert all("subject_category" not in row for row in rows)  # the 2016 format sends no category

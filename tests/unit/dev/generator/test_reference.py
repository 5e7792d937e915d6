"""The committed seed CSVs are what the reference tables generate, and they hold together."""

from __future__ import annotations

import csv
import re

import yaml

from credit_warehouse.settings import PROJECT_ROOT
from credit_warehouse_dev.generator.reference import DIVISION_BY_CODE, write_seeds

SEEDS = PROJECT_ROOT / "dbt_project" / "seeds"


def _rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_committed_csvs_are_reproducible(tmp_path):
    counts = write_seeds(tmp_path)
    for name in counts:
        assert (tmp_path / f"{name}.csv").read_bytes() == (SEEDS / f"{name}.csv").read_bytes(), name


def test_seed_properties_describe_every_csv_and_column():
    properties = yaml.safe_load((SEEDS / "_seeds.yml").read_text(encoding="utf-8"))
    described = {seed["name"]: seed for seed in properties["seeds"]}
    on_disk = {path.stem for path in SEEDS.glob("*.csv")}
    assert set(described) == on_disk
    for name, seed in described.items():
        header = list(_rows(name)[0])
        assert list(seed["config"]["column_types"]) == header, name
        assert [c["name"] for c in seed["columns"]] == header, name


def test_list_types_and_categories():
    list_types = _rows("credit_list_type")
    assert [int(r["list_type_code"]) for r in list_types] == list(range(1, 15))
    assert all(r["owner_department"] and r["domain"] for r in list_types)
    assert [r["category_code"] for r in _rows("license_category")] == [f"{n:02d}" for n in range(1, 7)]
    assert [r["category_code"] for r in _rows("penalty_category")] == [f"{n:02d}" for n in range(1, 15)]


def test_the_four_lists_cover_every_list_type_and_honour_with_the_fields_the_plans_name():
    items = _rows("joint_reward_sanction_list")
    kinds = {r["list_kind"] for r in items}
    assert kinds == {"honour_scope", "dishonesty_scope", "incentive_measure", "sanction_measure"}
    for item in items:  # 行政单位, 实施事由, 法律依据, 联合奖惩实施单位, 措施内容, 证据材料
        assert all(item[f] for f in ("administrative_unit", "trigger", "legal_basis", "implementing_units",
                                     "measure", "evidence")), item["item_code"]
    scopes = {r["list_type_code"] for r in items if r["list_kind"] == "dishonesty_scope"}
    assert scopes == {str(n) for n in range(1, 15)}  # one scope item per national list type
    sanctions = [r for r in items if r["list_kind"] == "sanction_measure"]
    assert len(sanctions) >= 20 and {r["list_type_code"] for r in sanctions} <= {"", *scopes}
    honours = [r["honour_pattern"] for r in items if r["list_kind"] == "honour_scope"]
    import re

    from credit_warehouse_dev.generator.departments import _HONOURS, _PERSON_HONOURS
    assert all(any(re.search(p, name) for p in honours) for name, *_ in (*_HONOURS, *_PERSON_HONOURS))


def test_uscc_subject_types_cover_the_standard():
    pairs = {(r["authority_code"], r["type_code"]) for r in _rows("uscc_subject_type")}
    expected = {("1", t) for t in "1239"} | {("2", t) for t in "19"} | {("3", t) for t in "123459"} \
        | {("4", t) for t in "19"} | {("5", t) for t in "1239"} | {("6", t) for t in "129"} \
        | {("7", t) for t in "129"} | {("8", t) for t in "19"} | {("9", t) for t in "123"} \
        | {("A", t) for t in "19"} | {("N", t) for t in "1239"} | {("Y", "1")}
    assert pairs == expected
    kinds = {(r["authority_code"] + r["type_code"]): r["subject_kind"] for r in _rows("uscc_subject_type")}
    assert kinds["92"] == "individual_business" and kinds["91"] == "legal_person"


def test_divisions_are_consistent():
    rows = _rows("cn_division")
    assert {"370100", "370102", "370800", "370811", "370881"} <= {r["division_code"] for r in rows}
    for row in rows:
        assert re.fullmatch(r"[1-9]\d{5}", row["division_code"])
        assert row["province_code"] in DIVISION_BY_CODE
        if row["level"] != "province":
            assert row["city_code"] in DIVISION_BY_CODE


def test_exclusions_and_disclosure_classes():
    assert {r["matter_name"] for r in _rows("legal_exclusion")} == {"信访", "拆迁纠纷", "闯红灯", "不文明养犬",
                                                                    "欠缴物业费", "未执行垃圾分类"}
    classes = {(r["disclosure_class_code"], r["publishable"], r["analyst_visible"]) for r in _rows("disclosure_class")}
    assert classes == {("public", "true", "true"), ("authorised", "false", "false"), ("government", "false", "true")}

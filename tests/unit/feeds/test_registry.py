"""The feed registry: the shipped YAML is complete and valid; broken entries fail with one clear sentence."""

from __future__ import annotations

import copy

import pytest
import yaml

from credit_warehouse.feeds.errors import FeedInputError
from credit_warehouse.feeds.headers import map_header
from credit_warehouse.feeds.registry import REGISTRY_PATH, get_feed, load_registry, parse_registry
from credit_warehouse.settings import ConfigurationError
from credit_warehouse_dev.generator.feeds import FEEDS


def test_registry_has_every_generated_feed_in_order():
    assert load_registry().names == FEEDS
    assert load_registry() is load_registry()  # parsed once per process


def test_feed_shapes_follow_the_contract():
    penalty = get_feed("dept_penalty")
    assert "fine_amount_10k_yuan" in penalty.column_names
    assert penalty.column("decision_doc_no").label == "行政处罚决定书文号"
    assert penalty.column("decision_doc_no").code == "CF_WSH"
    assert penalty.raw_table == "dept_penalty" and penalty.qualified_raw_table == "raw.dept_penalty"
    assert penalty.expectation_suite == "dept_penalty"
    assert penalty.gate.max_failed_share == 0.05 and penalty.gate.hold_on_schema_failure
    assert penalty.alerts.channels == ("email", "webhook") and penalty.alerts.recipients
    court = get_feed("court_dishonest_debtor")
    assert court.source.kind == "http" and court.source.endpoint == "court/dishonest-debtors"
    assert [c.label for c in court.columns][:5] == ["caseCode", "iname", "sexy", "age", "cardNum"]
    assert court.column_names[:4] == ("case_no", "debtor_name", "sex", "age")
    assert get_feed("credit_correction").column_names == (
        "correction_id", "record_kind", "record_key", "subject_code", "action", "applied_on", "accepted_on",
        "closed_on", "outcome", "handling_unit",
    )
    water = get_feed("utility_water")
    assert (water.source.kind, water.source.table, water.source.watermark_column) == ("sql", "water_bill",
                                                                                     "updated_at")
    assert get_feed("logistics").formats == ("csv",) and get_feed("logistics").source.kind == "file"
    classes = {f.name: f.disclosure_class for f in load_registry()}
    assert classes["dept_license"] == classes["court_dishonest_debtor"] == "public"
    assert classes["utility_gas"] == "authorised"
    assert classes["dept_commitment"] == "public"  # a commitment is made to the public (公开承诺)
    assert classes["credit_correction"] == "government"


def _document() -> dict:
    return yaml.safe_load(REGISTRY_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["feeds"]["dept_penalty"].update(colour="red"), "feed dept_penalty: unknown key 'colour'"),
        (lambda d: d["feeds"]["dept_penalty"]["columns"][0].update(name="Subject-Name"),
         "feed dept_penalty column 1 name: 'Subject-Name' is not a valid identifier"),
        (lambda d: d["feeds"]["dept_redlist"]["columns"].append(dict(d["feeds"]["dept_redlist"]["columns"][0])),
         "feed dept_redlist: duplicate column 'subject_name'"),
        (lambda d: d["feeds"]["logistics"].update(business_key=["nope"]),
         "feed logistics business_key: 'nope' is not a column of the feed"),
        (lambda d: d["feeds"]["utility_gas"]["source"].update(table="gas bill"),
         "feed utility_gas source table: 'gas bill' is not a valid identifier"),
        (lambda d: d["feeds"]["dept_license"].update(disclosure_class="secret"),
         "feed dept_license disclosure_class: 'secret' is not one of"),
        (lambda d: d["feeds"]["dept_license"]["columns"][1].update(label="行政相对人名称"),
         "feed dept_license: header '行政相对人名称' names both subject_name and subject_category"),
        (lambda d: d["feeds"]["dept_license"].update(formats=["pdf"]),
         "feed dept_license formats: 'pdf' is not one of csv, xlsx, jsonl"),
    ],
)
def test_broken_registry_fails_with_one_sentence(change, expected):
    document = copy.deepcopy(_document())
    change(document)
    with pytest.raises(ConfigurationError) as failure:
        parse_registry(document)
    assert expected in str(failure.value)
    assert "\n" not in str(failure.value)


def test_headers_map_by_label_code_or_name_in_any_order():
    feed = get_feed("dept_commitment")
    mapped = map_header(feed, ["受理单位", "UScc", "主体名称", "承诺事项", "COMMITTED_ON", "承诺类型"], "f")
    assert mapped.layout == "current"
    assert [feed.columns[p].name for p in mapped.positions] == [
        "accepting_unit", "uscc", "subject_name", "matter", "committed_on", "commitment_type",
    ]
    penalty = get_feed("dept_penalty")
    # full-width brackets and stray spaces in a header still match the label
    mapped = map_header(penalty, _penalty_required() + [" 罚款金额(万元) "], "f")
    assert (mapped.layout, penalty.columns[mapped.positions[-1]].name) == ("current", "fine_amount_10k_yuan")


GB2016_PENALTY = ["行政处罚决定书文号", "处罚名称", "处罚类别1", "处罚类别2", "处罚事由", "处罚依据", "行政相对人名称",
                  "行政相对人代码_1(统一社会信用代码)", "行政相对人代码_2(组织机构代码)",
                  "行政相对人代码_3(工商登记码)", "行政相对人代码_4(税务登记号)", "行政相对人代码_5(居民身份证号)",
                  "法定代表人姓名", "处罚结果",
                  "处罚决定日期", "处罚机关", "当前状态", "地方编码", "数据更新时间戳", "备注"]


@pytest.mark.parametrize("spelling", [
    "行政相对人代码_1(统一社会信用代码)", "行政相对人代码_1 (统一社会信用代码)", "行政相对人代码-1（统一社会信用代码）",
    "行政相对人代码_1(统一社会信用代码):", "行政相对人代码_1（统一社会信用代码）：", "行政相对人代码_1",
])
def test_the_2016_format_is_recognised_from_its_header_in_every_spelling(spelling):
    penalty = get_feed("dept_penalty")
    header = [spelling if h.startswith("行政相对人代码_1") else h for h in GB2016_PENALTY]
    mapped = map_header(penalty, header, "f")
    assert mapped.layout == "gb2016"
    names = [penalty.columns[p].name for p in mapped.positions]
    assert names[:4] == ["decision_doc_no", "violation_type", "penalty_categories", "penalty_category_2"]
    assert names[7:12] == ["uscc", "org_code", "business_reg_no", "tax_reg_no", "person_id_no"]
    assert names[13] == "penalty_content"


def test_each_format_has_its_own_required_headers():
    penalty = get_feed("dept_penalty")
    with pytest.raises(FeedInputError, match=r"required header missing \(gb2016 format\): violation_type \(处罚名称\)"):
        map_header(penalty, [h for h in GB2016_PENALTY if h != "处罚名称"], "f")
    # a current-format file needs its own required columns, which the 2016 format never sends
    with pytest.raises(FeedInputError, match=r"required header missing: subject_category"):
        map_header(penalty, [c.label for c in penalty.columns if c.required and c.name != "subject_category"], "f")
    unknown = f"unknown header in column {len(GB2016_PENALTY) + 1} .*current format nor the gb2016 format"
    with pytest.raises(FeedInputError, match=unknown):
        map_header(penalty, [*GB2016_PENALTY, "处罚颜色"], "f")


def _penalty_required() -> list[str]:
    return [c.code or c.label for c in get_feed("dept_penalty").columns if c.required]


def test_unknown_and_missing_headers_are_named():
    feed = get_feed("dept_commitment")
    with pytest.raises(FeedInputError, match="file x.csv: unknown header in column 2 "):
        map_header(feed, ["主体名称", "颜色"], "file x.csv")
    with pytest.raises(FeedInputError, match=r"required header missing: .*matter \(承诺事项\)"):
        map_header(feed, ["主体名称", "统一社会信用代码", "承诺类型", "承诺日期", "受理单位"], "file x.csv")
    with pytest.raises(FeedInputError, match="the headers in columns 1 and 2 both name column uscc"):
        map_header(feed, ["uscc", "统一社会信用代码"], "file x.csv")

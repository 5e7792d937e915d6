"""Legal exclusions (法定排除事项) by meaning: real phrasings refused, lawful texts with a keyword kept.

The cases run through util.legal_exclusion_matter, the one function every gate uses, against the
patterns of the legal_exclusion seed as bootstrap loaded it.
"""

from __future__ import annotations

import csv

import pytest

from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.settings import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "dbt_project" / "seeds"

REFUSED = {
    "petition": ["因信访事项被列入失信名单", "多次到省进京非正常上访", "越级上访扰乱单位秩序", "缠访闹访影响办公",
                 "信访人反复信访", "因信訪問題被記入", "重复信访且拒不息访",
                 "当事人多次到市政府信访，扰乱机关办公秩序"],
    "demolition_dispute": ["因拆迁补偿纠纷拒不搬离", "拒不配合拆迁工作", "拆遷糾紛", "阻挠征收拆迁工作",
                           "被拆迁户拒绝签订补偿协议"],
    "red_light": ["驾驶机动车闯红灯", "行人闯 红灯", "闖紅燈", "驾驶机动车违反交通信号灯通行", "骑电动车冲红灯"],
    "dog_keeping": ["不文明养犬", "遛狗未拴绳", "携犬出户未束犬链", "饲养犬只扰民", "违规養犬", "未办理养犬登记"],
    "property_fee": ["欠缴物业费", "业主长期拖欠物业服务费", "拒交物业管理费", "未按时缴纳物业费", "拖欠物業費",
                     "欠交物业费"],
    "waste_sorting": ["未执行垃圾分类", "未按规定分类投放生活垃圾", "生活垃圾未分类投放", "混合投放生活垃圾",
                      "未按照规定进行垃圾分类", "未對垃圾進行分類", "不按规定分类投放垃圾"],
}

LAWFUL = [
    "济宁市信访局办公楼消防设施未保持完好有效",
    "某县信访接待中心食堂未取得食品经营许可证从事食品经营",
    "信访局采购项目中投标人串通投标",
    "违反《信访条例》规定的工作人员由其所在单位处理",
    "网站线上访问量统计造假",
    "未取得房屋拆迁许可证擅自实施拆迁",
    "拆迁公司未按规定处置建筑垃圾",
    "拆除违法建筑后未清运渣土",
    "销售未经检定的闯红灯自动记录系统",
    "闯红灯抓拍设备采购项目围标串标",
    "交通信号灯维护企业未按合同履约",
    "宠物医院未按规定处置犬只尸体",
    "犬类养殖场未取得动物防疫条件合格证",
    "养犬管理服务中心办公楼消防通道堵塞",
    "物业服务企业未按规定公示物业服务收费标准",
    "物业公司违规收取物业费",
    "物业服务企业擅自提高物业费标准",
    "生活垃圾分类处理厂超标排放废水",
    "垃圾分类收集容器产品质量不合格",
    "危险废物与一般废物混合投放",
    "垃圾分类运输车辆未密闭运输",
    "未按规定办理排污许可证",
]


def _matters(conn, texts: list[str]) -> list[str | None]:
    return [row[0] for row in conn.execute(
        "select util.legal_exclusion_matter(t) from unnest(%s::text[]) with ordinality as u (t, n) order by n",
        (texts,),
    )]


@pytest.mark.parametrize("matter", sorted(REFUSED))
def test_real_phrasings_of_each_matter_are_refused(superuser_conn, matter):
    assert _matters(superuser_conn, REFUSED[matter]) == [matter] * len(REFUSED[matter])


def test_lawful_texts_containing_a_keyword_pass(superuser_conn):
    assert sum(len(v) for v in REFUSED.values()) >= 20 and len(LAWFUL) >= 20
    found = dict(zip(LAWFUL, _matters(superuser_conn, LAWFUL), strict=True))
    assert {text: matter for text, matter in found.items() if matter} == {}


def test_the_gates_prefilter_matches_exactly_the_texts_naming_a_matter(superuser_conn):
    """A gate looks a matter up only in text matching util.legal_exclusion_pattern(): that must hold for
    every refused text and for no lawful one, or an excluded matter would pass unlooked-at."""
    texts = [*(t for group in REFUSED.values() for t in group), *LAWFUL]
    matched = [row[0] for row in superuser_conn.execute(
        "select coalesce(t ~ util.legal_exclusion_pattern(), false) "
        "from unnest(%s::text[]) with ordinality as u (t, n) order by n", (texts,))]
    assert matched == [matter is not None for matter in _matters(superuser_conn, texts)]
    assert sum(matched) == sum(len(v) for v in REFUSED.values())


def test_scope_names_real_columns_and_no_court_feed():
    with (SEEDS / "legal_exclusion_scope.csv").open(encoding="utf-8", newline="") as handle:
        scope = [(r["feed"], r["column_name"]) for r in csv.DictReader(handle)]
    registry = load_registry()
    for feed, column in scope:
        assert column in registry.get(feed).column_names, (feed, column)
    assert not any(registry.get(feed).family == "court" for feed, _ in scope)
    assert {"subject_name", "authority", "source_unit"}.isdisjoint({c for _, c in scope})

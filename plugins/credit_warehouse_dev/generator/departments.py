"""Department feeds: licensing and penalties (双公示), red and black lists, credit commitments."""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import cached_property

from credit_warehouse.identifiers import normalize_code
from credit_warehouse_dev.generator.authorities import (
    deciding_authority,
    doc_no,
    reporting_unit,
    serial,
)
from credit_warehouse_dev.generator.base import Built, FeedBuilder, Unit, format_date
from credit_warehouse_dev.generator.calendar import working_days_back
from credit_warehouse_dev.generator.reference import (
    LICENSE_CATEGORIES,
    LIST_TYPES,
    PENALTY_CATEGORIES,
    authority,
    joint_lists,
)
from credit_warehouse_dev.generator.subjects import Subject

NO_EXPIRY = date(2099, 12, 31)
_LICENSE_CATEGORY = dict(LICENSE_CATEGORIES)
_REPORT_LAGS = (1, 2, 3, 4, 5, 6)  # working days from decision to report
_REPORT_LAG_CUMULATIVE = (30, 55, 70, 82, 92, 100)

_COMMON_KINDS = ("full_width_code", "lower_case_code", "spaced_code", "placeholder_optional", "bad_uscc_checksum",
                 "duplicate", "future_date", "missing_required", "placeholder_required")


def subject_category(subject: Subject) -> str:
    if subject.is_person:
        return "自然人"
    return "个体工商户" if subject.kind == "individual_business" else "法人及非法人组织"


def report_lag_date(logical_date: date, rng: random.Random) -> date:
    """A decision date that reaches us within 7 working days (most within 1-3)."""
    lag = rng.choices(_REPORT_LAGS, cum_weights=_REPORT_LAG_CUMULATIVE)[0]
    return working_days_back(logical_date, lag)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def fill_subject(row: dict[str, str], subject: Subject, rng: random.Random) -> None:
    """Subject columns shared by licensing and penalties, legacy codes now and then."""
    row["subject_name"] = subject.name
    row["subject_category"] = subject_category(subject)
    if subject.is_person:
        row["person_id_type"] = "身份证"
        row["person_id_no"] = subject.person.id_no
        return
    row["uscc"] = subject.uscc
    representative = subject.legal_rep or subject.person
    if rng.random() < 0.8:
        row["legal_rep_name"] = representative.name
        if rng.random() < 0.6:
            row["legal_rep_id_type"] = "身份证"
            row["legal_rep_id_no"] = representative.id_no
    org_code = subject.uscc[8:17]
    if rng.random() < 0.2:
        row["org_code"] = org_code if rng.random() < 0.5 else f"{org_code[:8]}-{org_code[8]}"
    if subject.type_pair in ("91", "92") and rng.random() < 0.1:
        row["business_reg_no"] = subject.division_code + "".join(rng.choice("0123456789") for _ in range(9))
    if rng.random() < 0.1:
        row["tax_reg_no"] = subject.division_code + org_code
    if subject.type_pair == "12" and rng.random() < 0.5:
        row["institution_cert_no"] = f"事证第1{subject.division_code}{rng.randrange(10**5):05d}号"
    if subject.type_pair[0] == "5" and rng.random() < 0.5:
        row["social_org_cert_no"] = f"鲁民证字第{rng.randrange(10**6):06d}号"


def draw_subject(builder: FeedBuilder, rng: random.Random, person_share: float) -> Subject:
    pool = builder.night.pool
    return pool.draw_person(rng) if rng.random() < person_share else pool.draw_organisation(rng)


# (department, decision document, certificate, category code, content, years valid or 0 = no expiry, number prefix)
_LICENSES = (
    ("scjg", "食品经营许可决定书", "食品经营许可证", "01", "预包装食品（含冷藏冷冻食品）销售，热食类食品制售", 5,
     "JY3"),
    ("scjg", "特种设备使用登记决定书", "特种设备使用登记证", "05", "乘客电梯使用登记", 0, "梯11鲁A"),
    ("jtys", "道路运输经营许可决定书", "道路运输经营许可证", "01", "道路普通货物运输", 4, "鲁交运管许可济字"),
    ("jtys", "网络预约出租汽车经营许可决定书", "网络预约出租汽车经营许可证", "02", "网络预约出租汽车客运", 4, "网字"),
    ("zjj", "建筑工程施工许可决定书", "建筑工程施工许可证", "04", "新建厂房及配套设施工程施工", 0, "370100"),
    ("zjj", "建筑业企业资质许可决定书", "建筑业企业资质证书", "03", "建筑工程施工总承包三级", 5, "D337"),
    ("wjw", "公共场所卫生许可决定书", "公共场所卫生许可证", "01", "住宿、美容美发场所卫生许可", 4, "鲁卫公证字"),
    ("wjw", "医疗机构执业许可决定书", "医疗机构执业许可证", "01", "内科、外科、口腔科诊疗科目", 5, "PDY"),
    ("sthj", "排污许可决定书", "排污许可证", "01", "大气污染物、水污染物排放", 5, "91370"),
    ("xzsp", "药品经营许可决定书", "药品经营许可证", "01", "中成药、化学药制剂、抗生素制剂零售", 5, "鲁CA"),
    ("xzsp", "烟草专卖零售许可决定书", "烟草专卖零售许可证", "02", "卷烟、雪茄烟零售", 5, "3701"),
    ("xzsp", "建设项目选址意见书核发决定书", "", "04", "建设项目用地选址", 2, ""),
)
_LICENSES_BY_UNIT = {unit: [o for o in _LICENSES if o[0] == unit] for unit in {o[0] for o in _LICENSES}}


class LicenseBuilder(FeedBuilder):
    feed_name = "dept_license"
    dirt_kinds = (*_COMMON_KINDS, "bad_resident_id_checksum", "late_report")
    person_id_column = "person_id_no"
    code_columns = ("uscc",)
    date_column = "decision_date"

    def units(self) -> list[Unit]:
        day = f"{self.night.logical_date:%Y%m%d}"
        return [
            Unit("scjg", "file", f"scjg_license_{day}.csv", "csv", "utf-8", "code", "iso", 0.3),
            Unit("jtys", "file", f"jtys_license_{day}.xlsx", "xlsx", None, "label", "chinese", 0.15),
            # housing still exports the 2016 national format (its own headers and status codes)
            Unit("zjj", "file", f"zjj_license_{day}.csv", "csv", "utf-8", "gb2016", "compact", 0.15),
            Unit("wjw", "file", f"wjw_license_{day}.csv", "csv", "utf-8", "code", "slash", 0.15),
            Unit("sthj", "file", f"sthj_license_{day}.csv", "csv", "utf-8", "code", "iso", 0.1),
            Unit("xzsp", "file", f"xzsp_license_{day}.csv", "csv", "utf-8", "label", "iso", 0.15),
        ]

    def build(self, index: int, rng: random.Random) -> Built:
        unit = self.pick_unit(rng)
        department, doc_name, cert_name, category, content, years, number_prefix = rng.choice(_LICENSES_BY_UNIT[unit])
        subject = draw_subject(self, rng, person_share=0.1 if department in ("wjw", "xzsp", "jtys") else 0.03)
        row = self.empty_row()
        fill_subject(row, subject, rng)
        decided = deciding_authority(department, subject, rng)
        reporter = reporting_unit(department, decided)
        style = self.date_style(unit)
        decided_on = report_lag_date(self.night.logical_date, rng)
        row.update(
            decision_doc_name=doc_name,
            decision_doc_no=doc_no(decided.doc_prefix, "许准字", self.night.logical_date, index),
            # older systems send the category code instead of its name
            license_category=category if department in ("zjj", "sthj") else _LICENSE_CATEGORY[category],
            license_cert_name=cert_name,
            license_no=f"{number_prefix}{rng.randrange(10**9, 10**10)}" if cert_name else "",
            content=content,
            decision_date=format_date(decided_on, style),
            valid_from=format_date(decided_on, style),
            valid_to=format_date(add_years(decided_on, years) if years else NO_EXPIRY, style),
            authority=decided.name,
            authority_uscc=decided.uscc,
            status="1",
            source_unit=reporter.name,
            source_unit_uscc=reporter.uscc,
            remark=rng.choice(("", "", "", "", "暂无", "告知承诺制办理")),
        )
        return Built(row, unit)

    def as_sent(self, values: dict[str, str], unit: Unit) -> dict[str, str]:
        if unit.header != "gb2016":
            return values
        return {**values, **_gb2016_extras(values, self.night.logical_date),
                "status": _GB2016_STATUS.get(values["status"], values["status"])}


# the 2016 format: 0 正常 and 1 撤销 where the current one has 1 valid and 2 revoked
_GB2016_STATUS = {"1": "0", "2": "1"}


def _gb2016_extras(values: dict[str, str], logical_date: date) -> dict[str, str]:
    """地方编码 (from the subject's code, else the city) and 数据更新时间戳, which only the 2016 format sends."""
    code = normalize_code(values.get("uscc")) or ""  # a dirtied code (full width, spaces) still names its division
    division = code[2:8] if len(code) == 18 and code[2:8].isascii() and code[2:8].isdigit() else "370800"
    return {"division_code": division, "source_updated_at": f"{logical_date.isoformat()} 18:30:00"}


# (department, violation type, facts, legal basis)
_VIOLATIONS = (
    ("scjg", "销售超过保质期的食品", "当事人经营超过保质期的食品{n}批次，货值金额{v}元",
     "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项"),
    ("scjg", "虚假宣传", "当事人在其经营场所及网络店铺对商品的性能、功能作虚假的商业宣传",
     "《中华人民共和国反不正当竞争法》第二十条第一款"),
    ("scjg", "未按规定明码标价", "当事人销售商品未按照规定明码标价，涉及商品{n}种",
     "《中华人民共和国价格法》第四十二条"),
    ("sthj", "超标排放大气污染物", "当事人废气排放口颗粒物排放浓度超过国家规定的排放标准",
     "《中华人民共和国大气污染防治法》第九十九条第（二）项"),
    ("sthj", "未批先建", "当事人建设项目环境影响报告表未经审批擅自开工建设",
     "《中华人民共和国环境影响评价法》第三十一条第一款"),
    ("yjgl", "未按规定对从业人员进行安全生产教育和培训", "当事人未对{n}名从业人员进行安全生产教育和培训",
     "《中华人民共和国安全生产法》第九十七条第（三）项"),
    ("sw", "未按照规定期限办理纳税申报", "当事人未按照规定期限办理增值税纳税申报",
     "《中华人民共和国税收征收管理法》第六十二条"),
    ("sw", "未按规定开具发票", "当事人未按照规定开具发票{n}份", "《中华人民共和国发票管理办法》第三十五条"),
    ("jtys", "车辆超限运输", "当事人所属车辆车货总质量超过规定限值{n}吨", "《公路安全保护条例》第六十四条"),
    ("jtys", "未取得道路运输经营许可擅自从事道路普通货物运输",
     "当事人未取得道路运输经营许可，擅自从事道路普通货物运输经营",
     "《中华人民共和国道路运输条例》第六十三条"),
    ("zjj", "未取得施工许可证擅自施工", "当事人未取得施工许可证擅自施工，工程合同价款{v}元",
     "《建设工程质量管理条例》第五十七条"),
)

_VIOLATIONS_BY_UNIT = {unit: [v for v in _VIOLATIONS if v[0] == unit] for unit in {v[0] for v in _VIOLATIONS}}
_CATEGORY_SETS = ("02", "01", "01,02", "02,03", "04", "02,11", "05")
_CATEGORY_CUMULATIVE = (70, 80, 88, 94, 96, 98, 100)


def _amount_10k(value: float) -> str:
    """万元 with at most four decimals and no trailing zeros (0.2 = 2,000 yuan)."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


class PenaltyBuilder(FeedBuilder):
    feed_name = "dept_penalty"
    dirt_kinds = (*_COMMON_KINDS, "bad_resident_id_checksum", "late_report", "fine_in_yuan", "excluded_matter")
    person_id_column = "person_id_no"
    date_column = "decision_date"
    matter_column = "violation_facts"

    def units(self) -> list[Unit]:
        day = f"{self.night.logical_date:%Y%m%d}"
        # every penalty system here exports GB18030 with Chinese labels
        return [
            Unit("scjg", "file", f"scjg_penalty_{day}.csv", "csv", "gb18030", "label", "iso", 0.35),
            Unit("sthj", "file", f"sthj_penalty_{day}.csv", "csv", "gb18030", "label", "chinese", 0.1),
            Unit("yjgl", "file", f"yjgl_penalty_{day}.csv", "csv", "gb18030", "label", "compact", 0.1),
            Unit("sw", "file", f"sw_penalty_{day}.csv", "csv", "gb18030", "label", "iso", 0.2),
            # transport still exports the 2016 national format: category names in 处罚类别1/2, no 万元 column
            Unit("jtys", "file", f"jtys_penalty_{day}.csv", "csv", "gb18030", "gb2016", "slash", 0.15),
            Unit("zjj", "file", f"zjj_penalty_{day}.csv", "csv", "gb18030", "label", "iso", 0.1),
        ]

    def build(self, index: int, rng: random.Random) -> Built:
        unit = self.pick_unit(rng)
        department, violation, facts, basis = rng.choice(_VIOLATIONS_BY_UNIT[unit])
        subject = draw_subject(self, rng, person_share=0.12)
        row = self.empty_row()
        fill_subject(row, subject, rng)
        decided = deciding_authority(department, subject, rng)
        reporter = reporting_unit(department, decided)
        style = self.date_style(unit)
        decided_on = report_lag_date(self.night.logical_date, rng)
        serious = rng.random() < 0.08
        # most fines are 0.05-50 万元, log-uniform; serious cases sit at the top of the range
        fine = round(10 ** rng.uniform(0.7 if serious else -1.3, 1.7), 2)
        categories = rng.choices(_CATEGORY_SETS, cum_weights=_CATEGORY_CUMULATIVE)[0]
        content, confiscated = [], ""
        if "01" in categories:
            content.append("警告")
        if "02" in categories:
            content.append(f"罚款人民币{fine * 10000:.0f}元")
        if "03" in categories:
            seized = round(10 ** rng.uniform(-1.5, 1), 2)
            confiscated = _amount_10k(seized)
            content.append(f"没收违法所得{seized * 10000:.0f}元")
        if "04" in categories:
            content.append("责令停产停业整顿三个月")
        suspended = ""
        if "05" in categories or "11" in categories:
            suspended = f"食品经营许可证 JY3{rng.randrange(10**13, 10**14)}"
            content.append(("吊销" if "05" in categories else "暂扣") + suspended)
        publicity_days = rng.randrange(365, 3 * 365) if serious else rng.randrange(90, 365)
        row.update(
            decision_doc_no=doc_no(decided.doc_prefix, "罚字", self.night.logical_date, index),
            violation_type=violation,
            violation_facts=facts.format(n=rng.randrange(2, 30), v=rng.randrange(200, 90000)),
            legal_basis=basis,
            penalty_categories=categories,
            penalty_content="，".join(content),
            fine_amount_10k_yuan=_amount_10k(fine) if "02" in categories else "",
            confiscated_amount_10k_yuan=confiscated,
            suspended_license=suspended,
            decision_date=format_date(decided_on, style),
            valid_until=format_date(decided_on + timedelta(days=90), style) if "04" in categories or "11" in categories
            else "无处罚期限",
            # some systems fill an unknown publicity end with 1900-01-01
            publicity_until="1900-01-01" if rng.random() < 0.03
            else format_date(decided_on + timedelta(days=publicity_days), style),
            severity="严重" if serious else "一般",
            authority=decided.name,
            authority_uscc=decided.uscc,
            source_unit=reporter.name,
            source_unit_uscc=reporter.uscc,
        )
        return Built(row, unit)

    def as_sent(self, values: dict[str, str], unit: Unit) -> dict[str, str]:
        if unit.header != "gb2016":
            return values
        names = [_PENALTY_CATEGORY_NAME.get(code, code) for code in values["penalty_categories"].split(",")]
        return {**values, **_gb2016_extras(values, self.night.logical_date), "status": "0",
                "penalty_categories": names[0], "penalty_category_2": "、".join(names[1:])}


_PENALTY_CATEGORY_NAME = {code: name for code, name, _ in PENALTY_CATEGORIES}


# (honour, level, recognising department key, or a fixed unit name)
_HONOURS = (
    ("守合同重信用企业", "省级", "山东省市场监督管理局", "鲁市监信"),
    ("纳税信用A级纳税人", "省级", "国家税务总局山东省税务局", "鲁税信"),
    ("劳动保障诚信示范单位", "市级", "济南市人力资源和社会保障局", "济人社"),
    ("诚信示范企业", "市级", "济南市发展和改革委员会", "济发改信用"),
    ("海关高级认证企业", "国家级", "济南海关", "济关认"),
    ("安全生产标准化一级企业", "省级", "山东省应急管理厅", "鲁应急"),
    ("济宁市诚信经营示范店", "市级", "济宁市市场监督管理局", "济宁市监"),
)


_PERSON_HONOURS = (
    ("济南市道德模范（诚实守信类）", "市级", "济南市发展和改革委员会", "济发改信用"),
    ("济宁市诚信之星", "市级", "济宁市发展和改革委员会", "济宁发改信用"),
)


class RedlistBuilder(FeedBuilder):
    feed_name = "dept_redlist"
    person_id_column = "person_id_no"
    dirt_kinds = ("full_width_code", "lower_case_code", "placeholder_optional", "bad_uscc_checksum", "duplicate",
                  "future_date", "missing_required")
    date_column = "recognised_on"

    def units(self) -> list[Unit]:
        return [Unit("fgw", "file", f"redlist_{self.night.logical_date:%Y%m%d}.csv", "csv", "utf-8-sig", "label",
                     "slash")]

    def build(self, index: int, rng: random.Random) -> Built:
        recognised = working_days_back(self.night.logical_date, rng.randrange(1, 10))
        row = self.empty_row()
        if rng.random() < 0.08:  # 诚信典型 persons (道德模范, 诚信之星) are honoured too
            subject = self.night.pool.draw_person(rng)
            honour, level, unit_name, prefix = rng.choice(_PERSON_HONOURS)
            row.update(subject_name=subject.name, person_id_no=subject.person.id_no)
        else:
            subject = self.night.pool.draw_organisation(rng, ("91", "93", "12", "52"))
            honour, level, unit_name, prefix = rng.choice(_HONOURS)
            row.update(subject_name=subject.name, uscc=subject.uscc)
        row.update(
            honour_name=honour,
            honour_content=f"{recognised.year - 1}年度{honour}",
            honour_level=level,
            recognising_unit=unit_name,
            recognition_doc_no=doc_no(prefix, "", self.night.logical_date, index),
            recognised_on=format_date(recognised, "slash"),
            valid_to=format_date(add_years(recognised, rng.choice((1, 2, 3))), "slash"),
        )
        return Built(row, "fgw")


# list type -> (department key, listing reason, persons possible)
_LISTINGS = {
    2: ("sw", "当事人虚开增值税专用发票{n}份，涉及税额{v}元，构成重大税收违法失信案件", False),
    3: ("yjgl", "当事人发生生产安全责任事故，造成{n}人死亡，被依法列入安全生产严重失信主体名单", False),
    4: ("scjg", "当事人生产销售不合格产品，货值金额{v}元，情节严重", False),
    5: ("tjj", "当事人在统计调查中提供不真实统计资料，情节严重", False),
    6: ("hg", "当事人被海关认定为失信企业", False),
    7: ("gaj", "当事人以高额回报为诱饵非法吸收公众存款{v}元", True),
    8: ("scjg", "当事人被列入经营异常名录届满3年仍未履行相关义务", False),
    10: ("jrj", "当事人作为私募投资基金管理人挪用基金财产{v}元", False),
    11: ("jrj", "当事人具备还款能力而恶意逃废银行债务{v}元", True),
    12: ("nyj", "当事人窃电{n}千瓦时，拒不接受处理", False),
    13: ("mzj", "当事人在慈善募捐活动中骗取财产{v}元", False),
    14: ("rsj", "当事人拖欠{n}名农民工工资共计{v}元，经责令限期支付逾期未支付", True),
}
_LIST_NAMES = {t.code: t.name for t in LIST_TYPES}


class BlacklistBuilder(FeedBuilder):
    feed_name = "dept_blacklist"
    dirt_kinds = ("full_width_code", "lower_case_code", "bad_uscc_checksum", "bad_resident_id_checksum", "duplicate",
                  "future_date", "missing_required", "excluded_matter")
    person_id_column = "person_id_no"
    date_column = "listed_on"
    matter_column = "listing_reason"

    def units(self) -> list[Unit]:
        # the collected lists come from an older exchange system in GBK
        return [Unit("fgw", "file", f"blacklist_{self.night.logical_date:%Y%m%d}.csv", "csv", "gbk", "label",
                     "chinese")]

    def build(self, index: int, rng: random.Random) -> Built:
        list_type = rng.choices(tuple(_LISTINGS), (12, 8, 10, 3, 3, 4, 25, 2, 6, 4, 2, 21))[0]
        department, reason, persons = _LISTINGS[list_type]
        pool = self.night.pool
        subject = pool.draw_person(rng) if persons and rng.random() < 0.3 else pool.draw_organisation(rng)
        listed = working_days_back(self.night.logical_date, rng.randrange(1, 7))
        lister = authority(department, "370100" if rng.random() < 0.7 else "370800")
        row = self.empty_row()
        row.update(
            subject_name=subject.name,
            subject_category=subject_category(subject),
            uscc=subject.uscc or "",
            person_id_no=subject.person.id_no if subject.is_person else "",
            # some lists send the type name, others its number
            list_type=_LIST_NAMES[list_type] if rng.random() < 0.7 else str(list_type),
            listing_reason=reason.format(n=rng.randrange(2, 60), v=rng.randrange(50_000, 9_000_000)),
            listing_doc_no=doc_no(lister.doc_prefix, "失信", self.night.logical_date, index),
            listed_on=format_date(listed, "chinese"),
            listing_authority=lister.name,
            publicity_until=format_date(add_years(listed, 3), "chinese"),
        )
        return Built(row, "fgw")


_COMMITMENTS = (
    ("审批替代型", "申请{licence}，承诺符合许可条件"),
    ("主动承诺型", "主动向社会公开作出诚信经营承诺"),
    ("信用修复型", "申请信用修复，承诺已纠正失信行为并自觉接受监督"),
    ("行业自律型", "承诺遵守行业自律公约，诚信经营"),
)


class CommitmentBuilder(FeedBuilder):
    feed_name = "dept_commitment"
    dirt_kinds = ("full_width_code", "lower_case_code", "spaced_code", "bad_uscc_checksum", "duplicate", "future_date",
                  "missing_required", "placeholder_required")
    date_column = "committed_on"

    def units(self) -> list[Unit]:
        return [Unit("xzsp", "file", f"commitment_{self.night.logical_date:%Y%m%d}.csv", "csv", "utf-8-sig", "label",
                     "compact")]

    def build(self, index: int, rng: random.Random) -> Built:
        subject = self.night.pool.draw_organisation(rng)
        kind, matter = rng.choice(_COMMITMENTS)
        committed = working_days_back(self.night.logical_date, rng.randrange(1, 6))
        fulfilment = rng.choices(("履约中", "履约", "违约"), (70, 25, 5))[0]
        licence = rng.choice(_LICENSES)[2] or "建设项目选址意见书"
        day = self.night.logical_date
        row = self.empty_row()
        row.update(
            subject_name=subject.name,
            uscc=subject.uscc,
            commitment_type=kind,
            # the acceptance number makes each commitment its own matter
            matter=f"{matter.format(licence=licence)}（受理编号SL{day:%Y}{serial(day, index)}）",
            committed_on=format_date(committed, "compact"),
            accepting_unit=authority(rng.choice(("xzsp", "scjg", "fgw")), "370100").name,
            fulfilment=fulfilment,
            breach_noted_on=format_date(self.night.logical_date, "compact")
            if fulfilment == "违约" else "",
        )
        return Built(row, "xzsp")


_MARKET_TYPES = {"91": ("个人独资企业", "合伙企业"), "92": ("个体工商户",), "93": ("农民专业合作社",)}
_CLOSURES = (("存续", 90), ("注销", 6), ("吊销，未注销", 2), ("迁出", 2))


def _market_type(subject: Subject, rng: random.Random) -> str:
    """The register's type of a market subject, as its name says where it can."""
    for form in ("股份有限公司", "有限责任公司", "有限公司"):
        if subject.type_pair == "91" and form in subject.name:
            return "有限责任公司" if form == "有限公司" else form
    return rng.choice(_MARKET_TYPES[subject.type_pair])


class MarketSubjectBuilder(FeedBuilder):
    """The market register (市场主体登记) of the platform's city: row i is the i-th market subject of the pool
    registered there (USCC authority 9). Each subject's registration is a pure function of the subject, so a
    later night repeats it unchanged until its closure date has passed, then reports the closure."""

    feed_name = "dept_market_subject"
    dirt_kinds = ("full_width_code", "lower_case_code", "spaced_code", "bad_uscc_checksum", "duplicate",
                  "future_date", "missing_required")
    date_column = "established_on"
    city_code = "370100"

    def units(self) -> list[Unit]:
        return [Unit("scjg", "file", f"market_subject_{self.night.logical_date:%Y%m%d}.csv", "csv", "utf-8", "label",
                     "iso")]

    @cached_property
    def _subjects(self) -> list[Subject]:
        pool = self.night.pool
        return [subject for subject in map(pool.get, range(pool.size))
                if subject.type_pair in _MARKET_TYPES and subject.division_code[:4] + "00" == self.city_code]

    def row_count(self) -> int:
        return min(self.night.rows, len(self._subjects))

    def build(self, index: int, rng: random.Random) -> Built:
        subject = self._subjects[index]
        own = random.Random(f"register:{self.night.seed}:{subject.index}")
        established = date(1995, 1, 1) + timedelta(days=own.randrange((date(2026, 6, 30) - date(1995, 1, 1)).days))
        status = own.choices([s for s, _ in _CLOSURES], [w for _, w in _CLOSURES])[0]
        closed = max(established, date(2024, 1, 1)) + timedelta(days=own.randrange(1100))
        if status != "存续" and closed > self.night.logical_date:
            status = "存续"  # not closed yet on this night
        row = self.empty_row()
        row.update(
            uscc=subject.uscc,
            subject_name=subject.name,
            subject_type=_market_type(subject, own),
            registration_status=status,
            established_on=format_date(established, "iso"),
            closed_on=format_date(closed, "iso") if status in ("注销", "吊销，未注销") else "",
            division_code=subject.division_code,
            registration_authority=authority("scjg", subject.division_code).name,
        )
        return Built(row, "scjg")


class JointMeasureFeedbackBuilder(FeedBuilder):
    """奖惩案例反馈: the joint rewards and sanctions implementing units applied, one case per row, each naming an item
    of the four lists (measures only) and the listing or honour document it rests on; collected by the credit office
    and delivered with the month."""

    feed_name = "dept_joint_measure_feedback"
    dirt_kinds = ("full_width_code", "lower_case_code", "bad_uscc_checksum", "bad_resident_id_checksum", "duplicate",
                  "future_date", "missing_required")
    person_id_column = "person_id_no"
    date_column = "applied_on"

    def units(self) -> list[Unit]:
        return [Unit("fgw", "file", f"joint_measure_feedback_{self.night.logical_date:%Y%m%d}.csv", "csv", "utf-8",
                     "label", "iso")]

    def build(self, index: int, rng: random.Random) -> Built:
        item = rng.choice(_FEEDBACK_MEASURES)
        sanction = item.list_kind == "sanction_measure"
        pool = self.night.pool
        # court-listed debtors are persons as often as not; honours and other lists mostly go to organisations
        person = sanction and item.list_type_code in (1, 9, None) and rng.random() < 0.4
        subject = pool.draw_person(rng) if person else pool.draw_organisation(rng)
        unit = item.implementing_units.split("；")[0]
        day = self.night.logical_date
        row = self.empty_row()
        row.update(
            case_id=f"JC{day:%Y%m}{serial(day, index)}",
            implementing_unit=f"济南市{unit}" if not unit.startswith(("民航", "铁路")) else unit,
            measure_direction=rng.choice(("惩戒", "失信惩戒")) if sanction else rng.choice(("激励", "守信激励")),
            item_code=item.code,
            subject_name=subject.name,
            uscc=subject.uscc or "",
            person_id_no=subject.person.id_no if subject.is_person else "",
            trigger_doc_no=doc_no("济发改信用", "失信" if sanction else "守信", day, index),
            applied_on=format_date(working_days_back(day, rng.randrange(1, 20)), "iso"),
            measure_content=f"依据{item.legal_basis}，{item.measure}",
        )
        return Built(row, "fgw")


_FEEDBACK_MEASURES = tuple(item for item in joint_lists()
                           if item.list_kind in ("sanction_measure", "incentive_measure"))

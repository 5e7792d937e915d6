"""Reference data (code tables) as Python data: the single source of the dbt seeds and the generator.

``write_seeds`` writes dbt_project/seeds/*.csv from these tables, so the CSVs are reproducible;
the generator draws its codes from the same tables, so every code it emits exists in ``ref``.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from credit_warehouse.identifiers import make_uscc
from credit_warehouse_dev.generator.calendar import write_calendar_csv


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # province | city | county

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def city_code(self) -> str | None:
        return None if self.level == "province" else self.code[:4] + "00"


# GB/T 2260 codes as of 2023. Shandong's Jinan and Jining in full (the platform's home), plus
# the capitals of a few other provinces and the places the source policy documents name.
_DIVISIONS = """
370000 山东省 province
370100 济南市 city
370102 历下区 county
370103 市中区 county
370104 槐荫区 county
370105 天桥区 county
370112 历城区 county
370113 长清区 county
370114 章丘区 county
370115 济阳区 county
370116 莱芜区 county
370117 钢城区 county
370124 平阴县 county
370126 商河县 county
370200 青岛市 city
370202 市南区 county
370203 市北区 county
370211 黄岛区 county
370800 济宁市 city
370811 任城区 county
370812 兖州区 county
370826 微山县 county
370827 鱼台县 county
370828 金乡县 county
370829 嘉祥县 county
370830 汶上县 county
370831 泗水县 county
370832 梁山县 county
370881 曲阜市 county
370883 邹城市 county
110000 北京市 province
110100 市辖区 city
110101 东城区 county
110102 西城区 county
110105 朝阳区 county
110108 海淀区 county
310000 上海市 province
310100 市辖区 city
310101 黄浦区 county
310104 徐汇区 county
310115 浦东新区 county
320000 江苏省 province
320100 南京市 city
320102 玄武区 county
320106 鼓楼区 county
330000 浙江省 province
330100 杭州市 city
330102 上城区 county
330106 西湖区 county
340000 安徽省 province
340100 合肥市 city
340102 瑶海区 county
340103 庐阳区 county
340104 蜀山区 county
340111 包河区 county
341100 滁州市 city
341102 琅琊区 county
341122 来安县 county
350000 福建省 province
350100 福州市 city
350102 鼓楼区 county
350400 三明市 city
350404 三元区 county
350421 明溪县 county
350481 永安市 county
410000 河南省 province
410100 郑州市 city
410102 中原区 county
410105 金水区 county
220000 吉林省 province
220100 长春市 city
220102 南关区 county
220104 朝阳区 county
440000 广东省 province
440100 广州市 city
440103 荔湾区 county
440104 越秀区 county
440106 天河区 county
440113 番禺区 county
"""

DIVISIONS: tuple[Division, ...] = tuple(
    Division(*line.split()) for line in _DIVISIONS.strip().splitlines()
)
DIVISION_BY_CODE = {d.code: d for d in DIVISIONS}
COUNTIES = tuple(d for d in DIVISIONS if d.level == "county")
# counties created after 2012 (older residents' IDs carry the predecessor code), kept off birth places
NEW_COUNTIES = frozenset({"370114", "370115", "370116", "370117", "370812"})

PROVINCE_ABBREVIATION = {"37": "鲁", "11": "京", "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽",
                         "41": "豫", "22": "吉", "44": "粤"}


def division_full_name(code: str) -> str:
    """Province + city + county, as an address starts (municipalities skip the 市辖区 level)."""
    county = DIVISION_BY_CODE[code]
    province = DIVISION_BY_CODE[county.province_code]
    city = DIVISION_BY_CODE[county.city_code]
    if city.name == "市辖区":
        return province.name + county.name
    return province.name + city.name + county.name


@dataclass(frozen=True)
class ListType:
    code: int
    name: str
    owner_department: str
    domain: str  # lists of one domain count once for 重点监管对象 (two or more domains)
    authority_pattern: str  # the listing authorities that own the list (regex); empty: any department


LIST_TYPES: tuple[ListType, ...] = (
    ListType(1, "失信被执行人", "人民法院", "judicial", "法院"),
    ListType(2, "重大税收违法案件当事人", "税务部门", "taxation", "税务"),
    ListType(3, "安全生产黑名单", "应急管理部门", "work_safety", "应急管理|安全生产监督"),
    ListType(4, "严重质量失信企业", "市场监督管理部门", "product_quality", "市场监督管理|质量技术监督"),
    ListType(5, "统计上严重失信企业", "统计部门", "statistics", "统计"),
    ListType(6, "海关失信认证企业", "海关", "customs", "海关"),
    ListType(7, "非法集资名单", "公安部门", "illegal_fundraising", "公安|处置非法集资|金融监督管理"),
    ListType(8, "其他严重违法名单", "各相关部门", "other", ""),
    ListType(9, "严重失信债务人名单", "人民法院", "judicial", "法院"),
    ListType(10, "严重失信PE/VC企业名单", "金融监管部门", "finance", "金融|证券监督管理|证监"),
    ListType(11, "恶意逃废债借款人名单", "金融监管部门", "finance", "金融|银行保险监督管理|银保监|人民银行"),
    ListType(12, "涉电力领域失信关联黑名单", "能源部门", "energy", "能源|发展和改革|发展改革|电力"),
    ListType(13, "慈善捐助失信问题领域黑名单", "民政部门", "charity", "民政"),
    ListType(14, "拖欠农民工工资黑名单", "人力资源和社会保障部门", "labour", "人力资源和社会保障|人社"),
)

LICENSE_CATEGORIES = (("01", "普通"), ("02", "特许"), ("03", "认可"), ("04", "核准"), ("05", "登记"), ("06", "其他"))

# (code, name, other names systems send, '|'-separated): the 2016 format sends names, not codes
PENALTY_CATEGORIES = (
    ("01", "警告", ""), ("02", "罚款", ""), ("03", "没收违法所得", ""), ("04", "责令停产停业", ""),
    ("05", "吊销许可证", "吊销许可证件|吊销执照|吊销营业执照"), ("06", "行政拘留", ""),
    ("07", "法律、行政法规规定的其他行政处罚",
     "法律行政法规规定的其他行政处罚|法律、行政法规规定的其他|法律行政法规规定的其他|其他行政处罚|其他"),
    ("08", "通报批评", ""), ("09", "没收非法财物", ""), ("10", "降低资质等级", ""),
    ("11", "暂扣许可证", "暂扣许可证件|暂扣执照"), ("12", "限制开展生产经营活动", "限制开展经营活动|限制生产经营活动"),
    ("13", "限制从业", ""), ("14", "责令关闭", ""),
)

_SPC_2015_17 = "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》（法释〔2015〕17号）"
_SPC_2017_7 = "《最高人民法院关于公布失信被执行人名单信息的若干规定》（法释〔2017〕7号）"
_GF_2016_33 = "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）"
_SAMR_44 = "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）"

# (code, name, kind, list type or None for every list, legal basis): a subset of the national
# 失信惩戒措施基础清单 with the measures the marts join to black-list entries.
SANCTION_MEASURES: tuple[tuple[str, str, str, int | None, str], ...] = (
    ("SM001", "限制乘坐飞机、列车软卧及G字头动车组全部座位等高消费行为", "consumption_restriction", 1, _SPC_2015_17),
    ("SM002", "限制子女就读高收费私立学校", "consumption_restriction", 1, _SPC_2015_17),
    ("SM003", "限制担任企业法定代表人及董事、监事、高级管理人员", "office_holding", 1, _SPC_2017_7),
    ("SM004", "限制出境", "exit_restriction", 1, "《中华人民共和国民事诉讼法》"),
    ("SM005", "阻止欠税当事人出境", "exit_restriction", 2, "《中华人民共和国税收征收管理法》第四十四条"),
    ("SM006", "纳税信用级别直接判为D级，提高监督检查频次", "supervision", 2,
     "《重大税收违法失信主体信息公布管理办法》（国家税务总局令第54号）"),
    ("SM007", "限制乘坐飞机、列车软卧", "consumption_restriction", 2,
     "《关于对重大税收违法案件当事人实施联合惩戒措施的合作备忘录》（发改财金〔2014〕3062号）"),
    ("SM008", "列为重点监管对象，提高检查频次", "supervision", 3,
     "《安全生产严重失信主体名单管理办法》（应急管理部令第11号）"),
    ("SM009", "依法限制参加政府采购、工程招投标", "public_procurement", 3,
     "《安全生产严重失信主体名单管理办法》（应急管理部令第11号）"),
    ("SM010", "提高抽查比例和频次，不予适用告知承诺制", "supervision", 4, _SAMR_44),
    ("SM011", "不得担任其他企业法定代表人、负责人", "office_holding", 8, _SAMR_44),
    ("SM012", "取消参加评先评优资格", "honours", 5, "《中华人民共和国统计法》"),
    ("SM013", "提高进出口货物查验率，不予免除风险担保", "supervision", 6,
     "《中华人民共和国海关注册登记和备案企业信用管理办法》（海关总署令第251号）"),
    ("SM014", "限制参与政府投资项目和财政资金支持", "subsidy", 7,
     "《防范和处置非法集资条例》（国务院令第737号）"),
    ("SM015", "限制新增私募基金产品备案", "market_access", 10,
     "《私募投资基金监督管理条例》（国务院令第762号）"),
    ("SM016", "限制新增授信和发行债券", "financing", 11, _GF_2016_33),
    ("SM017", "限制参与电力市场交易", "market_access", 12, "《中华人民共和国电力法》"),
    ("SM018", "不予公开募捐资格，取消评优评先", "honours", 13,
     "《中华人民共和国慈善法》；《社会组织信用信息管理办法》（民政部令第60号）"),
    ("SM019", "限制政府资金支持、政府采购、招投标、融资贷款、市场准入、评优评先", "public_procurement", 14,
     "《保障农民工工资支付条例》（国务院令第724号）第四十八条"),
    ("SM020", "限制参加政府采购活动", "public_procurement", None, "《中华人民共和国政府采购法》第二十二条"),
    ("SM021", "限制申请财政性资金项目", "subsidy", None, _GF_2016_33),
    ("SM022", "限制参评表彰奖励和荣誉称号", "honours", None, _GF_2016_33),
    ("SM023", "限制担任国有企业法定代表人、董事、监事", "office_holding", None, _GF_2016_33),
    ("SM024", "限制高消费", "consumption_restriction", 9, _SPC_2015_17),
)


@dataclass(frozen=True)
class JointListItem:
    """One item of the four lists of joint rewards and sanctions (联合奖惩"四张清单"); the plans name its
    contents: 行政单位, 实施事由, 法律依据, 联合奖惩实施单位, 措施内容, 证据材料."""

    code: str
    list_kind: str  # honour_scope | dishonesty_scope | incentive_measure | sanction_measure
    administrative_unit: str  # 行政单位: the department that owns the item
    trigger: str  # 实施事由
    legal_basis: str  # 法律依据
    implementing_units: str  # 联合奖惩实施单位, '；'-separated
    measure: str  # 措施内容
    evidence: str  # 证据材料
    measure_kind: str | None = None  # measures only
    list_type_code: int | None = None  # dishonesty scope and sanctions: the black list (None: every list)
    honour_pattern: str | None = None  # honour scope and incentives: the honours concerned (regex; None: every)


JOINT_LIST_NAMES = {
    "honour_scope": "诚信典型范围清单",
    "dishonesty_scope": "严重失信行为及主体范围清单",
    "incentive_measure": "守信激励政策措施清单",
    "sanction_measure": "失信惩戒政策措施清单",
}

# who applies a measure of each kind (联合奖惩实施单位); supervision measures are applied by the list's owner
_IMPLEMENTING_UNITS = {
    "consumption_restriction": "民航管理部门；铁路运输企业；文化和旅游部门",
    "office_holding": "市场监督管理部门；国有资产监督管理部门",
    "exit_restriction": "公安机关出入境管理部门；海关",
    "public_procurement": "财政部门；公共资源交易中心；住房和城乡建设部门",
    "subsidy": "财政部门；发展和改革部门",
    "market_access": "证券监督管理部门；能源部门；发展和改革部门",
    "financing": "人民银行；银行保险监督管理部门",
    "honours": "文明办；各评优表彰组织部门",
}

_LIST_BY_CODE = {t.code: t for t in LIST_TYPES}
_LISTING_EVIDENCE = "列入决定书及送达凭证（文号见名单记录）"

_HONOUR_SCOPES = (  # (code, owner, honours (regex), legal basis)
    ("HS01", "市场监督管理部门", "守合同重信用", "《国家工商行政管理总局关于“守合同重信用”企业公示工作的若干意见》"),
    ("HS02", "税务部门", "纳税信用A级", "《纳税信用管理办法（试行）》（国家税务总局公告2014年第40号）"),
    ("HS03", "人力资源和社会保障部门", "劳动保障诚信", "《企业劳动保障守法诚信等级评价办法》（人社部规〔2016〕1号）"),
    ("HS04", "发展和改革部门", "诚信示范|诚信经营示范|道德模范|诚信之星", _GF_2016_33),
    ("HS05", "海关", "海关高级认证", "《中华人民共和国海关注册登记和备案企业信用管理办法》（海关总署令第251号）"),
    ("HS06", "应急管理部门", "安全生产标准化一级", "《企业安全生产标准化建设定级办法》（应急〔2021〕83号）"),
)

_INCENTIVES = (  # (code, measure, kind, units, honours (regex) or None for every honour, legal basis)
    ("IM01", "行政审批“绿色通道”，容缺受理、优先办理", "administrative_approval", "行政审批服务部门", None,
     _GF_2016_33),
    ("IM02", "优先安排财政性资金项目和政府投资项目", "subsidy", "财政部门；发展和改革部门", None, _GF_2016_33),
    ("IM03", "降低日常监督检查频次（“双随机”抽查比例下调）", "supervision", "市场监督管理部门；相关行业主管部门",
     None, _GF_2016_33),
    ("IM04", "公共资源交易中给予信用加分", "public_procurement", "公共资源交易中心；财政部门", None, _GF_2016_33),
    ("IM05", "增值税专用发票按需领用，出口退税优先办理", "taxation", "税务部门", "纳税信用A级",
     "《关于对纳税信用A级纳税人实施联合激励措施的合作备忘录》（发改财金〔2016〕1467号）"),
    ("IM06", "融资授信给予优惠利率和额度", "financing", "人民银行；银行保险监督管理部门", None, _GF_2016_33),
    ("IM07", "海关通关便利，降低查验率", "customs", "海关", "海关高级认证",
     "《关于对海关高级认证企业实施联合激励的合作备忘录》（发改财金〔2016〕2190号）"),
)


def joint_lists() -> list[JointListItem]:
    """The four lists: a scope item per black-list type and per kind of honour, and the measures that follow."""
    items = [JointListItem(
        f"DS{t.code:02d}", "dishonesty_scope", t.owner_department, f"被依法认定并列入{t.name}",
        next((basis for _, _, _, code, basis in SANCTION_MEASURES if code == t.code), _GF_2016_33),
        "社会信用体系建设联席会议各成员单位", f"认定为严重失信主体，列入{t.name}并推送联合惩戒实施单位",
        _LISTING_EVIDENCE, list_type_code=t.code) for t in LIST_TYPES]
    items += [JointListItem(
        code, "honour_scope", owner, f"被授予{pattern.split('|')[0]}等诚信典型荣誉", basis,
        "社会信用体系建设联席会议各成员单位", "认定为诚信典型，列入红名单并推送联合激励实施单位",
        "荣誉授予文件（文号见红名单记录）", honour_pattern=pattern) for code, owner, pattern, basis in _HONOUR_SCOPES]
    items += [JointListItem(
        code, "incentive_measure", "发展和改革部门", f"被列入{pattern or '诚信典型'}红名单", basis, units, measure,
        "红名单记录及荣誉授予文件", measure_kind=kind, honour_pattern=pattern)
        for code, measure, kind, units, pattern, basis in _INCENTIVES]
    for code, name, kind, list_type, basis in SANCTION_MEASURES:
        listed = _LIST_BY_CODE.get(list_type)
        units = listed.owner_department if kind == "supervision" and listed else _IMPLEMENTING_UNITS[kind]
        items.append(JointListItem(
            code, "sanction_measure", listed.owner_department if listed else "发展和改革部门",
            f"被列入{listed.name if listed else '严重失信主体名单'}", basis, units, name, _LISTING_EVIDENCE,
            measure_kind=kind, list_type_code=list_type))
    return items


AUTHORITIES = {
    "1": "机构编制", "2": "外交", "3": "司法行政", "4": "文化", "5": "民政", "6": "旅游", "7": "宗教", "8": "工会",
    "9": "工商", "A": "中央军委改革和编制办公室", "N": "农业", "Y": "其他",
}

# (authority, type, type name, subject kind): every pair of GB 32100-2015 annex
USCC_SUBJECT_TYPES: tuple[tuple[str, str, str, str], ...] = (
    ("1", "1", "机关", "legal_person"),
    ("1", "2", "事业单位", "legal_person"),
    ("1", "3", "中央编办直接管理机构编制的群众团体", "legal_person"),
    ("1", "9", "其他", "other"),
    ("2", "1", "外国常驻新闻机构", "unincorporated"),
    ("2", "9", "其他", "other"),
    ("3", "1", "律师执业机构", "unincorporated"),
    ("3", "2", "公证处", "legal_person"),
    ("3", "3", "基层法律服务所", "unincorporated"),
    ("3", "4", "司法鉴定机构", "unincorporated"),
    ("3", "5", "仲裁委员会", "legal_person"),
    ("3", "9", "其他", "other"),
    ("4", "1", "外国在华文化中心", "unincorporated"),
    ("4", "9", "其他", "other"),
    ("5", "1", "社会团体", "legal_person"),
    ("5", "2", "民办非企业单位", "legal_person"),
    ("5", "3", "基金会", "legal_person"),
    ("5", "9", "其他", "other"),
    ("6", "1", "外国旅游部门常驻代表机构", "unincorporated"),
    ("6", "2", "港澳台地区旅游部门常驻内地（大陆）代表机构", "unincorporated"),
    ("6", "9", "其他", "other"),
    ("7", "1", "宗教活动场所", "legal_person"),
    ("7", "2", "宗教院校", "legal_person"),
    ("7", "9", "其他", "other"),
    ("8", "1", "基层工会", "legal_person"),
    ("8", "9", "其他", "other"),
    ("9", "1", "企业", "legal_person"),
    ("9", "2", "个体工商户", "individual_business"),
    ("9", "3", "农民专业合作社", "legal_person"),
    ("A", "1", "军队事业单位", "legal_person"),
    ("A", "9", "其他", "other"),
    ("N", "1", "组级集体经济组织", "legal_person"),
    ("N", "2", "村级集体经济组织", "legal_person"),
    ("N", "3", "乡镇级集体经济组织", "legal_person"),
    ("N", "9", "其他", "other"),
    ("Y", "1", "其他", "other"),
)

# Matters that must never become credit records without a law saying so (法定排除事项), matched by
# meaning: each pattern (PostgreSQL regular expression, simplified and traditional characters)
# names the matter as records phrase it, and leaves lawful texts that merely contain a keyword alone
# (a 信访局 as the unit penalised, a company penalised for how it demolishes, a red-light camera).
LEGAL_EXCLUSIONS = (
    ("petition", "信访",
     r"(非正常|越级|越級|重复|重複|集体|集體|无理|無理|缠|纏|闹|鬧|进京|進京)[上信]?[访訪]"
     r"|上[访訪](?![问問客])"
     r"|信[访訪](?!局|办|辦|室|接待|中心|部门|部門|工作|系统|系統|大厅|大廳|干部|幹部|窗口|条例|條例)",
     "信访事项不得作为失信行为纳入信用记录（无法律法规依据）"),
    ("demolition_dispute", "拆迁纠纷",
     r"拆[迁遷](补偿|補償|安置)?(纠纷|糾紛|争议|爭議|矛盾)"
     r"|(拒不|拒绝|拒絕|不同意|不配合)(配合)?(拆[迁遷]|搬[迁遷]|搬离|搬離|腾退|騰退|签订(拆迁|征收)?补偿协议|簽訂(拆遷|徵收)?補償協議)"
     r"|阻[挠撓](征收|徵收|拆[迁遷]|搬[迁遷])|被拆[迁遷](户|戶|人)|[钉釘]子[户戶]",
     "拆迁纠纷不得纳入信用记录（无法律法规依据）"),
    ("red_light", "闯红灯",
     r"[闯闖冲衝]\s*[红紅]\s*[灯燈](?!\s*(自动|自動|抓拍|记录|記錄|监测|監測|设备|設備|系统|系統|电子|電子|识别|識別))"
     r"|(违反|違反|不按)(道路)?(交通)?信[号號][灯燈](指示|规定|規定)?(通行)?",
     "闯红灯等交通违法行为不得纳入信用记录（无法律法规依据）"),
    ("dog_keeping", "不文明养犬",
     r"(不文明|违规|違規|违法|違法|未依法|非法)[饲飼]?[养養](犬|狗)|[养養](犬|狗)不文明"
     r"|[遛溜](犬|狗)未[拴束牵牽系繫]|携犬出[户戶]未|未[束系繫]犬[链鏈绳繩]"
     r"|(犬|狗)[只隻]?(扰民|擾民|伤人|傷人|随地便溺|隨地便溺)"
     r"|未(办理|辦理|取得)?[养養]犬(登记|登記|证|證)",
     "不文明养犬不得纳入信用记录（无法律法规依据）"),
    ("property_fee", "欠缴物业费",
     r"(欠|拖欠|拒|未按?[时時期]?|不)(缴纳|繳納|交纳|交納|缴|繳|交|付|支付)?(的)?物[业業](服务|服務|管理)?[费費]",
     "欠缴物业费不得纳入信用记录（无法律法规依据）"),
    ("waste_sorting", "未执行垃圾分类",
     r"(未|不|没有|沒有)(执行|執行|按照?规定|按照?規定)?(进行|進行)?(生活)?(垃圾)?分[类類](投放|收集)?(生活)?垃圾"
     r"|(未|不|没有|沒有)(执行|執行|按照?规定|按照?規定)?(进行|進行)?(生活)?垃圾分[类類]"
     r"|(未|不|没有|沒有)(按照?规定|按照?規定)?分[类類]投放|垃圾未(分类|分類)|混合投放(生活)?垃圾"
     r"|未[对對](生活)?垃圾(进行|進行)分[类類]",
     "未执行垃圾分类不得纳入信用记录（无法律法规依据）"),
)

# the columns each feed's matter is read from: what the record is about (matter, facts, reason, type),
# never the unit's name, and no court feed (a judgment is itself the legal basis)
LEGAL_EXCLUSION_SCOPE = (
    ("dept_license", "content"),
    ("dept_penalty", "violation_type"),
    ("dept_penalty", "violation_facts"),
    ("dept_blacklist", "listing_reason"),
    ("dept_commitment", "matter"),
)

# 当前状态 of double-publicity records, mapped by the national format the file was written in (never
# guessed per value): (layout, status sent, status in the current format, meaning). The 2016 format's
# 2 (异议, under objection) stays in force; its 3 (其他) has no meaning and is refused at the gate.
RECORD_STATUSES = (
    ("current", "1", "1", "有效"),
    ("current", "2", "2", "撤销"),
    ("gb2016", "0", "1", "正常"),
    ("gb2016", "1", "2", "撤销"),
    ("gb2016", "2", "1", "异议（仍有效）"),
)

# (code, name, publishable to public interfaces, shown in the analysts' views)
DISCLOSURE_CLASSES = (
    ("public", "社会公开", True, True),
    ("authorised", "授权查询", False, False),
    ("government", "政务共享", False, True),
)


# Government departments that decide, list and report: names, USCCs, document-number prefixes.
HOME_CITIES = ("370100", "370800")  # the platform's cities: Jinan and Jining
_CITY_SHORT = {"370100": "济", "370800": "济宁"}  # document-number abbreviations


@dataclass(frozen=True)
class Department:
    key: str  # ASCII key used in file names
    name: str  # 市场监督管理局 ...
    abbreviation: str  # 市监 ... (document numbers)


DEPARTMENTS = {
    d.key: d for d in (
        Department("scjg", "市场监督管理局", "市监"),
        Department("jtys", "交通运输局", "交运"),
        Department("zjj", "住房和城乡建设局", "建"),
        Department("wjw", "卫生健康委员会", "卫"),
        Department("sthj", "生态环境局", "环"),
        Department("xzsp", "行政审批服务局", "审批"),
        Department("yjgl", "应急管理局", "应急"),
        Department("sw", "税务局", "税"),
        Department("rsj", "人力资源和社会保障局", "人社"),
        Department("fgw", "发展和改革委员会", "发改"),
        Department("mzj", "民政局", "民"),
        Department("tjj", "统计局", "统"),
        Department("jrj", "地方金融监督管理局", "金"),
        Department("gaj", "公安局", "公"),
        Department("nyj", "能源局", "能"),
        Department("hg", "海关", "关"),
    )
}


@dataclass(frozen=True)
class Authority:
    name: str
    uscc: str
    doc_prefix: str  # e.g. 济历市监


@cache
def authority(department_key: str, division_code: str) -> Authority:
    """The department at a city (xxxx00) or county level; its USCC is stable for the name."""
    department = DEPARTMENTS[department_key]
    division = DIVISION_BY_CODE[division_code]
    city = DIVISION_BY_CODE[division.city_code]
    city_short = _CITY_SHORT.get(city.code, city.name[0])
    if division.level == "city":
        name, prefix = city.name + department.name, city_short + department.abbreviation
    else:
        name = city.name + division.name + department.name
        prefix = city_short + division.name[0] + department.abbreviation
    if department_key == "sw":
        name = "国家税务总局" + name
    rng = random.Random(f"authority:{name}")
    first8 = "".join(rng.choice("0123456789") for _ in range(8))
    return Authority(name, make_uscc("1", "1", division_code, first8), prefix)


def reporting_units() -> list[tuple[str, str, str, str]]:
    """The directory of reporting units (信用信息提供单位目录): every department of the home cities and their
    counties, as (name, USCC, division, department key). The 2016 format names an authority without its
    USCC; the warehouse takes it from this directory."""
    divisions = [d for d in DIVISION_BY_CODE.values()
                 if d.code in HOME_CITIES or (d.level == "county" and d.city_code in HOME_CITIES)]
    return sorted({(a.name, a.uscc, code, key)
                   for key in DEPARTMENTS for code in (d.code for d in divisions)
                   for a in (authority(key, code),)})


def _write(path: Path, header: list[str], rows) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])
            count += 1
    return count


def write_seeds(folder: Path) -> dict[str, int]:
    """Writes every seed CSV into ``folder``; returns rows per seed."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "cn_working_calendar": write_calendar_csv(folder / "cn_working_calendar.csv"),
        "cn_division": _write(
            folder / "cn_division.csv",
            ["division_code", "division_name", "province_code", "city_code", "level"],
            ((d.code, d.name, d.province_code, d.city_code, d.level) for d in DIVISIONS),
        ),
        "credit_list_type": _write(
            folder / "credit_list_type.csv",
            ["list_type_code", "list_type_name", "owner_department", "domain", "authority_pattern"],
            ((t.code, t.name, t.owner_department, t.domain, t.authority_pattern) for t in LIST_TYPES),
        ),
        "license_category": _write(folder / "license_category.csv", ["category_code", "category_name"],
                                   LICENSE_CATEGORIES),
        "penalty_category": _write(folder / "penalty_category.csv", ["category_code", "category_name", "aliases"],
                                   PENALTY_CATEGORIES),
        "joint_reward_sanction_list": _write(
            folder / "joint_reward_sanction_list.csv",
            ["item_code", "list_kind", "list_name", "administrative_unit", "trigger", "legal_basis",
             "implementing_units", "measure", "evidence", "measure_kind", "list_type_code", "honour_pattern"],
            ((i.code, i.list_kind, JOINT_LIST_NAMES[i.list_kind], i.administrative_unit, i.trigger, i.legal_basis,
              i.implementing_units, i.measure, i.evidence, i.measure_kind, i.list_type_code, i.honour_pattern)
             for i in joint_lists()),
        ),
        "uscc_subject_type": _write(
            folder / "uscc_subject_type.csv",
            ["authority_code", "type_code", "authority_name", "type_name", "subject_kind"],
            ((a, t, AUTHORITIES[a], name, kind) for a, t, name, kind in USCC_SUBJECT_TYPES),
        ),
        "legal_exclusion": _write(folder / "legal_exclusion.csv", ["matter_code", "matter_name", "pattern", "reason"],
                                  LEGAL_EXCLUSIONS),
        "legal_exclusion_scope": _write(folder / "legal_exclusion_scope.csv", ["feed", "column_name"],
                                        LEGAL_EXCLUSION_SCOPE),
        "reporting_unit": _write(folder / "reporting_unit.csv",
                                 ["authority_name", "authority_uscc", "division_code", "department"],
                                 reporting_units()),
        "record_status": _write(folder / "record_status.csv", ["layout", "status_sent", "status_code", "status_name"],
                                RECORD_STATUSES),
        "disclosure_class": _write(
            folder / "disclosure_class.csv",
            ["disclosure_class_code", "name_cn", "publishable", "analyst_visible"],
            ((code, name, str(publishable).lower(), str(visible).lower())
             for code, name, publishable, visible in DISCLOSURE_CLASSES),
        ),
    }

"""The two nights of the marts tests, delivered as the loader and the gate would leave them: night one
(licences, penalties, listings, a court record, honours, utility arrears, one held batch) and night two
(objection and repair decisions, and the joint measures units reported back having applied)."""

from __future__ import annotations

from datetime import date

from credit_warehouse.identifiers import make_resident_id, make_uscc

from .conftest import deliver

NIGHT_ONE = date(2024, 2, 20)  # the Tuesday after the 2024 Spring Festival
NIGHT_TWO = date(2024, 2, 21)

ACME = make_uscc("9", "1", "370102", "MA3C0001")  # 济南 company: license, penalties, type-14 listing
ACME_REG_NO = "370102200012345"  # its old 工商注册号, the only identifier on one penalty
ZENITH = make_uscc("9", "1", "370103", "MA3C0002")  # tax and wage listings -> key supervision
HONOUR = make_uscc("9", "1", "370104", "MA3C0003")  # red list only -> tier A
WATER = make_uscc("9", "1", "370105", "MA3C0004")  # utility arrears
HELD = make_uscc("9", "1", "370112", "MA3C0005")  # only in a batch the gate rejected
PERSON_ID = make_resident_id("370102", date(1980, 5, 17), 123)

DEPARTMENT = make_uscc("1", "1", "370100", "00400001")


def _license(doc_no, uscc, name, decided_on, **extra):
    row = {
        "subject_name": name,
        "subject_category": "法人及非法人组织",
        "uscc": uscc,
        "decision_doc_name": "许可决定书",
        "decision_doc_no": doc_no,
        "license_category": "01",
        "content": "食品经营",
        "decision_date": decided_on,
        "valid_from": decided_on,
        "valid_to": "2099-12-31",
        "authority": "济南市市场监督管理局",
        "authority_uscc": DEPARTMENT,
        "status": "1",
        "source_unit": "济南市市场监督管理局",
        "source_unit_uscc": DEPARTMENT,
    }
    return {**row, **extra}


def _penalty(doc_no, uscc, name, decided_on, severity, **extra):
    row = {
        "subject_name": name,
        "subject_category": "法人及非法人组织",
        "uscc": uscc,
        "decision_doc_no": doc_no,
        "violation_type": "无证经营",
        "violation_facts": "未取得许可从事经营",
        "legal_basis": "《食品安全法》第一百二十二条",
        "penalty_categories": "01,02",
        "penalty_content": "警告并罚款",
        "fine_amount_10k_yuan": "0.2",
        "decision_date": decided_on,
        "publicity_until": "1900-01-01",
        "severity": severity,
        "authority": "济南市市场监督管理局",
        "authority_uscc": DEPARTMENT,
        "source_unit": "济南市市场监督管理局",
        "source_unit_uscc": DEPARTMENT,
    }
    return {**row, **extra}


def _listing(doc_no, uscc, name, list_type, listed_on):
    return {
        "subject_name": name,
        "subject_category": "法人及非法人组织",
        "uscc": uscc,
        "list_type": list_type,
        "listing_reason": "拖欠农民工工资",
        "listing_doc_no": doc_no,
        "listed_on": listed_on,
        "listing_authority": "济南市人力资源和社会保障局",
    }


def night_one(conn) -> None:
    deliver(
        conn,
        "dept_license",
        NIGHT_ONE,
        "accepted",
        [
            _license("济市监许〔2024〕1号", ACME, "济南阿克米食品有限公司", "2024-02-08"),  # 4 working days: timely
            _license(
                "济市监许〔2024〕2号",
                None,
                "张三",
                "2024年2月1日",
                subject_category="自然人",
                person_id_type="身份证",
                person_id_no=PERSON_ID,
            ),  # 10 working days: late
            _license("济市监许〔2024〕3号", "91370102MA3C00XXXX", "错码公司", "2024-02-08"),
        ],
        quarantined={
            3: [
                {
                    "expectation": "uscc_valid",
                    "column": "uscc",
                    "value": "91370102MA3C00XXXX",
                    "message": "is not a valid USCC",
                }
            ]
        },
    )
    deliver(
        conn,
        "dept_penalty",
        NIGHT_ONE,
        "accepted",
        [
            _penalty("济市监罚〔2024〕7号", ACME, "济南阿克米食品有限公司", "2024-02-08", "严重"),
            _penalty(
                "济市监罚〔2024〕8号", None, "济南阿克米食品公司", "20240207", "一般", business_reg_no=ACME_REG_NO
            ),
        ],
    )
    # the same company's old registration number is learnt from a licence that carries both codes
    deliver(
        conn,
        "dept_license",
        NIGHT_ONE,
        "accepted",
        [
            _license("济市监许〔2023〕99号", ACME, "济南阿克米食品有限公司", "2023-12-01", business_reg_no=ACME_REG_NO),
        ],
    )
    deliver(
        conn,
        "dept_penalty",
        NIGHT_ONE,
        "rejected",
        [
            _penalty("济市监罚〔2024〕9号", HELD, "不该出现有限公司", "2024-02-08", "一般"),
        ],
    )
    deliver(
        conn,
        "dept_blacklist",
        NIGHT_ONE,
        "accepted",
        [
            _listing("济人社黑〔2024〕1号", ACME, "济南阿克米食品有限公司", "14", "2024-01-15"),
            _listing("济税黑〔2024〕3号", ZENITH, "济南天顶贸易有限公司", "重大税收违法案件当事人", "2024-01-10"),
            _listing("济人社黑〔2024〕2号", ZENITH, "济南天顶贸易有限公司", "14", "2024-01-12"),
        ],
    )
    deliver(
        conn,
        "court_dishonest_debtor",
        NIGHT_ONE,
        "accepted",
        [
            {
                "case_no": "（2023）鲁0102执1194号",
                "debtor_name": "济南天顶贸易有限公司",
                "age": "0",
                "id_no": ZENITH[8:17],
                "court": "济南市历下区人民法院",
                "filed_on": "20230709",
                "published_on": "2023年11月28日",
                "performance": "全部未履行",
                "performed_part": "暂无",
                "party_type": "581",
            },
        ],
    )
    deliver(
        conn,
        "dept_redlist",
        NIGHT_ONE,
        "accepted",
        [
            {
                "subject_name": "济南荣誉科技有限公司",
                "uscc": HONOUR,
                "honour_name": "守合同重信用企业",
                "recognising_unit": "济南市市场监督管理局",
                "recognition_doc_no": "济市监荣〔2024〕1号",
                "recognised_on": "2024-01-05",
                "valid_to": "2026-01-04",
            },
            {  # an honour of a black-listed company: suspended while it is listed
                "subject_name": "济南天顶贸易有限公司",
                "uscc": ZENITH,
                "honour_name": "诚信纳税人",
                "recognising_unit": "国家税务总局济南市税务局",
                "recognition_doc_no": "济税荣〔2023〕9号",
                "recognised_on": "2023-06-01",
                "valid_to": "2026-05-31",
            },
        ],
    )
    deliver(
        conn,
        "utility_water",
        NIGHT_ONE,
        "accepted",
        [
            {
                "billing_month": "202401",
                "uscc": WATER,
                "account_no": "W-0001",
                "account_type": "非居民用水",
                "account_name": "济南清泉洗涤有限公司",
                "bill_no": "B1",
                "arrears_periods": "3",
                "arrears_amount_yuan": "1,250.50",
                "division_code": "370105",
            },
            {
                "billing_month": "202401",
                "uscc": None,
                "account_no": "W-0002",
                "account_type": "居民用水",
                "account_name": "李四",
                "bill_no": "B2",
                "arrears_periods": "1",
                "arrears_amount_yuan": "35",
            },
        ],
    )


def night_two(conn) -> None:
    deliver(
        conn,
        "credit_correction",
        NIGHT_TWO,
        "accepted",
        [
            {
                "correction_id": "XF-2024-001",
                "record_kind": "blacklist",
                "record_key": "济人社黑〔2024〕1号",
                "subject_code": ACME.lower(),
                "action": "信用修复",
                "applied_on": "2024-02-01",
                "accepted_on": "2024-02-02",
                "closed_on": "2024-02-20",
                "outcome": "同意",
                "handling_unit": "济南市人力资源和社会保障局",
            },
            {
                "correction_id": "YY-2024-002",
                "record_kind": "penalty",
                "record_key": "济市监罚〔2024〕8号",
                "subject_code": ACME,
                "action": "异议撤销",
                "applied_on": "2024-02-19",
                "closed_on": "2024-02-21",
                "outcome": "不同意",
                "handling_unit": "济南市市场监督管理局",
            },
            {  # upheld: the licence is withheld until the department re-reports it corrected
                "correction_id": "YY-2024-003",
                "record_kind": "行政许可",
                "record_key": "济市监许〔2024〕1号",
                "subject_code": ACME,
                "action": "异议更正",
                "applied_on": "2024-02-06",
                "closed_on": "2024-02-20",
                "outcome": "同意",
                "handling_unit": "济南市市场监督管理局",
            },
            {  # applied 10 January, unanswered: the 15th working day was 31 January
                "correction_id": "YY-2024-004",
                "record_kind": "penalty",
                "record_key": "济市监罚〔2024〕7号",
                "subject_code": ACME,
                "action": "异议更正",
                "applied_on": "2024-01-10",
                "handling_unit": "济南市市场监督管理局",
            },
        ],
    )
    deliver(
        conn,
        "dept_joint_measure_feedback",
        NIGHT_TWO,
        "accepted",
        [
            {  # a sanction of the four lists, citing ACME's type-14 listing
                "case_id": "JC-2024-02-001",
                "implementing_unit": "济南市财政局",
                "measure_direction": "惩戒",
                "item_code": "SM019",
                "subject_name": "济南阿克米食品有限公司",
                "uscc": ACME,
                "trigger_doc_no": "济人社黑〔2024〕1号",
                "applied_on": "2024-02-19",
                "measure_content": "限制参加政府采购项目投标",
            },
            {  # an incentive citing a document the warehouse does not hold
                "case_id": "JC-2024-02-002",
                "implementing_unit": "济南市行政审批服务局",
                "measure_direction": "守信激励",
                "item_code": "IM01",
                "subject_name": "济南荣誉科技有限公司",
                "uscc": HONOUR,
                "trigger_doc_no": "济市监荣〔2023〕77号",
                "applied_on": "2024-02-20",
                "measure_content": "容缺受理食品经营许可变更申请",
            },
        ],
    )

"""gate_batch on real batches in PostgreSQL: reasons, reconciliation, thresholds, redelivery, Data Docs."""

from __future__ import annotations

import json
from datetime import date

import psycopg
import pytest

from credit_warehouse import settings
from credit_warehouse.quality.data_docs import data_docs_dir
from credit_warehouse.quality.gate import GateError, gate_batch
from credit_warehouse.security.scan import scan_files

pytestmark = pytest.mark.integration


def _quarantine(feed: str, batch_id: int) -> dict[int, list[dict]]:
    with psycopg.connect(settings.database_url(), autocommit=True) as conn:
        rows = conn.execute(
            f"select _row_number, reasons from quarantine.{feed} where _batch_id = %s", (batch_id,)  # noqa: S608
        ).fetchall()
    return {n: reasons for n, reasons in rows}


def _ledger(batch_id: int) -> tuple:
    with psycopg.connect(settings.database_url(), autocommit=True) as conn:
        return conn.execute(
            "select status, rows_received, rows_accepted, rows_quarantined, error_text from ops.load_batch "
            "where batch_id = %s", (batch_id,)).fetchone()


def test_every_kind_of_dirt_is_quarantined_with_its_reason(kit):
    full_id = kit.resident_id(42)
    rows = [kit.penalty_row(n) for n in range(1, 401)]
    dirt = {  # row number -> (changes, expected (expectation, column))
        401: ({"violation_facts": "暂无"}, ("required", "violation_facts")),
        402: ({"subject_category": "企业"}, ("code_table", "subject_category")),
        403: ({"penalty_categories": "02,99"}, ("penalty_category_valid", "penalty_categories")),
        404: ({"uscc": kit.uscc(404)[:-1] + ("1" if kit.uscc(404)[-1] != "1" else "2")}, ("uscc_valid", "uscc")),
        405: ({"org_code": "12345678-0"}, ("identifier_valid", "org_code")),
        406: ({"subject_category": "自然人", "uscc": None, "person_id_no": full_id[:-1] + "0" if full_id[-1] != "0"
               else full_id[:-1] + "1"}, ("resident_id_valid", "person_id_no")),
        407: ({"decision_date": "2024年13月45日"}, ("date_parseable", "decision_date")),
        408: ({"decision_date": "2024-07-11"}, ("date_not_future", "decision_date")),
        409: ({"decision_date": "1948-12-31"}, ("date_not_before", "decision_date")),
        410: ({"subject_category": "自然人", "uscc": None, "person_id_no": kit.resident_id_born(date(2024, 7, 11))},
              ("resident_id_valid", "person_id_no")),
        411: ({"fine_amount_10k_yuan": "两千元"}, ("amount_numeric", "fine_amount_10k_yuan")),
        412: ({"fine_amount_10k_yuan": "-0.5"}, ("amount_min", "fine_amount_10k_yuan")),
        413: ({"fine_amount_10k_yuan": "20000"}, ("amount_unit", "fine_amount_10k_yuan")),
        414: ({"decision_doc_no": "济市监罚〔2024〕7号"}, ("business_key_unique", "decision_doc_no,authority")),
        415: ({"violation_facts": "当事人闯红灯"}, ("legal_exclusion", "violation_facts")),
        416: ({"violation_facts": f"当事人{full_id}" + "违" * 4000}, ("max_length", "violation_facts")),
        417: ({"subject_category": "自然人", "uscc": None}, ("required_when", "person_id_no")),
    }
    lawful = {  # real phrasings that must pass
        420: {"decision_date": "20240620", "authority": "济南市城市管理局"},  # late: accepted and counted
        421: {"penalty_categories": "01 02"},
        422: {"penalty_categories": "警告、法律、行政法规规定的其他行政处罚"},
        423: {"penalty_content": "警告，罚款人民币2000元", "fine_amount_10k_yuan": "0.2"},
        424: {"violation_facts": "济宁市信访局办公楼消防设施未保持完好有效"},
    }
    for number, (changes, _) in sorted(dirt.items()):
        rows.append(kit.penalty_row(number, **changes))
    # a row failing twice carries both reasons
    rows.append(kit.penalty_row(418, uscc="BAD", violation_type="拆迁纠纷"))
    # a fine sent in yuan in the 万元 column, its text stating the yuan
    dirt[419] = ({"penalty_content": "警告，罚款人民币2000元", "fine_amount_10k_yuan": "2000"},
                 ("fine_matches_text", "fine_amount_10k_yuan"))
    rows.append(kit.penalty_row(419, **dirt[419][0]))
    rows += [kit.penalty_row(number, **changes) for number, changes in sorted(lawful.items())]
    # a resident-ID number written into free text as people write it: full-width, glued, spaced
    full_width = full_id.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    written = {
        425: {"violation_facts": f"当事人张三（身份证{full_width}）发布虚假广告"},
        426: {"remark": f"ID{full_id}"},
        427: {"legal_basis": f"《广告法》第五十五条；当事人 {full_id[:6]} {full_id[6:14]} {full_id[14:]}"},
    }
    for number, changes in sorted(written.items()):
        dirt[number] = (changes, ("no_resident_id_in_text", next(iter(changes))))
        rows.append(kit.penalty_row(number, **changes))
    rows += [kit.penalty_row(number) for number in range(428, 468)]  # clean: the share held stays under 5%
    batch_id = kit.deliver("dept_penalty", rows)

    result = gate_batch("dept_penalty", batch_id, alert=False)

    quarantined = _quarantine("dept_penalty", batch_id)
    for number, (_, expected) in dirt.items():
        got = {(r["expectation"], r["column"]) for r in quarantined.get(number, [])}
        assert expected in got, f"row {number}: expected {expected}, got {got}"
    assert {(r["expectation"], r["column"]) for r in quarantined[418]} == {
        ("uscc_valid", "uscc"), ("legal_exclusion", "violation_type")}
    assert set(quarantined) == {*dirt, 418}, "clean rows must not be quarantined"
    legal = next(r for r in quarantined[415] if r["expectation"] == "legal_exclusion")
    assert legal["value"].startswith("闯红灯")
    unit = next(r for r in quarantined[419] if r["expectation"] == "fine_matches_text")
    assert unit["value"] == "2000 万元 in fine_amount_10k_yuan, 2000 元 in penalty_content (entered in yuan: 10,000 " \
        "times too large)"
    assert result.late_reports == {"济南市城市管理局": 1}

    # reconciliation, in the result and the ledger
    assert result.status == "accepted"
    assert result.rows_received == 467 == result.rows_accepted + result.rows_quarantined
    assert result.rows_quarantined == len(dirt) + 1
    status, received, accepted, in_quarantine, _ = _ledger(batch_id)
    assert (status, received, accepted, in_quarantine) == ("accepted", 467, 445, 22)
    counts = {(f.expectation, f.column): f.count for f in result.failed_expectations}
    assert counts[("business_key_unique", "decision_doc_no,authority")] == 1

    # personal data: masked in reasons, absent from the Data Docs
    assert full_id not in json.dumps(quarantined, ensure_ascii=False)
    assert full_id[:6] + "********" + full_id[-4:] in json.dumps(quarantined[416], ensure_ascii=False)
    for number in (425, 426, 427):
        reasons = json.dumps(quarantined[number], ensure_ascii=False)
        assert full_id[:6] + "********" + full_id[-4:] in reasons and full_width not in reasons
    assert result.data_docs_path and result.data_docs_path.endswith(".html")
    docs = open(result.data_docs_path, encoding="utf-8").read()
    assert "fine_matches_text" in docs or "stated in penalty_content" in docs
    assert scan_files([data_docs_dir()])[0] == []


def test_regating_is_idempotent_threshold_holds_and_redelivery_supersedes(kit):
    rows = [kit.penalty_row(n + 1000) for n in range(10)]
    rows[2]["uscc"] = "91370100MA00000000"
    rows[5]["decision_date"] = "明天"
    held_id = kit.deliver("dept_penalty", rows, source_identity="landing/dept_penalty/2024-07-10/a.csv")

    first = gate_batch("dept_penalty", held_id, alert=False)
    again = gate_batch("dept_penalty", held_id, alert=False)
    assert first.status == again.status == "rejected" and first.held
    assert "20.0% 的行未通过检查" in first.held_reason
    assert len(_quarantine("dept_penalty", held_id)) == 2 == again.rows_quarantined
    status, received, accepted, in_quarantine, error_text = _ledger(held_id)
    assert (status, received, accepted, in_quarantine) == ("rejected", 10, 8, 2)
    assert "阈值" in error_text

    corrected = [kit.penalty_row(n + 1000) for n in range(10)]
    redelivery = kit.deliver("dept_penalty", corrected, source_identity="landing/dept_penalty/2024-07-10/a.csv")
    result = gate_batch("dept_penalty", redelivery, alert=False)
    assert result.status == "accepted" and result.superseded == [held_id]
    assert _ledger(held_id)[0] == "superseded"
    with pytest.raises(GateError, match="superseded"):
        gate_batch("dept_penalty", held_id, alert=False)


def test_the_same_record_again_in_a_later_batch_is_a_duplicate(kit):
    rows = [kit.penalty_row(n + 2000) for n in range(40)]
    assert gate_batch("dept_penalty", kit.deliver("dept_penalty", rows), alert=False).status == "accepted"
    changed = kit.penalty_row(2001, penalty_content="警告（更正）")  # same key, new content: an update
    later = kit.deliver("dept_penalty", [kit.penalty_row(2000), changed])
    result = gate_batch("dept_penalty", later, alert=False)
    assert {n: [r["expectation"] for r in reasons] for n, reasons in _quarantine("dept_penalty", later).items()} == {
        1: ["business_key_new"]}
    assert result.rows_quarantined == 1


def test_a_corrected_redelivery_lands_and_its_unchanged_rows_are_no_failures(kit):
    rows = [kit.penalty_row(n + 2500) for n in range(30)]
    assert gate_batch("dept_penalty", kit.deliver("dept_penalty", rows), alert=False).status == "accepted"
    corrected = [*rows[:29], kit.penalty_row(2529, penalty_content="警告（更正）")]
    redelivery = kit.deliver("dept_penalty", corrected)
    result = gate_batch("dept_penalty", redelivery, alert=False)
    assert result.status == "accepted" and result.held_reason is None
    assert (result.rows_quarantined, result.rows_unchanged, result.rows_accepted) == (29, 29, 1)
    assert result.failed_share == 0.0 and not result.needs_alert and result.failed_expectations == []
    assert sorted(_quarantine("dept_penalty", redelivery)) == list(range(1, 30))
    # a row that also fails a real check still counts, and the unchanged ones are named beside it
    again = kit.deliver("dept_penalty", [*rows[:29], kit.penalty_row(2529, decision_date="明天")])
    dirty = gate_batch("dept_penalty", again, alert=False)
    assert dirty.rows_unchanged == 29 and dirty.needs_alert and dirty.failed_share == 1.0


def test_court_ids_are_accepted_masked_or_as_organisation_codes(kit):
    base = {"case_no": "(2019)鲁0102执1194号", "debtor_name": "张某", "court": "济南市历下区人民法院",
            "filed_on": "20190709", "published_on": "2019年11月28日", "performance": "全部未履行",
            "party_type": "580", "sex": "男性", "age": "45", "behaviours": "违反财产报告制度,违反限制高消费令"}
    full_id = kit.resident_id(7)
    rows = [
        {**base, "id_no": "3701021979****3224"},
        {**base, "case_no": "(2019)鲁0102执1195号", "id_no": kit.uscc(5)[8:17], "age": "0", "party_type": "581"},
        {**base, "case_no": "(2019)鲁0102执1196号", "id_no": "3701021979****322"},
        {**base, "case_no": "(2019)鲁0102执1197号", "id_no": full_id[:-1] + ("0" if full_id[-1] != "0" else "1")},
    ]
    batch_id = kit.deliver("court_dishonest_debtor", rows)
    result = gate_batch("court_dishonest_debtor", batch_id, alert=False)
    quarantined = _quarantine("court_dishonest_debtor", batch_id)
    assert sorted(quarantined) == [3, 4]
    assert all(r["expectation"] == "identifier_valid" for n in (3, 4) for r in quarantined[n])
    assert result.held  # 2 of 4 rows over the 5% threshold


def test_a_listing_by_an_authority_that_does_not_own_the_list_is_quarantined(kit):
    def listing(n: int, list_type: str, authority: str) -> dict:
        return {"subject_name": f"济南测试企业{n}有限公司", "subject_category": "法人及非法人组织", "uscc": kit.uscc(n),
                "list_type": list_type, "listing_reason": "虚开增值税专用发票",
                "listing_doc_no": f"济税黑〔2024〕{n}号", "listed_on": "2024-07-01", "listing_authority": authority}

    rows = [
        listing(1, "2", "国家税务总局济南市税务局"),                 # the owner
        listing(2, "重大税收违法案件当事人", "济南市市场监督管理局"),  # not the owner
        listing(3, "2", "济南市发展和改革委员会"),                   # the credit office forwarding it
        listing(4, "8", "济南市交通运输局"),                         # type 8: any department
        listing(5, "14", "济南市人力资源和社会保障局"),
        listing(6, "6", "济南市市场监督管理局"),                     # customs lists belong to customs
    ]
    batch_id = kit.deliver("dept_blacklist", rows)
    result = gate_batch("dept_blacklist", batch_id, alert=False)
    quarantined = _quarantine("dept_blacklist", batch_id)
    assert sorted(quarantined) == [2, 6]
    reason = next(r for r in quarantined[2] if r["expectation"] == "list_owner")
    assert reason["value"] == "济南市市场监督管理局 does not keep 重大税收违法案件当事人（税务部门）"
    assert result.rows_accepted == 4


def test_the_red_list_takes_natural_persons(kit):
    person = kit.resident_id(77)
    rows = [
        {"subject_name": "张某", "person_id_no": person, "honour_name": "济南市道德模范（诚实守信类）",
         "recognising_unit": "济南市发展和改革委员会", "recognition_doc_no": "济发改信用〔2024〕1号",
         "recognised_on": "2024/7/1"},
        {"subject_name": "济南测试企业有限公司", "uscc": kit.uscc(8), "honour_name": "诚信示范企业",
         "recognising_unit": "济南市发展和改革委员会", "recognition_doc_no": "济发改信用〔2024〕1号",
         "recognised_on": "2024/7/1"},
        {"subject_name": "李某", "honour_name": "诚信之星", "recognising_unit": "济南市发展和改革委员会",
         "recognition_doc_no": "济发改信用〔2024〕2号", "recognised_on": "2024/7/1"},  # no code at all
    ]
    batch_id = kit.deliver("dept_redlist", rows)
    gate_batch("dept_redlist", batch_id, alert=False)
    quarantined = _quarantine("dept_redlist", batch_id)
    assert {n: [r["expectation"] for r in reasons] for n, reasons in quarantined.items()} == {3: ["required_any"]}


def test_an_organisation_code_alone_links_to_the_one_known_uscc_that_embeds_it(kit, superuser_conn):
    known = kit.uscc(5001)
    first = kit.deliver("dept_penalty", [kit.penalty_row(5001)])
    assert gate_batch("dept_penalty", first, alert=False).status == "accepted"
    assert superuser_conn.execute("select org_code from ops.known_uscc where uscc = %s", (known,)).fetchone()[0] \
        == known[8:17]
    # a later report names the company by its old organisation code only (a natural-person category keeps the
    # current format's USCC requirement out of the way)
    rows = [kit.penalty_row(n, subject_category="个体工商户", uscc=None, org_code=code) for n, code in
            ((5002, f"{known[8:16]}-{known[16]}"), (5003, kit.uscc(5999)[8:17]))]
    later = kit.deliver("dept_penalty", rows)
    gate_batch("dept_penalty", later, alert=False)
    quarantined = _quarantine("dept_penalty", later)
    assert {(r["expectation"], r["value"]) for r in quarantined[2] if r["expectation"] == "org_code_linked"} == {
        ("org_code_linked", f"{kit.uscc(5999)[8:17]} is embedded in 0 known USCC(s)")}
    assert "org_code_linked" not in {r["expectation"] for r in quarantined.get(1, [])}


def test_a_licence_valid_to_a_date_before_it_is_valid_from_is_held(kit):
    def licence(n: int, valid_from: str, valid_to: str) -> dict:
        return {
            "subject_name": f"济南测试企业{n}有限公司", "subject_category": "法人及非法人组织", "uscc": kit.uscc(n),
            "decision_doc_name": "食品经营许可决定书", "decision_doc_no": f"济市监许〔2024〕{n}号",
            "license_category": "普通", "content": "食品销售", "decision_date": "2024-07-05",
            "valid_from": valid_from, "valid_to": valid_to, "authority": "济南市市场监督管理局",
            "authority_uscc": kit.uscc(900000), "source_unit": "济南市市场监督管理局",
            "source_unit_uscc": kit.uscc(900000), "status": "1",
        }

    rows = [licence(n, "2024-07-05", "2029-07-04") for n in range(1, 40)]
    rows.append(licence(40, "2024-07-05", "2024年7月4日"))  # ends the day before it begins
    rows.append(licence(41, "2024-07-05", "2024-07-05"))  # a one-day licence is fine
    batch_id = kit.deliver("dept_license", rows)
    gate_batch("dept_license", batch_id, alert=False)
    quarantined = _quarantine("dept_license", batch_id)
    reasons = {n: {(r["expectation"], r["column"]) for r in found} for n, found in quarantined.items()}
    assert ("date_order", "valid_to") in reasons[40]
    held = next(r for r in quarantined[40] if r["expectation"] == "date_order")
    assert held["value"] == "2024年7月4日 before 2024-07-05" and "before valid_from" in held["message"]
    assert not any(("date_order", "valid_to") in found for n, found in reasons.items() if n != 40)

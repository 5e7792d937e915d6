"""An incremental night gives what a full rebuild of that night gives.

int_credit_record__current, int_credit_correction__latest, int_credit_subject__identifiers,
int_credit_subject__resolved, fct_credit_record,
fct_blacklist_listing, fct_joint_measure_applicable, dim_credit_archive and publish_national_record compute on a
night only the records (applications, subjects) that may have changed since their last build (macro
previous_build). Three nights on a warehouse of its own, each built incrementally and then
rebuilt with --full-refresh, the two compared table by table: night two brings a re-report, a new listing,
corrections, a report naming a company by an old registration number nobody knows yet, and the licence that
links a court record's masked ID to a person; night three, two years on, the licence that teaches that old
number (and another company the old number ACME gave on night two: now ambiguous), a repair upheld that
night, an objection answered at last, the honour a joint-measure case cited and a correction gated late for an
earlier night, while honours and penalties leave public view on their own.
"""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from credit_warehouse import settings
from credit_warehouse.identifiers import make_resident_id, make_uscc, mask_resident_id
from credit_warehouse.security import vault
from credit_warehouse.security.person_link import link_persons
from credit_warehouse.transform.dbt import run_dbt

from ..security.conftest import own_warehouse
from .conftest import deliver, differences, tables_as_text
from .nights import ACME, HONOUR, NIGHT_ONE, NIGHT_TWO, ZENITH, _license, _listing, _penalty, night_one, night_two

pytestmark = pytest.mark.integration

NIGHT_THREE = date(2026, 3, 2)
NEWCO = make_uscc("9", "1", "370112", "MA3C0009")
NEWCO_REG_NO = "370112200099999"  # its old 工商注册号: alone on a night-two penalty, learnt on night three
SHARED_REG_NO = "370112200011111"  # given by ACME on night two, by ZENITH on night three: names neither
DEBTOR_ID = make_resident_id("370103", date(1979, 8, 8), 77)
# when and by which build a row was written, and the subject it had under an earlier build: the builds' doing,
# not the night's
WALL_CLOCK_COLUMNS = {"updated_at", "written_by_invocation", "rebuilt_at", "previous_subject_key"}


def _debtor(case_no: str, name: str, id_no: str) -> dict:
    return {"case_no": case_no, "debtor_name": name, "id_no": id_no, "court": "济南市历下区人民法院",
            "filed_on": "2024-01-06", "published_on": "2024-02-01", "performance": "全部未履行"}


def _correction(correction_id: str, kind: str, doc_no: str, subject: str, action: str, closed_on: str) -> dict:
    return {"correction_id": correction_id, "record_kind": kind, "record_key": doc_no, "subject_code": subject,
            "action": action, "applied_on": closed_on, "closed_on": closed_on, "outcome": "同意",
            "handling_unit": "济南市市场监督管理局"}


def _build(day: date, *extra: str) -> None:
    with psycopg.connect(settings.database_url(role="loader")) as loader:
        link_persons(day, loader)  # as the warehouse_build task does before dbt
    run_dbt(["build", *extra, "--vars", f"{{as_of_date: '{day.isoformat()}'}}"])


def _built(conn) -> dict[str, list[str]]:
    return {**tables_as_text(conn, "marts", WALL_CLOCK_COLUMNS),
            **tables_as_text(conn, "intermediate", WALL_CLOCK_COLUMNS, {
                "int_credit_record__current", "int_credit_correction__latest", "int_credit_subject__identifiers",
                "int_credit_subject__resolved"}),
            **tables_as_text(conn, "publish", WALL_CLOCK_COLUMNS, {"publish_national_record"})}


def _builds_kept(conn) -> dict[str, int]:
    """Per incremental model, how many builds its rows were written by (1: the last build wrote them all)."""
    return {model: conn.execute(f"select count(distinct {column}) from {table}").fetchone()[0]  # noqa: S608
            for model, table, column in (
                ("int_credit_record__current", "intermediate.int_credit_record__current", "rebuilt_at"),
                ("fct_credit_record", "marts.fct_credit_record", "written_by_invocation"),
                ("fct_blacklist_listing", "marts.fct_blacklist_listing", "written_by_invocation"),
                ("publish_national_record", "publish.publish_national_record", "written_by_invocation"))}


@pytest.fixture(scope="module")
def warehouse(warehouse_server):
    with own_warehouse("cw_incr") as database, \
            psycopg.connect(settings.database_url(database), autocommit=True) as conn:
        yield conn


def _incremental_then_full(conn, day: date) -> None:
    _build(day)
    incremental, builds = _built(conn), _builds_kept(conn)
    _build(day, "--full-refresh")
    assert not differences(_built(conn), incremental)
    # the night was computed incrementally: records it had no reason to touch kept an earlier build's rows
    assert min(builds.values()) > 1, builds


def test_incremental_nights_equal_full_rebuilds(warehouse):
    night_one(warehouse)
    deliver(warehouse, "court_dishonest_debtor", NIGHT_ONE, "accepted", [
        _debtor("（2024）鲁0102执7号", "王五", mask_resident_id(DEBTOR_ID)),  # nobody to link yet
    ])
    _build(NIGHT_ONE)
    debtor = ("select subject_key from intermediate.int_credit_record__current "
              "where source_feed = 'court_dishonest_debtor' and doc_no like '%%执7号'")
    assert warehouse.execute(debtor).fetchone()[0] != vault.person_key(DEBTOR_ID)  # a person of its own

    night_two(warehouse)
    deliver(warehouse, "dept_penalty", NIGHT_TWO, "accepted", [
        _penalty("济市监罚〔2024〕7号", ACME, "济南阿克米食品有限公司", "2024-02-08", "严重",
                 fine_amount_10k_yuan="0.5", business_reg_no=SHARED_REG_NO),
        _penalty("济市监罚〔2024〕21号", None, "济南新源商贸有限公司", "2024-02-19", "一般",
                 business_reg_no=NEWCO_REG_NO),
    ])
    deliver(warehouse, "dept_blacklist", NIGHT_TWO, "accepted", [
        _listing("济人社黑〔2024〕9号", ACME, "济南阿克米食品有限公司", "14", "2024-02-21"),
    ])
    deliver(warehouse, "dept_license", NIGHT_TWO, "accepted", [
        _license("济市监许〔2024〕31号", None, "王五", "2024-02-19", subject_category="自然人",
                 person_id_type="身份证", person_id_no=DEBTOR_ID),
    ])
    _incremental_then_full(warehouse, NIGHT_TWO)
    assert warehouse.execute(debtor).fetchone()[0] == vault.person_key(DEBTOR_ID)  # linked to the licence's person

    deliver(warehouse, "dept_license", NIGHT_THREE, "accepted", [
        _license("济市监许〔2026〕2号", NEWCO, "济南新源商贸有限公司", "2026-02-26", business_reg_no=NEWCO_REG_NO),
        _license("济市监许〔2026〕3号", ZENITH, "济南泽尼斯科技有限公司", "2026-02-27", business_reg_no=SHARED_REG_NO),
    ])
    deliver(warehouse, "dept_redlist", NIGHT_THREE, "accepted", [  # the honour a night-two case cited, unknown then
        {"subject_name": "济南荣誉科技有限公司", "uscc": HONOUR, "honour_name": "诚信纳税人",
         "recognising_unit": "国家税务总局济南市税务局", "recognition_doc_no": "济市监荣〔2023〕77号",
         "recognised_on": "2023-04-01", "valid_to": "2027-03-31"},
    ])
    deliver(warehouse, "credit_correction", NIGHT_THREE, "accepted", [
        _correction("XF-2026-001", "blacklist", "济人社黑〔2024〕9号", ACME, "信用修复", "2026-03-02"),
        # reported again, answered at last: its latest report replaces the one kept since night two
        {**_correction("YY-2024-004", "penalty", "济市监罚〔2024〕7号", ACME, "异议更正", "2026-02-27"),
         "applied_on": "2024-01-10", "outcome": "不同意"},
    ])
    deliver(warehouse, "credit_correction", NIGHT_TWO, "accepted", [  # late: gated after night two was built
        _correction("YY-2024-009", "blacklist", "济税黑〔2024〕3号", ZENITH, "异议撤销", "2024-02-21"),
    ])
    _incremental_then_full(warehouse, NIGHT_THREE)
    statuses = dict(warehouse.execute(
        "select doc_no, status from marts.fct_credit_record where doc_no in "
        "('济市监荣〔2024〕1号', '济人社黑〔2024〕9号', '济税黑〔2024〕3号', '济市监罚〔2024〕21号')").fetchall())
    assert statuses == {"济市监荣〔2024〕1号": "expired", "济人社黑〔2024〕9号": "repaired",
                        "济税黑〔2024〕3号": "withdrawn", "济市监罚〔2024〕21号": "expired"}
    assert warehouse.execute("select subject_key from marts.fct_credit_record where doc_no = '济市监罚〔2024〕21号'"
                             ).fetchone() == (NEWCO,)
    assert warehouse.execute("select closed_on, outcome from intermediate.int_credit_correction__latest "
                             "where correction_id = 'YY2024004'").fetchone() == (date(2026, 2, 27), "不同意")
    assert warehouse.execute("select uscc, report_count from intermediate.int_credit_subject__identifiers "
                             "where identifier = %s", (SHARED_REG_NO,)).fetchone() == (None, 2)
    assert warehouse.execute("select trigger_known from marts.fct_joint_measure_feedback "
                             "where case_id = 'JC202402002'").fetchone() == (True,)

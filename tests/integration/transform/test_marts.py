"""Two nights through the marts on real PostgreSQL: accepted rows only, subjects resolved from legacy
codes, the archive, the lists, key supervision, the indicators, and a second night whose correction
takes a company off a black list while the snapshot keeps when it was on.

dbt starts slowly, so the whole module makes three dbt calls: seed, build (night 1), build (night 2).
"""

from __future__ import annotations

import contextlib
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from psycopg import sql
from psycopg.rows import dict_row

from credit_warehouse.identifiers import mask_resident_id
from credit_warehouse.transform.dbt import DBT_PROJECT_DIR, dbt_env, run_dbt

from .nights import (
    ACME,
    HELD,
    HONOUR,
    NIGHT_ONE,
    NIGHT_TWO,
    PERSON_ID,
    WATER,
    ZENITH,
    night_one,
    night_two,
)

pytestmark = pytest.mark.integration


@contextlib.contextmanager
def conn_as_analyst(conn):
    with conn.transaction():
        conn.execute("set local role analyst")
        yield conn


def query(conn, text: str, params: tuple = ()) -> list[dict]:
    return conn.cursor(row_factory=dict_row).execute(text, params).fetchall()


def analysis(conn, name: str) -> list[dict]:
    """Run one of the analysts' queries (dbt_project/analyses) as compiled by dbt, as the analyst role."""
    compiled = Path(dbt_env()["DBT_TARGET_PATH"]) / "compiled" / "credit_warehouse" / "analyses" / f"{name}.sql"
    assert '"analytics".' in compiled.read_text() and '"marts".' not in compiled.read_text(), name
    with conn_as_analyst(conn):
        return query(conn, compiled.read_text())


# One set of vars for every dbt call, so dbt's partial parsing carries over between them (a change of
# vars re-parses the whole project). Both nights are judged as of the second night.
VARS = f"{{as_of_date: '{NIGHT_TWO.isoformat()}', uscc: '{ACME.lower()}'}}"


def _build(*selection: str) -> float:
    started = time.monotonic()
    run_dbt(["build", "--vars", VARS, *selection])
    return time.monotonic() - started


@pytest.fixture(scope="module")
def first_night(marts_conn):
    night_one(marts_conn)
    seconds = _build()  # seeds included
    print(f"\ndbt build (seeds, models, snapshot, tests), night one: {seconds:.1f} s")
    run_dbt(["compile", "--select", "path:analyses", "--vars", VARS])
    return marts_conn


@pytest.fixture(scope="module")
def second_night(first_night):
    conn = first_night
    # publishing already sent ACME's type-14 listing to the national platform
    conn.execute(
        "insert into ops.publish_outbox (record_kind, record_key, action, subject_code, payload, payload_hash,"
        " idempotency_key, status) select record_kind, record_key, action, subject_code, payload, payload_hash,"
        " md5(record_key), 'accepted' from publish.publish_national_record where record_kind = 'blacklist'"
        " and subject_code = %s and payload ->> 'list_type' = '14'",
        (ACME,),
    )
    night_two(conn)
    seconds = _build("--exclude", "resource_type:seed")
    print(f"\ndbt build (models, snapshot, tests), night two, incremental: {seconds:.1f} s")
    return conn


def test_archive_of_a_company_by_uscc(first_night):
    [archive] = analysis(first_night, "credit_archive_by_uscc")
    assert archive["subject_key"] == ACME
    # the second penalty named the company by its old registration number only
    assert (archive["license_count"], archive["penalty_count"], archive["active_penalty_count"]) == (2, 2, 2)
    assert archive["active_serious_penalty_count"] == 1
    assert archive["latest_penalty_doc_no"] == "济市监罚〔2024〕7号"
    assert archive["active_list_type_codes"] == [14]
    assert archive["credit_tier"] == "D"
    assert sorted(archive["names_seen"]) == ["济南阿克米食品公司", "济南阿克米食品有限公司"]


def test_held_batch_and_quarantined_rows_do_not_leak(first_night):
    subjects = {row["subject_key"] for row in query(first_night, "select subject_key from marts.dim_credit_subject")}
    assert HELD not in subjects
    names = {row["subject_name"] for row in query(first_night, "select subject_name from marts.fct_credit_record")}
    assert "不该出现有限公司" not in names and "错码公司" not in names
    # a residential water account never becomes a credit record
    assert "李四" not in names


def test_type_14_blacklist_and_key_supervision(first_night):
    entries = analysis(first_night, "active_blacklist_type_14")
    assert [(e["subject_key"], e["listed_on"]) for e in entries] == [
        (ZENITH, date(2024, 1, 12)),
        (ACME, date(2024, 1, 15)),
    ]
    [target] = analysis(first_night, "key_supervision_targets")
    # tax, wage-arrears and (through the court's organisation code) judicial lists
    assert target["uscc"] == ZENITH
    assert target["owning_departments"] == sorted(["人民法院", "人力资源和社会保障部门", "税务部门"])


def test_tiers_of_the_other_subjects(first_night):
    tiers = {
        row["uscc"]: (row["credit_tier"], row["authorised_credit_tier"], row["credit_tier_reason"])
        for row in query(first_night, "select uscc, credit_tier, authorised_credit_tier, credit_tier_reason "
                                      "from marts.dim_credit_archive")
    }
    assert tiers[HONOUR][:2] == ("A", "A")
    honours = {row["uscc"]: (row["active_redlist_honours"], row["suspended_redlist_honours"]) for row in query(
        first_night, "select uscc, active_redlist_honours, suspended_redlist_honours from marts.dim_credit_archive "
                     "where uscc in (%s, %s)", (HONOUR, ZENITH))}
    assert honours[HONOUR] == (["守合同重信用企业"], [])
    assert honours[ZENITH] == ([], ["诚信纳税人"])  # listed: the honour is shown, suspended
    # three periods of water arrears are 授权查询: they weigh in the audited tier only, and no public
    # column says a word of them
    assert tiers[WATER] == ("B", "C", "no adverse record")
    [person] = query(first_night, "select * from marts.dim_credit_archive where subject_kind = 'natural_person'")
    assert person["id_no_masked"] == mask_resident_id(PERSON_ID)
    assert person["credit_tier"] is None and person["authorised_credit_tier"] is None  # persons are not graded


def test_indicators_of_the_month(first_night):
    city, *counties = analysis(first_night, "monitoring_this_month")
    assert city["division_level"] == "city" and {c["division_level"] for c in counties} == {"county"}
    # 8 Feb -> 20 Feb is 4 working days, 7 Feb -> 20 Feb 5; 1 Feb and December decisions are late
    assert (city["decisions_reported"], city["decisions_timely"]) == (5, 3)
    assert city["double_publicity_timeliness"] == Decimal("0.6000")
    assert city["double_publicity_accuracy"] == Decimal("0.7143")  # 5 accepted of 7 received rows
    assert city["blacklisted_enterprises"] == 2
    for measure in ("decisions_reported", "rows_reported", "enterprise_records", "person_records"):
        assert city[measure] >= sum(county[measure] for county in counties)


def test_no_full_resident_id_anywhere_downstream(first_night):
    for schema in ("staging", "intermediate", "marts", "publish"):
        tables = query(
            first_night, "select table_name from information_schema.tables where table_schema = %s", (schema,)
        )
        for table in tables:
            statement = sql.SQL("select count(*) as n from {}.{} as t where t::text like %s").format(
                sql.Identifier(schema), sql.Identifier(table["table_name"])
            )
            assert query(first_night, statement, (f"%{PERSON_ID}%",))[0]["n"] == 0, (schema, table)


def test_every_mart_column_is_documented(first_night):
    documented = {
        model["name"]: {column["name"] for column in model["columns"] if column.get("description")}
        for path in sorted((DBT_PROJECT_DIR / "models" / "marts").glob("*.yml"))  # one file per mart
        for model in yaml.safe_load(path.read_text())["models"]
    }
    built = query(
        first_night, "select table_name, column_name from information_schema.columns where table_schema = 'marts'"
    )
    missing = sorted(
        f"{c['table_name']}.{c['column_name']}"
        for c in built
        if c["column_name"] not in documented.get(c["table_name"], set())
    )
    assert missing == []


def test_the_analysts_views_carry_the_marts_descriptions_as_comments(first_night):
    with conn_as_analyst(first_night) as conn:
        views = query(conn, "select c.relname, obj_description(c.oid) as comment from pg_class as c "
                            "join pg_namespace as n on n.oid = c.relnamespace where n.nspname = 'analytics' "
                            "and c.relkind = 'v'")
        columns = query(conn, "select table_name, column_name, col_description(format('analytics.%%I', table_name)"
                              "::regclass, ordinal_position) as comment from information_schema.columns "
                              "where table_schema = 'analytics'")
    marts = {row["table_name"] for row in query(
        first_night, "select table_name from information_schema.tables where table_schema = 'marts'")}
    assert {v["relname"] for v in views} >= marts
    assert all(v["comment"] for v in views if v["relname"] in marts), views
    assert [f"{c['table_name']}.{c['column_name']}" for c in columns if not c["comment"]] == []
    [comment] = [c["comment"] for c in columns
                 if (c["table_name"], c["column_name"]) == ("fct_public_view_expiring", "days_left")]
    assert comment == "Days from the night to publicity_until."


def test_month_over_month_and_leaving_public_view(first_night):
    with conn_as_analyst(first_night) as conn:
        rows = query(conn, "select * from analytics.agg_monitoring_indicators_month_over_month "
                           "where indicator = 'double_publicity_timeliness' and division_code = '370100' "
                           "order by month_start")
        expiring = query(conn, "select * from analytics.fct_public_view_expiring")
        window = query(conn, "select record_id, publicity_until from analytics.fct_credit_record "
                             "where status = 'active' and disclosure_class = 'public' "
                             "and publicity_until >= %s and publicity_until < %s",
                       (NIGHT_TWO, NIGHT_TWO + timedelta(days=30)))
    assert rows and rows[0]["previous_value"] is None
    assert all(row["indicator_value"] == round(row["numerator"] / row["denominator"], 4) for row in rows)
    for before, after in zip(rows, rows[1:], strict=False):
        assert after["previous_value"] == before["indicator_value"]
        assert after["change"] == after["indicator_value"] - before["indicator_value"]
    assert sorted(e["record_id"] for e in expiring) == sorted(w["record_id"] for w in window)
    assert all(0 <= e["days_left"] < 30 for e in expiring)


def test_correction_takes_a_company_off_the_blacklist(second_night):
    entries = analysis(second_night, "active_blacklist_type_14")
    assert [e["subject_key"] for e in entries] == [ZENITH]
    [archive] = analysis(second_night, "credit_archive_by_uscc")
    assert archive["active_blacklist_count"] == 0
    assert archive["credit_tier"] == "C"  # the serious penalty is still in publicity
    # the objection against the second penalty was refused (不同意): it stays
    assert archive["active_penalty_count"] == 2


def test_snapshot_keeps_when_the_company_was_listed(second_night):
    versions = query(
        second_night,
        "select status, valid_from, ended_on, dbt_valid_to from snapshots.blacklist_snapshot"
        " where subject_key = %s order by dbt_valid_from",
        (ACME,),
    )
    assert [(v["status"], v["valid_from"], v["ended_on"]) for v in versions] == [
        ("active", date(2024, 1, 15), None),
        ("repaired", date(2024, 1, 15), date(2024, 2, 20)),
    ]
    assert versions[0]["dbt_valid_to"] is not None and versions[1]["dbt_valid_to"] is None


def test_repaired_listing_is_withdrawn_from_the_national_platform(second_night):
    delta = query(second_night, "select record_kind, action, subject_code from publish.publish_national_delta")
    assert {"record_kind": "blacklist", "action": "withdraw", "subject_code": ACME} in delta
    assert all(
        row["action"] == "upsert" for row in delta if row["subject_code"] != ACME or row["record_kind"] != "blacklist"
    )


def test_objection_handling_days(second_night):
    city, *_ = analysis(second_night, "monitoring_this_month")
    # the 异议撤销 (19 -> 21 Feb) was not upheld (不同意) and the other is unanswered: not valid objections;
    # the upheld 异议更正 took 6 working days (7, 8, 9, 18, 19, 20 Feb: the Spring Festival off, the 18th worked)
    assert (city["valid_objections"], city["handling_working_days"]) == (1, 6)
    assert city["objection_handling_working_days"] == 6


def test_an_upheld_objection_withholds_the_record_until_it_is_re_reported(second_night):
    doc_no = "济市监许〔2024〕1号"
    [licence] = query(second_night, "select record_key, status, correction_id, ended_on from marts.fct_credit_record "
                      "where record_kind = 'license' and doc_no = %s", (doc_no,))
    # correction ids are codes: folded like every code
    assert (licence["status"], licence["correction_id"], licence["ended_on"]) == ("withheld", "YY2024003", NIGHT_ONE)
    # never sent, so not sent now either (a sent one becomes a withdrawal: the dbt unit test of publish)
    assert query(second_night, "select 1 from publish.publish_national_record where record_key = %s",
                 (licence["record_key"],)) == []
    [(report,)] = second_night.execute("select analytics.public_credit_report(%s)", (ACME,)).fetchall()
    assert doc_no not in [r["doc_no"] for r in report["records"]]  # out of public view
    assert {"doc_no": doc_no, "status": "withheld"}.items() <= next(
        c for c in report["corrections"] if c["doc_no"] == doc_no).items()


def test_deadlines_past_or_near_are_alerted_once_through_smtp(second_night, monkeypatch, tmp_path):
    from credit_warehouse.alerts.correction_deadlines import alert_correction_deadlines
    from credit_warehouse_dev.smtp_sink import mail_text, start_smtp_sink

    [deadline] = query(second_night, "select * from marts.fct_credit_correction_deadline "
                       "where correction_id = 'YY2024003'")
    # decided 20 Feb: the 5th working day after is 27 Feb, not yet due as of the 21st
    assert (deadline["correction_due_on"], deadline["correction_breached"]) == (date(2024, 2, 27), False)
    with start_smtp_sink(folder=tmp_path) as sink:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", sink.url)
        counts = alert_correction_deadlines(NIGHT_TWO)
        assert counts == {"answer_breached": 1, "correction_breached": 0, "due_soon": 0}
        assert alert_correction_deadlines(NIGHT_TWO) == counts  # a rebuild of the night mails no more
        [message] = sink.messages
    assert "1 件超期" in message["Subject"]
    body = mail_text(message)
    assert "YY2024004" in body and "答复期限 2024-01-31" in body and "已超期未答复" in body
    assert "YY2024003" not in body and "objection-desk@example.gov.cn" in message["To"]


def test_a_number_past_the_gate_is_masked_and_alerted_and_the_build_goes_on(second_night):
    from credit_warehouse.security.scan import full_ids
    from credit_warehouse.transform.dbt import target_dir
    from credit_warehouse.transform.leaks import contain_leaks

    conn = second_night
    [record_id] = conn.execute(
        "update marts.fct_credit_record set details = details || jsonb_build_object('note', %s::text) "
        "where record_id = (select min(record_id) from marts.fct_credit_record) returning record_id",
        (f"当事人ID{PERSON_ID}",)).fetchone()
    tested = run_dbt(["test", "--select", "fct_credit_record", "--vars", VARS])
    assert tested.returncode == 0 and "WARN=1" in tested.stdout  # a warning, not a failure of the night

    leaks = contain_leaks(NIGHT_TWO, target_dir())
    assert [(leak.relation, leak.column, leak.rows, leak.masked) for leak in leaks] == [
        ("marts.fct_credit_record", "details", 1, True)]
    [note] = conn.execute("select details ->> 'note' from marts.fct_credit_record where record_id = %s",
                          (record_id,)).fetchone()
    assert note == f"当事人ID{mask_resident_id(PERSON_ID)}" and not list(full_ids(note))
    [(subject, status)] = conn.execute(
        "select subject, status from ops.alert_log where alert_kind = 'personal_data' and logical_date = %s",
        (NIGHT_TWO,)).fetchall()
    assert "已就地掩码" in subject and PERSON_ID not in subject
    again = run_dbt(["test", "--select", "fct_credit_record", "--vars", VARS])
    assert "WARN=0" in again.stdout and contain_leaks(NIGHT_TWO, target_dir()) == []


def test_a_number_in_the_history_is_masked_in_every_table_built_from_it(second_night):
    """The current-record table is not scanned itself (its rows are the history's): a number the history's
    test finds is masked in both."""
    from credit_warehouse.transform.dbt import night_vars, target_dir
    from credit_warehouse.transform.leaks import contain_leaks

    conn = second_night
    note = f"经办人{PERSON_ID}"
    [key] = conn.execute(
        "update intermediate.int_credit_record__history set details = details || jsonb_build_object('note', %s::text) "
        "where (record_kind, record_key) = (select c.record_kind, c.record_key "
        "from intermediate.int_credit_record__current as c order by 1, 2 limit 1) "
        "returning record_kind || ':' || record_key", (note,)).fetchone()
    conn.execute("update intermediate.int_credit_record__current set details = details || jsonb_build_object('note', "
                  "%s::text) where record_kind || ':' || record_key = %s", (note, key))
    # a night's build scans only the rows it appended to the history; this one came on an earlier night
    nightly = run_dbt(["test", "--select", "int_credit_record__history", "--vars", night_vars(NIGHT_TWO)])
    assert nightly.returncode == 0 and "WARN=0" in nightly.stdout and "PASS=" in nightly.stdout
    tested = run_dbt(["test", "--select", "int_credit_record__history int_credit_record__current", "--vars", VARS])
    assert tested.returncode == 0 and "WARN=1" in tested.stdout

    leaks = contain_leaks(NIGHT_TWO, target_dir())
    assert {(leak.relation, leak.column, leak.masked) for leak in leaks} >= {
        ("intermediate.int_credit_record__history", "details", True),
        ("intermediate.int_credit_record__current", "details", True)}
    for table in ("int_credit_record__history", "int_credit_record__current"):
        assert query(conn, sql.SQL("select count(*) as n from intermediate.{} as t where t::text like %s").format(
            sql.Identifier(table)), (f"%{PERSON_ID}%",))[0]["n"] == 0, table


def test_a_staging_view_is_scanned_on_the_nights_deliveries_by_the_nightly_build(second_night):
    """A staging view is computed over every raw row each time it is read: the nightly build tests the rows
    of the night's deliveries (reported_on), a bare dbt test every row; the personal-data test by its own
    new_rows, the others (here valid_uscc) by the staging tests' where config."""
    from credit_warehouse.transform.dbt import night_vars

    conn = second_night
    select = ["test", "--select", "stg_department__penalty"]
    [(batch_id, row_number, facts, uscc)] = conn.execute(
        "select r._batch_id, r._row_number, r.violation_facts, r.uscc from raw.dept_penalty as r "
        "join ops.load_batch as b on b.batch_id = r._batch_id where b.status = 'accepted' and b.logical_date = %s "
        "and r.uscc is not null and not exists (select 1 from quarantine.dept_penalty as q "
        "where (q._batch_id, q._row_number) = (r._batch_id, r._row_number)) order by 1, 2 limit 1",
        (NIGHT_ONE,)).fetchall()
    invalid = uscc[:17] + ("0" if uscc[17] != "0" else "1")  # another check character
    conn.execute("update raw.dept_penalty set violation_facts = %s, uscc = %s where _batch_id = %s "
                 "and _row_number = %s", (f"{facts}，当事人{PERSON_ID}", invalid, batch_id, row_number))
    try:
        later = run_dbt([*select, "--vars", night_vars(NIGHT_TWO)])
        assert later.returncode == 0 and "WARN=0" in later.stdout and "PASS=" in later.stdout
        that_night = run_dbt([*select, "--vars", night_vars(NIGHT_ONE)])
        assert that_night.returncode == 0 and "WARN=2" in that_night.stdout
        every_row = run_dbt([*select, "--vars", VARS])
        assert every_row.returncode == 0 and "WARN=2" in every_row.stdout
    finally:
        conn.execute("update raw.dept_penalty set violation_facts = %s, uscc = %s where _batch_id = %s "
                     "and _row_number = %s", (facts, uscc, batch_id, row_number))


def test_the_night_report_draws_its_charts_in_a_browser_without_errors(second_night, browser):
    from credit_warehouse.reports.night import write_night_report

    path = write_night_report(NIGHT_TWO)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    charts = page.locator("figure svg")
    # rows per feed, quarantine share, timeliness by department, the indicators, publishing outcomes
    assert charts.count() == 5
    for n in range(charts.count()):
        box = charts.nth(n).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
        assert charts.nth(n).locator("path, rect, line").count() > 5  # axes, ticks and the data drawn
    text = page.inner_text("body")
    assert "夜间运行报告 · 2024-02-21" in text and "dept_penalty" in text and "双公示及时率" in text
    page.screenshot(path=str(path.with_suffix(".png")), full_page=True)
    assert errors == []
    assert PERSON_ID not in path.read_text(encoding="utf-8")
    page.close()


def test_the_subject_credit_report_prints_public_sections_and_authorised_ones_only_when_audited(second_night):
    from pypdf import PdfReader

    from credit_warehouse.reports.subject import write_subject_report

    public = write_subject_report(ACME.lower())
    text = " ".join(page.extract_text() for page in PdfReader(public.pdf_path).pages)
    text = "".join(text.split())  # the PDF's line breaks fall anywhere
    for needle in ("信用报告", ACME, "主体身份", "信用评价", "信用等级", "行政处罚", "行政许可",
                   "失信名单及适用的惩戒措施", "异议更正与信用修复", "公开版"):
        assert needle in text, needle
    assert "授权查询信息" not in text.replace("不含授权查询信息", "")
    assert public.document["include_authorised"] is False and public.document["authorised"] is None

    audited = write_subject_report(ACME, "授权书 2024-007（信贷审批）")
    text = "".join(" ".join(p.extract_text() for p in PdfReader(audited.pdf_path).pages).split())
    assert "六、授权查询信息" in text and "含授权查询信息（已审计）" in text
    [(who, subject, purpose)] = second_night.execute(
        "select role_name, subject_code, purpose from ops.access_audit where purpose like '授权书 2024-007%'"
    ).fetchall()
    assert (who, subject) == ("analyst", ACME)
    for report in (public, audited):
        assert PERSON_ID not in report.html_path.read_text(encoding="utf-8")


def test_the_measures_of_the_four_lists_follow_listings_and_honours_with_their_units(first_night):
    due = query(first_night, "select subject_key, measure_direction, trigger_doc_no, scope_item_code, item_code, "
                "implementing_units from marts.fct_joint_measure_applicable order by subject_key, item_code")
    zenith = {}
    for d in due:
        if d["subject_key"] == ZENITH:
            zenith.setdefault((d["trigger_doc_no"], d["scope_item_code"]), []).append(d["item_code"])
    # each listing (two department lists, the court's dishonest-debtor list) brings its own type's sanctions and the
    # four that follow every listing, under its scope item; ZENITH is black-listed, so its honour is suspended and
    # brings no incentive
    general = ["SM020", "SM021", "SM022", "SM023"]
    assert zenith == {("济税黑〔2024〕3号", "DS02"): ["SM005", "SM006", "SM007", *general],
                      ("济人社黑〔2024〕2号", "DS14"): ["SM019", *general],
                      ("(2023)鲁0102执1194号", "DS01"): ["SM001", "SM002", "SM003", "SM004", *general]}
    assert all(d["implementing_units"] for d in due)
    honour = [d for d in due if d["subject_key"] == HONOUR]
    assert {(d["measure_direction"], d["scope_item_code"]) for d in honour} == {("incentive", "HS01")}
    assert "IM05" not in {d["item_code"] for d in honour}  # the tax A-grade incentive is not a contract honour's


def test_measures_reported_back_are_counted_each_month(second_night):
    cases = query(second_night, "select case_id, subject_key, measure_direction, direction_matches_item, "
                  "trigger_known from marts.fct_joint_measure_feedback order by case_id")
    assert [(c["case_id"], c["subject_key"], c["measure_direction"], c["direction_matches_item"], c["trigger_known"])
            for c in cases] == [("JC202402001", ACME, "sanction", True, True),
                                ("JC202402002", HONOUR, "incentive", True, False)]
    city, *_ = analysis(second_night, "monitoring_this_month")
    assert (city["feedback_cases"], city["feedback_sanction_cases"], city["feedback_incentive_cases"]) == (2, 1, 1)
    assert city["joint_measure_fed_back"] is True

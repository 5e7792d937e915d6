"""The resident-ID vault, and a scan proving no full number reached any derived table."""

from __future__ import annotations

import psycopg
import pytest

from credit_warehouse.identifiers import mask_resident_id
from credit_warehouse.security import vault
from credit_warehouse.security.scan import format_findings, scan_warehouse
from credit_warehouse.settings import database_url

from .conftest import connect_as

pytestmark = pytest.mark.integration


def test_raw_holds_the_token_and_the_vault_the_encrypted_number(security_night, superuser):
    [stored] = superuser.execute(
        "select person_id_no from raw.dept_license where _batch_id = %s and person_id_no is not null",
        (security_night.license_batch,)).fetchone()
    assert stored == vault.token(security_night.person_id)
    assert stored.startswith(mask_resident_id(security_night.person_id) + "#")
    [(masked, ciphertext)] = superuser.execute(
        "select id_masked, id_ciphertext from vault.resident_id where person_key = %s",
        (vault.person_key(security_night.person_id),)).fetchall()
    assert masked == mask_resident_id(security_night.person_id)
    assert security_night.person_id.encode() not in bytes(ciphertext)  # encrypted at rest
    assert vault.decrypt(bytes(ciphertext)) == security_night.person_id


@pytest.mark.parametrize("role", ["transformer", "analyst", "publisher"])
def test_only_the_loader_reaches_the_vault(security_night, role):
    with connect_as(role, security_night) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select * from vault.resident_id limit 1")


def test_the_person_is_in_the_marts_by_masked_id_and_key_only(security_night):
    with connect_as("analyst", security_night) as conn:
        [(key, masked)] = conn.execute(
            "select subject_key, id_no_masked from analytics.dim_credit_archive where subject_kind = 'natural_person'"
        ).fetchall()
    assert key == vault.person_key(security_night.person_id)
    assert masked == mask_resident_id(security_night.person_id)


def test_no_full_resident_id_in_any_derived_table(security_night):
    findings, relations = scan_warehouse(database_url(security_night.database))
    assert relations >= 30  # 37 measured: staging, intermediate, marts, publish, analytics and ops
    assert findings == [], format_findings(findings)


def test_the_scan_finds_a_planted_number(security_night, superuser):
    superuser.execute("create table ops.scan_probe (note text, extra jsonb)")
    try:
        # full-width digits, inside JSON, and in running text: all are found, and reported masked
        full_width = security_night.person_id.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        superuser.execute("insert into ops.scan_probe values (%s, %s), (%s, null)",
                          (f"card {security_night.person_id}.", f'{{"id": "{full_width}"}}', "no number here"))
        findings, _ = scan_warehouse(database_url(security_night.database))
    finally:
        superuser.execute("drop table ops.scan_probe")
    assert sorted((f.location, f.count) for f in findings) == [("ops.scan_probe.extra", 1), ("ops.scan_probe.note", 1)]
    assert all(f.sample == mask_resident_id(security_night.person_id) for f in findings)
    assert security_night.person_id not in format_findings(findings)


def test_a_number_written_with_a_label_full_width_or_spaced_in_an_id_column_is_vaulted(security_night, superuser):
    from datetime import date

    from credit_warehouse.identifiers import make_resident_id

    from .conftest import _license, deliver

    labelled = make_resident_id("370102", date(1979, 3, 22), 12)
    spaced = make_resident_id("370102", date(1983, 9, 1), 7)
    full_width = labelled.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    batch = deliver(superuser, "dept_license", "loaded", [
        _license("济市监许〔2025〕41号", "赵六", subject_category="自然人", person_id_type="身份证",
                 person_id_no=f"身份证:{full_width}"),
        _license("济市监许〔2025〕42号", "孙七", subject_category="自然人", person_id_type="身份证",
                 person_id_no=f"{spaced[:6]} {spaced[6:14]} {spaced[14:]}"),
    ])
    stored = [row[0] for row in superuser.execute(
        "select person_id_no from raw.dept_license where _batch_id = %s order by _row_number", (batch,))]
    assert stored == [vault.token(labelled), vault.token(spaced)]
    vaulted = {row[0] for row in superuser.execute("select person_key from vault.resident_id")}
    assert {vault.person_key(labelled), vault.person_key(spaced)} <= vaulted


def test_numbers_written_inside_free_text_are_vaulted_and_tokenised_on_load(security_night, superuser):
    from datetime import date

    from credit_warehouse.identifiers import make_resident_id
    from credit_warehouse.security.scan import full_ids

    from .conftest import _license, deliver

    glued = make_resident_id("370102", date(1975, 5, 4), 21)
    full_width = make_resident_id("370103", date(1988, 12, 30), 3)
    hyphenated = make_resident_id("370104", date(1990, 1, 15), 9)
    written = full_width.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    batch = deliver(superuser, "dept_license", "loaded", [
        _license("济市监许〔2025〕51号", "某餐饮有限公司", content=f"经营者ID{glued}办理食品经营"),
        _license("济市监许〔2025〕52号", "某超市有限公司", content=f"申请人身份证号{written}，已核验",
                 decision_doc_name=f"{hyphenated[:6]}-{hyphenated[6:14]}-{hyphenated[14:]}号决定"),
        _license("济市监许〔2025〕53号", "某药店有限公司", content="统一社会信用代码91370102MA3C00011F，无个人信息"),
    ])
    rows = superuser.execute("select content, decision_doc_name from raw.dept_license where _batch_id = %s "
                             "order by _row_number", (batch,)).fetchall()
    assert rows[0][0] == f"经营者ID{vault.token(glued)}办理食品经营"
    assert rows[1] == (f"申请人身份证号{vault.token(full_width)}，已核验", f"{vault.token(hyphenated)}号决定")
    assert rows[2][0] == "统一社会信用代码91370102MA3C00011F，无个人信息"  # a USCC is not a person's number
    assert not [number for row in rows for value in row for number in full_ids(value)]
    vaulted = {row[0] for row in superuser.execute("select person_key from vault.resident_id")}
    assert {vault.person_key(glued), vault.person_key(full_width), vault.person_key(hyphenated)} <= vaulted


def test_the_scan_reads_airflow_xcom_and_dbt_target(security_night, tmp_path):
    import uuid

    from credit_warehouse import settings
    from credit_warehouse.security.scan import default_paths, scan_airflow, scan_files

    assert {"dbt_target", "dbt_runs"} <= {path.name for path in default_paths()}
    name = f"cw_airflow_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(settings.server_url() + "/postgres", autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    try:
        with psycopg.connect(settings.database_url(name), autocommit=True) as conn:
            conn.execute("create table xcom (dag_id text, key text, value jsonb)")
            conn.execute("insert into xcom values ('feed_dept_license', 'return_value', %s), ('x', 'y', '{}')",
                         (f'{{"message": "row 3: {security_night.person_id}"}}',))
        findings, tables = scan_airflow(settings.database_url(name))
    finally:
        with psycopg.connect(settings.server_url() + "/postgres", autocommit=True) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')
    assert tables == 1
    assert [(f.location, f.count, f.sample) for f in findings] == [
        ("airflow:public.xcom.value", 1, mask_resident_id(security_night.person_id))]
    compiled = tmp_path / "dbt_target" / "compiled.sql"
    compiled.parent.mkdir()
    compiled.write_text(f"select '{security_night.person_id}' as leaked")
    assert [f.count for f in scan_files([tmp_path / "dbt_target"])[0]] == [1]

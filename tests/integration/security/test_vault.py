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

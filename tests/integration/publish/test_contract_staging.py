"""Staging the publish delta into the outbox through the publish contract (GX in PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from credit_warehouse.identifiers import make_resident_id
from credit_warehouse.publish import signing
from credit_warehouse.publish.outbox import stage_outbox_detailed
from credit_warehouse_dev.smtp_sink import mail_text, start_smtp_sink

NIGHT = date(2026, 11, 20)  # the delivery date the staging night is for


def _reasons(failures: dict, key: str) -> set[tuple[str, str]]:
    return {(f["column"], f["reason_code"]) for f in failures[key]}


def test_only_contract_passing_records_are_released_and_the_rest_wait_for_correction(
    put_records, clean_publish, kit, caplog, monkeypatch, tmp_path
):
    conn = clean_publish
    mail = start_smtp_sink(folder=tmp_path)
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", mail.url)
    full_person_id = make_resident_id("110105", date(1980, 1, 1), 7)
    good = [kit.record("license", n) for n in range(1, 6)] + [kit.record("penalty", 6), kit.record("blacklist", 7)]
    bad = [
        kit.record("license", 20, license_category="99"),          # not in the code table
        kit.record("penalty", 21, decision_date="2024/05/06"),     # wrong date format
        kit.record("blacklist", 22, uscc="91110105MA00000000"),    # USCC checksum fails
        kit.record("penalty", 23, person_id_no=full_person_id),    # a full ID must never go out
        kit.record("license", 24, content=None),                   # required field missing
    ]
    put_records(good + bad)

    result = stage_outbox_detailed(NIGHT)

    assert (result.staged, result.checked, result.released, result.held) == (12, 12, 7, 5)
    assert kit.outbox_counts(conn) == {"pending": 7, "failed": 5}
    failures = dict(conn.execute("select record_key, failures from ops.publish_contract_failure").fetchall())
    assert set(failures) == {"license-20", "penalty-21", "blacklist-22", "penalty-23", "license-24"}
    assert _reasons(failures, "license-20") == {("license_category", "INVALID_CODE")}
    assert ("decision_date", "INVALID_FORMAT") in _reasons(failures, "penalty-21")
    assert ("uscc_is_valid", "INVALID_IDENTIFIER") in _reasons(failures, "blacklist-22")
    assert ("person_id_is_masked", "INVALID_IDENTIFIER") in _reasons(failures, "penalty-23")
    assert ("content", "MISSING_FIELD") in _reasons(failures, "license-24")
    # the held records were alerted (one mail), and nothing shows the full ID number
    mail.stop()
    assert len(mail.messages) == 1
    body = mail_text(mail.messages[0])
    assert "推送契约校验扣下 5 条记录" in mail.messages[0]["Subject"]
    assert all(key in body for key in failures)
    assert "license-data@example.gov.cn" in mail.messages[0]["To"]
    assert "license-20" in caplog.text
    assert full_person_id not in caplog.text + body
    assert full_person_id not in json.dumps(failures, ensure_ascii=False)

    # a rerun stages nothing twice; the idempotency key is the documented sha256
    assert stage_outbox_detailed(NIGHT).staged == 0
    row = conn.execute(
        "select record_kind, record_key, action, payload_hash, idempotency_key from ops.publish_outbox limit 1"
    ).fetchone()
    assert row[4] == signing.idempotency_key(*row[:4])

    # the department corrects a record: the new version passes, the held one is resolved and not re-checked
    put_records([kit.record("license", 20)])
    again = stage_outbox_detailed(NIGHT)
    assert (again.staged, again.released, again.held) == (1, 1, 4)
    assert conn.execute(
        "select resolved_at is not null from ops.publish_contract_failure where record_key = 'license-20'"
    ).fetchone()[0]


def test_every_failing_row_is_held_however_many(put_records, clean_publish, kit, monkeypatch, tmp_path):
    """GX lists at most 20 failing rows of a SQL validation unless asked for all: 1,200 must all be held."""
    mail = start_smtp_sink(folder=tmp_path)
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", mail.url)
    bad = [kit.record("license", n, status="0") for n in range(1, 1201)]
    good = [kit.record("license", n) for n in range(2001, 2031)]
    put_records(bad + good)

    result = stage_outbox_detailed(NIGHT)

    mail.stop()
    assert (result.checked, result.released, result.held) == (1230, 30, 1200)
    assert kit.outbox_counts(clean_publish) == {"pending": 30, "failed": 1200}
    # the claimers plan on fresh statistics: the staged rows are counted before the first claim
    assert clean_publish.execute(
        "select reltuples from pg_class where oid = 'ops.publish_outbox'::regclass").fetchone()[0] >= 1230
    passed = {r[0] for r in clean_publish.execute(
        "select record_key from ops.publish_outbox where contract_passed").fetchall()}
    assert passed == {f"license-{n}" for n in range(2001, 2031)}
    assert clean_publish.execute("select count(*) from ops.publish_contract_failure").fetchone()[0] == 1200


def test_a_contract_that_cannot_run_in_full_holds_every_staged_row(put_records, clean_publish, kit, monkeypatch,
                                                                     tmp_path):
    from credit_warehouse.publish import contract

    mail = start_smtp_sink(folder=tmp_path)
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", mail.url)
    definition = json.loads(json.dumps(contract.load_suite_definition()))
    # an expectation on a payload field that the regex engine cannot compile: GX reports an exception
    definition["expectations"].append({"type": "expect_column_values_to_match_regex",
                                       "kwargs": {"column": "content", "regex": "(unclosed"}})
    monkeypatch.setattr(contract, "load_suite_definition", lambda: definition)
    put_records([kit.record("license", n) for n in range(1, 6)])

    with pytest.raises(contract.ContractIncomplete, match="could not run"):
        stage_outbox_detailed(NIGHT)

    mail.stop()
    assert clean_publish.execute(
        "select count(*) filter (where contract_passed is null), count(*) from ops.publish_outbox"
    ).fetchone() == (5, 5)
    assert any("推送契约校验未能完整运行" in m["Subject"] for m in mail.messages)


def test_verdicts_refuse_a_cut_short_or_missing_result():
    from types import SimpleNamespace

    from credit_warehouse.publish import contract

    definition = {"expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "uscc"}}]}
    config = SimpleNamespace(type="expect_column_values_to_not_be_null", kwargs={"column": "uscc"}, meta={})

    def outcome(count, listed):
        return SimpleNamespace(expectation_config=config, success=count == 0, exception_info=None,
                               result={"unexpected_count": count,
                                       "unexpected_index_list": [{"outbox_id": i, "uscc": None} for i in listed]})

    assert set(contract.verdicts(definition, [outcome(3, [1, 2, 3])])) == {1, 2, 3}
    with pytest.raises(contract.ContractIncomplete, match="reported 30 failing row"):
        contract.verdicts(definition, [outcome(30, range(20))])
    with pytest.raises(contract.ContractIncomplete, match="0 of 1 expectations"):
        contract.verdicts(definition, [])

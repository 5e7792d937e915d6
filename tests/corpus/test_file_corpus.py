"""The fault corpus of file deliveries: each case a real input, the status it must end in, the reason it
must give and whether the monitors hear of it. Run through the feed's own Airflow task functions
(load_feed, then gate_feed), one delivery date per case, against the embedded PostgreSQL and a real SMTP
sink. Awkward inputs that are valid are in the table too: refusing them would be as wrong as loading the bad.

Statuses: failed (refused on load, one sentence naming file, line or field), accepted or rejected (the
gate's decision), already (the same bytes were loaded before). The reason is a fragment of the load
message, or the name of a gate expectation that quarantined rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from credit_warehouse import settings
from credit_warehouse.feeds import files
from credit_warehouse.orchestration import tasks
from credit_warehouse_dev.smtp_sink import start_smtp_sink

from . import inputs as make

pytestmark = pytest.mark.integration

FIRST_DAY = date(2024, 6, 3)  # after every date the rows carry


@dataclass(frozen=True)
class Case:
    id: str
    family: str  # encoding | csv | xlsx | jsonl | names | values
    build: Callable[[Path], None]
    status: str | list[str]  # one status, or one per delivered file in name order
    reason: str = ""
    alert: bool = True
    feed: str = "dept_commitment"
    accepted_rows: int | None = None


H, D = make.header_line, make.data_line
PID = make.person_id()
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def build_cases() -> list[Case]:
    """The table; built again per case with that case's make.SALT, so its records are its own."""
    return [
        # --- encodings -------------------------------------------------------------------------------------
        Case("utf8", "encoding", make.csv(), "accepted", alert=False, accepted_rows=3),
        Case("utf8_bom", "encoding", make.write("c.csv", b"\xef\xbb\xbf" + make.csv_text().encode()), "accepted",
             alert=False, accepted_rows=3),
        Case("gb18030", "encoding", make.csv(encoding="gb18030"), "accepted", alert=False, accepted_rows=3),
        Case("gbk", "encoding", make.csv(encoding="gbk"), "accepted", alert=False, accepted_rows=3),
        Case("gb18030_four_byte_characters", "encoding",
             make.csv(encoding="gb18030", body=make.rows(subject_name="𠀀𪚥测试有限公司")), "accepted",
             alert=False, accepted_rows=3),
        Case("two_boms", "encoding", make.write("c.csv", b"\xef\xbb\xbf" * 2 + make.csv_text().encode()), "accepted",
             alert=False),
        Case("bom_then_gb18030", "encoding", make.bom_then("gb18030"), "failed",
             "starts with a UTF-8 byte-order mark but is not UTF-8"),
        Case("utf16", "encoding", make.write("c.csv", make.csv_text().encode("utf-16")), "failed", "c.csv"),
        Case("undecodable_bytes", "encoding", make.write("c.csv", make.csv_text().encode() + b"\xff\xfe\xff,x\r\n"),
             "failed", "cannot be decoded in any accepted encoding"),
        Case("truncated_multibyte", "encoding",
             make.write("c.csv", make.csv_text().encode("gb18030") + "测".encode("gb18030")[:1]), "failed",
             "truncated file"),
        Case("utf8_header_gb18030_rows", "encoding",
             make.write("c.csv", (H() + "\r\n").encode() + (D(1) + "\r\n" + D(2) + "\r\n").encode("gb18030")), "failed",
             "cannot be decoded"),
        # --- CSV structure ---------------------------------------------------------------------------------
        Case("lf_line_ends", "csv", make.csv(newline="\n"), "accepted", alert=False, accepted_rows=3),
        Case("cr_line_ends", "csv", make.csv(newline="\r"), "accepted", alert=False, accepted_rows=3),
        Case("tab_delimited_txt", "csv", make.csv(name="c.txt", delimiter="\t"), "accepted", alert=False,
             accepted_rows=3),
        Case("quoted_comma", "csv", make.csv(body=make.rows(matter="材料齐全，按期提交")), "accepted", alert=False,
             accepted_rows=3),
        Case("quoted_newline", "csv", make.csv(body=[make.row(1, matter="第一行\n第二行"), make.row(2)]), "accepted",
             alert=False, accepted_rows=2),
        Case("doubled_quotes", "csv", make.csv(body=[make.row(1, subject_name='上海"诚信"有限公司'), make.row(2)]),
             "accepted", alert=False, accepted_rows=2),
        Case("unclosed_quote", "csv", make.raw_lines(H(), D(1), D(2) + ',"未闭合'), "failed", "cannot be parsed"),
        Case("stray_quote_swallows_lines", "csv", make.raw_lines(H(), D(1).replace("按期", '"按期'), D(2), D(3)),
             "failed", "commitments.csv, line"),
        Case("too_few_fields", "csv", make.raw_lines(H(), D(1), ",".join(make.row(2)[:5])), "failed",
             "row 2: 5 fields but the header has 8"),
        Case("too_many_fields", "csv", make.raw_lines(H(), D(1) + ",多余"), "failed",
             "row 1: 9 fields but the header has 8"),
        Case("empty_file", "csv", make.write("c.csv", b""), "failed", "the file is empty"),
        Case("header_only", "csv", make.raw_lines(H()), "accepted", alert=True, accepted_rows=0),
        Case("blank_lines_only", "csv", make.write("c.csv", b"\r\n\r\n"), "failed", "no header row"),
        Case("unknown_header", "csv", make.csv(header=[*make.HEADER[:-1], "颜色"]), "failed",
             "unknown header in column 8"),
        Case("missing_required_header", "csv",
             make.csv(header=make.HEADER[1:], body=[r[1:] for r in make.rows()]), "failed",
             "required header missing: subject_name"),
        Case("header_written_loosely", "csv",
             make.csv(header=[" 主体名称 ", "统一社会信用代码：", *make.HEADER[2:]]), "accepted", alert=False,
             accepted_rows=3),
        Case("columns_reordered", "csv",
             make.csv(header=make.HEADER[::-1], body=[r[::-1] for r in make.rows()]), "accepted", alert=False,
             accepted_rows=3),
        Case("duplicate_header", "csv",
             make.csv(header=[*make.HEADER, "主体名称"], body=[r + ["重复"] for r in make.rows()]), "failed",
             "the headers in columns 1 and 9 both name column subject_name"),
        Case("headerless", "csv", make.raw_lines(D(1), D(2)), "failed", "header row missing"),
        Case("nul_byte", "csv", make.raw_lines(H(), D(1), D(2).replace("按期", "按\x00期")), "failed",
             "row 2, field matter"),
        Case("blank_lines_between_rows", "csv", make.raw_lines(H(), D(1), "", D(2), "", ""), "accepted", alert=False,
             accepted_rows=2),
        Case("value_over_its_length", "csv", make.csv(body=[make.row(1, matter="长" * 1200), *make.rows(1)[1:]]),
             "rejected", "max_length"),
        # loaded whole by COPY (never truncated), then held by the gate
        Case("value_far_over_any_length", "csv", make.raw_lines(H(), D(1, matter="长" * 3_000_000)), "rejected",
             "max_length"),
        # --- XLSX ------------------------------------------------------------------------------------------
        Case("xlsx", "xlsx", make.xlsx(), "accepted", alert=False, accepted_rows=3),
        Case("xlsx_empty_second_sheet", "xlsx", make.xlsx(sheets={"承诺": [make.HEADER, *make.rows()], "说明": []}),
             "accepted", alert=False, accepted_rows=3),
        Case("xlsx_two_data_sheets", "xlsx",
             make.xlsx(sheets={"承诺": [make.HEADER, *make.rows()], "第二批": [make.HEADER, make.row(9)]}), "failed",
             "2 sheets with data"),
        Case("xlsx_damaged", "xlsx", make.damaged_xlsx, "failed", "not a valid XLSX file"),
        Case("xlsx_password", "xlsx", make.write("locked.xlsx", make.OLE_SIGNATURE + b"\0" * 4096), "failed",
             "protected by a password"),
        Case("xlsx_zip_bomb", "xlsx", make.zip_bomb, "failed", "would decompress to"),
        Case("xlsx_header_only", "xlsx", make.xlsx(sheets={"承诺": [make.HEADER]}), "accepted", alert=True,
             accepted_rows=0),
        Case("xlsx_that_is_csv", "xlsx", make.write("c.xlsx", make.csv_text().encode()), "failed",
             "not a valid XLSX file"),
        Case("legacy_xls", "xlsx", make.write("c.xls", make.OLE_SIGNATURE + b"\0" * 512), "failed",
             "unsupported file type '.xls'"),
        # --- JSON lines ------------------------------------------------------------------------------------
        Case("jsonl", "jsonl", make.jsonl(make.corrections()), "accepted", alert=False, feed="credit_correction",
             accepted_rows=3),
        Case("jsonl_blank_lines", "jsonl", make.jsonl([make.correction(1), "", make.correction(2), ""]), "accepted",
             alert=False, feed="credit_correction", accepted_rows=2),
        Case("jsonl_bom", "jsonl", make.jsonl(make.corrections(), prefix=b"\xef\xbb\xbf"), "accepted", alert=False,
             feed="credit_correction", accepted_rows=3),
        Case("jsonl_truncated_line", "jsonl", make.jsonl([make.correction(1), make.correction(2)[:30]]), "failed",
             "line 2: not valid JSON", feed="credit_correction"),
        Case("jsonl_nested_too_deeply", "jsonl", make.jsonl([make.correction(1), "[" * 100_000 + "]" * 100_000]),
             "failed", "line 2: nested too deeply", feed="credit_correction"),
        Case("jsonl_array_line", "jsonl", make.jsonl([make.correction(1), '["YY-2", "penalty"]']), "failed", "line 2",
             feed="credit_correction"),
        Case("jsonl_unknown_key", "jsonl", make.jsonl([make.correction(1, 颜色="红")]), "failed", "unknown key",
             feed="credit_correction"),
        Case("jsonl_undecodable", "jsonl",
             make.write("c.jsonl", make.correction(1).encode("gb18030") + b"\n\xff\xfe\n"), "failed", "c.jsonl",
             feed="credit_correction"),
        # --- file names and links --------------------------------------------------------------------------
        Case("rtl_override_name", "names", make.csv(name="report\u202ecsv.exe.csv"), "failed", "control"),
        Case("newline_in_name", "names", make.csv(name="a\nb.csv"), "failed", "control"),
        Case("symlink_out_of_landing", "names", make.symlink_out, "failed", "link"),
        Case("date_folder_is_a_link", "names", make.date_folder_link, "failed", "link"),
        Case("partial_transfer_ignored", "names", make.both(make.csv(name="a.csv"), make.csv(name="b.csv.part")),
             "accepted", alert=False, accepted_rows=3),
        Case("hidden_file_ignored", "names", make.both(make.csv(name="a.csv"), make.csv(name=".~lock.a.csv")),
             "accepted", alert=False, accepted_rows=3),
        Case("unsupported_extension", "names", make.write("c.pdf", b"%PDF-1.7"), "failed", "unsupported file type"),
        Case("good_and_bad_file_together", "names", make.both(make.csv(name="a.csv"), make.write("b.csv", b"")),
             ["accepted", "failed"], "the file is empty"),
        # --- values (the gate) -----------------------------------------------------------------------------
        Case("uscc_check_character_wrong", "values",
             make.csv(body=[make.row(1, uscc=make.uscc(1)[:-1] + ("0" if make.uscc(1)[-1] != "0" else "1")),
                            *make.rows()[1:]]), "rejected", "uscc_valid"),
        Case("uscc_full_width_and_lower_case", "values",
             make.csv(body=[make.row(1, uscc=make.uscc(make.SALT * 100 + 1).lower().translate(FULL_WIDTH)),
                            *make.rows()[1:]]), "accepted", alert=False, accepted_rows=3),
        Case("date_in_the_future", "values", make.csv(body=[make.row(1, committed_on="2099-01-01"), *make.rows()[1:]]),
             "rejected", "date_not_future"),
        Case("dates_written_in_chinese", "values",
             make.csv(body=[make.row(1, committed_on="2024年3月1日"), make.row(2, committed_on="2024.03.01"),
                            make.row(3, committed_on="20240301")]), "accepted", alert=False, accepted_rows=3),
        Case("placeholders_for_missing", "values", make.csv(body=make.rows(fulfilment="暂无", breach_noted_on="/")),
             "accepted", alert=False, accepted_rows=3),
        Case("value_not_in_the_code_list", "values",
             make.csv(body=[make.row(1, commitment_type="其他承诺"), *make.rows()[1:]]), "rejected", "code_table"),
        Case("resident_id_in_free_text", "values", make.csv(body=[make.row(1, matter=f"法定代表人身份证{PID}"),
                                                                  *make.rows()[1:]]),
             "rejected", "no_resident_id_in_text"),
        Case("resident_id_full_width_in_free_text", "values",
             make.csv(body=[make.row(1, matter="承诺人" + PID.translate(FULL_WIDTH)), *make.rows()[1:]]), "rejected",
             "no_resident_id_in_text"),
        Case("same_key_twice_in_a_file", "values", make.csv(body=[*make.rows(), make.row(3)]), "rejected",
             "business_key_unique"),
    ]


CASES = build_cases()


def test_the_corpus_is_large_and_covers_every_family():
    assert len(CASES) >= 60
    assert {c.family for c in CASES} == {"encoding", "csv", "xlsx", "jsonl", "names", "values"}
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def mail(tmp_path_factory):
    with start_smtp_sink(folder=tmp_path_factory.mktemp("mail")) as sink:
        yield sink


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, warehouse_db, tmp_path, monkeypatch, mail):
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", mail.url)
    monkeypatch.setenv(files.ENV_LANDING, str(tmp_path / "landing"))
    index = [c.id for c in CASES].index(case.id)
    make.SALT = index
    case = build_cases()[index]
    day = FIRST_DAY + timedelta(days=index)
    folder = tmp_path / "landing" / case.feed / day.isoformat()
    folder.mkdir(parents=True)
    case.build(folder)

    outcomes = tasks.load_feed(case.feed, day)
    statuses = {o["batch_id"]: o["status"] for o in outcomes}
    if any(status == "loaded" for status in statuses.values()):
        tasks.gate_feed(case.feed, day, outcomes)
        tasks.send_night_digest(day)  # what the warehouse build does: rows quarantined below a threshold land here
    with psycopg.connect(settings.database_url()) as conn:
        ledger = conn.execute(
            "select batch_id, status, rows_accepted, error_text from ops.load_batch where feed = %s "
            "and logical_date = %s order by source_identity", (case.feed, day)).fetchall()
        reasons = {reason for (reason,) in conn.execute(
            sql.SQL("select distinct r ->> 'expectation' from {} as q, jsonb_array_elements(q.reasons) as r "
                    "where q._batch_id = any(%s)").format(sql.Identifier("quarantine", case.feed)),
            ([b for b, *_ in ledger],))}
        alerts = conn.execute("select alert_kind, feed, subject from ops.alert_log where logical_date = %s "
                              "and (feed = %s or alert_kind = 'digest')", (day.isoformat(), case.feed)).fetchall()

    expected = case.status if isinstance(case.status, list) else [case.status]
    assert [status for _, status, _, _ in ledger] == expected, [error for *_, error in ledger]
    messages = " | ".join(o.get("message") or "" for o in outcomes)
    if case.reason:
        assert case.reason in messages or case.reason in reasons, (messages, reasons)
    for *_, error in ledger:
        assert PID not in (error or "")
    if case.accepted_rows is not None:
        assert sum(accepted or 0 for _, _, accepted, _ in ledger) == case.accepted_rows
    assert bool(alerts) == case.alert, f"alerts for {case.id}: {alerts}"

"""File feeds end to end: landing folder -> COPY into raw -> ledger, reruns and failures included."""

from __future__ import annotations

import dataclasses
from datetime import date

import psycopg
import pytest

from credit_warehouse import settings
from credit_warehouse.feeds import files
from credit_warehouse.feeds.registry import Limits, get_feed, load_registry
from credit_warehouse.load.pipeline import extract_and_load
from credit_warehouse.load.raw_tables import ensure_raw_tables

pytestmark = pytest.mark.integration

HEADER = "主体名称,统一社会信用代码,承诺类型,承诺事项,承诺日期,受理单位,履约状态,违约认定日期"


def _rows(n: int, start: int = 0) -> str:
    return "".join(
        f"企业{i},91310000MA1FL{i:05d},审批替代型,事项{i},2024-03-01,市市场监管局,履约,\n"
        for i in range(start, start + n)
    )


@pytest.fixture
def landing(tmp_path, monkeypatch, warehouse_db):
    monkeypatch.setenv(files.ENV_LANDING, str(tmp_path))
    return tmp_path


def _deliver(landing, feed: str, day: date, name: str, content: bytes):
    folder = landing / feed / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    return folder / name


def _ledger(conn, feed: str, day: date):
    return conn.execute(
        "select batch_id, status, rows_received, bytes_received, error_text, loaded_at is not null "
        "from ops.load_batch where feed = %s and logical_date = %s order by batch_id",
        (feed, day),
    ).fetchall()


def _raw_count(conn, feed: str, batch_id: int | None = None) -> int:
    query = psycopg.sql.SQL("select count(*) from raw.{}").format(psycopg.sql.Identifier(feed))
    if batch_id is None:
        return conn.execute(query).fetchone()[0]
    query += psycopg.sql.SQL(" where _batch_id = %s")
    return conn.execute(query, (batch_id,)).fetchone()[0]


def test_ensure_raw_tables_creates_every_feed_table_as_loader(superuser_conn):
    names = ensure_raw_tables(superuser_conn)
    assert names == ensure_raw_tables(superuser_conn)  # idempotent
    assert names == [f"raw.{feed.raw_table}" for feed in load_registry()]
    owners = dict(superuser_conn.execute(
        "select tablename, tableowner from pg_tables where schemaname = 'raw'").fetchall())
    assert all(owners[f.name] == "loader" for f in load_registry())
    columns = [r[0] for r in superuser_conn.execute(
        "select column_name from information_schema.columns where table_schema = 'raw' and table_name = "
        "'dept_penalty' order by ordinal_position")]
    assert columns == [*get_feed("dept_penalty").column_names, "_batch_id", "_row_number", "_source", "_loaded_at"]
    assert superuser_conn.execute("select has_table_privilege('transformer', 'raw.dept_penalty', 'select')"
                                  ).fetchone()[0]


def test_files_load_once_and_rerun_adds_nothing(landing, superuser_conn, caplog):
    day = date(2024, 3, 4)
    _deliver(landing, "dept_commitment", day, "a.csv", (HEADER + "\n" + _rows(3)).encode("gb18030"))
    _deliver(landing, "dept_commitment", day, "b.csv", ("\ufeff" + HEADER + "\n" + _rows(2, 10)).encode())
    outcomes = extract_and_load("dept_commitment", day)
    assert [(o.status, o.rows_received) for o in outcomes] == [("loaded", 3), ("loaded", 2)]
    ledger = _ledger(superuser_conn, "dept_commitment", day)
    assert [(r[1], r[2], r[5]) for r in ledger] == [("loaded", 3, True), ("loaded", 2, True)]
    first = ledger[0][0]
    raw = superuser_conn.execute(
        "select subject_name, fulfilment, breach_noted_on, _row_number, _source from raw.dept_commitment "
        "where _batch_id = %s order by _row_number", (first,)).fetchall()
    assert raw[0] == ("企业0", "履约", None, 1, "dept_commitment/2024-03-04/a.csv")
    assert [r[3] for r in raw] == [1, 2, 3]

    before = _raw_count(superuser_conn, "dept_commitment")
    with caplog.at_level("INFO"):
        again = extract_and_load("dept_commitment", day)
    assert [o.already_loaded for o in again] == [True, True]
    assert again[0].batch_id == first and f"already loaded as batch {first}" in again[0].message
    assert f"already loaded as batch {first}" in caplog.text
    assert _raw_count(superuser_conn, "dept_commitment") == before
    assert len(_ledger(superuser_conn, "dept_commitment", day)) == 2

    # the same bytes delivered again on another date are still the same file
    _deliver(landing, "dept_commitment", date(2024, 3, 5), "a-copy.csv", (HEADER + "\n" + _rows(3)).encode("gb18030"))
    assert extract_and_load("dept_commitment", date(2024, 3, 5))[0].already_loaded


def test_bad_row_fails_the_batch_and_the_fixed_file_replaces_it(landing, superuser_conn):
    day = date(2024, 3, 6)
    broken = HEADER + "\n" + _rows(4, 100) + "企业X,9131,审批替代型\n" + _rows(2, 200)
    path = _deliver(landing, "dept_commitment", day, "c.csv", broken.encode())
    [failed] = extract_and_load("dept_commitment", day)
    assert failed.status == "failed" and failed.rows_received == 0
    assert failed.message == ("feed dept_commitment, file dept_commitment/2024-03-06/c.csv, row 5: 3 fields but the "
                              "header has 8 (truncated file or stray delimiter).")
    assert _raw_count(superuser_conn, "dept_commitment", failed.batch_id) == 0  # nothing half-loaded
    [(_, status, _, _, error_text, _)] = _ledger(superuser_conn, "dept_commitment", day)
    assert (status, error_text) == ("failed", failed.message)

    # a crashed run could have left rows behind: the rerun must remove them too
    superuser_conn.execute(
        "insert into raw.dept_commitment (subject_name, _batch_id, _row_number, _source) values ('残留', %s, 1, 'x')",
        (failed.batch_id,))
    path.write_bytes((HEADER + "\n" + _rows(6, 100)).encode())
    [loaded] = extract_and_load("dept_commitment", day)
    assert (loaded.status, loaded.rows_received) == ("loaded", 6)
    assert _raw_count(superuser_conn, "dept_commitment", failed.batch_id) == 0
    assert [r[1] for r in _ledger(superuser_conn, "dept_commitment", day)] == ["superseded", "loaded"]


def test_interrupted_batch_is_superseded_and_its_rows_deleted(landing, superuser_conn):
    day = date(2024, 3, 7)
    content = (HEADER + "\n" + _rows(2, 300)).encode()
    _deliver(landing, "dept_commitment", day, "d.csv", content)
    # a loader killed mid-way: batch still 'received', rows of it in raw
    import hashlib

    batch_id = superuser_conn.execute(
        "insert into ops.load_batch (feed, logical_date, source_identity, source_sha256) values "
        "('dept_commitment', %s, 'dept_commitment/2024-03-07/d.csv', %s) returning batch_id",
        (day, hashlib.sha256(content).hexdigest())).fetchone()[0]
    superuser_conn.execute("insert into raw.dept_commitment (subject_name, _batch_id, _row_number, _source) "
                           "values ('半截', %s, 1, 'x')", (batch_id,))
    [outcome] = extract_and_load("dept_commitment", day)
    assert outcome.status == "loaded" and outcome.batch_id != batch_id
    assert _raw_count(superuser_conn, "dept_commitment", batch_id) == 0
    assert superuser_conn.execute("select status from ops.load_batch where batch_id = %s", (batch_id,)
                                  ).fetchone()[0] == "superseded"


def test_bad_inputs_are_recorded_and_the_other_files_go_on(landing, superuser_conn):
    day = date(2024, 3, 8)
    _deliver(landing, "dept_commitment", day, "1-empty.csv", b"")
    _deliver(landing, "dept_commitment", day, "2-bad-bytes.csv", HEADER.encode() + b"\n\xff\xff\xff\n")
    _deliver(landing, "dept_commitment", day, "3-good.csv", (HEADER + "\n" + _rows(2, 400)).encode())
    _deliver(landing, "dept_commitment", day, "4-notes.docx", b"PK")
    outcomes = extract_and_load("dept_commitment", day)
    assert [o.status for o in outcomes] == ["failed", "failed", "loaded", "failed"]
    assert "1-empty.csv: the file is empty." in outcomes[0].message
    assert "2-bad-bytes.csv: the bytes cannot be decoded" in outcomes[1].message
    assert "unsupported file type '.docx'" in outcomes[3].message
    ledger = _ledger(superuser_conn, "dept_commitment", day)
    assert [(r[1], r[4] is None) for r in ledger] == [("failed", False), ("failed", False), ("loaded", True),
                                                      ("failed", False)]
    # rerunning the night: the good file is not loaded twice, the bad ones fail again (superseding)
    again = extract_and_load("dept_commitment", day)
    assert [o.status for o in again] == ["failed", "failed", "loaded", "failed"]
    assert again[2].already_loaded
    statuses = [r[1] for r in _ledger(superuser_conn, "dept_commitment", day)]
    assert statuses.count("loaded") == 1 and statuses.count("failed") == 3 and statuses.count("superseded") == 3


def test_file_over_size_limit_and_over_length_field(landing, superuser_conn):
    day = date(2024, 3, 9)
    _deliver(landing, "dept_commitment", day, "big.csv", (HEADER + "\n" + _rows(50, 500)).encode())
    small = dataclasses.replace(get_feed("dept_commitment"), limits=Limits(max_file_bytes=1000))
    [refused] = extract_and_load(small, day)
    assert refused.status == "failed" and "big.csv: " in refused.message and "over the feed's limit of 1000 bytes" \
        in refused.message

    day = date(2024, 3, 10)
    long_matter = "超长" * 600  # 1200 characters, limit 1000
    rows = _rows(1, 600) + f"企业L,91310000MA1FL99999,审批替代型,{long_matter},2024-03-01,市市场监管局,履约,\n"
    _deliver(landing, "dept_commitment", day, "long.csv", (HEADER + "\n" + rows).encode())
    [loaded] = extract_and_load("dept_commitment", day)
    assert loaded.status == "loaded" and loaded.rows_received == 2
    stored = superuser_conn.execute("select matter from raw.dept_commitment where _batch_id = %s and _row_number = 2",
                                    (loaded.batch_id,)).fetchone()[0]
    assert stored == long_matter  # never truncated: the gate's one pass quarantines it, naming row and field
    from credit_warehouse.quality.gate import gate_batch

    result = gate_batch("dept_commitment", loaded.batch_id, alert=False)
    [failure] = [f for f in result.failed_expectations if f.expectation == "max_length"]
    assert (failure.column, failure.count, [s["row"] for s in failure.samples]) == ("matter", 1, [2])


def test_xlsx_and_jsonl_feeds(landing, superuser_conn):
    import json

    import openpyxl

    day = date(2024, 3, 11)
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER.split(","))
    workbook.active.append(["表格企业", "91310000MA1FL77777", "主动承诺型", "事项", 20240301, "单位", None, None])
    workbook.save(landing / "x.xlsx")
    _deliver(landing, "dept_commitment", day, "x.xlsx", (landing / "x.xlsx").read_bytes())
    [xlsx] = extract_and_load("dept_commitment", day)
    assert (xlsx.status, xlsx.rows_received) == ("loaded", 1)
    assert superuser_conn.execute("select committed_on from raw.dept_commitment where _batch_id = %s",
                                  (xlsx.batch_id,)).fetchone()[0] == "20240301"

    record = {"correction_id": "YY-9", "record_kind": "penalty", "record_key": "k", "subject_code": "s",
              "action": "信用修复", "applied_on": "2024-03-01", "handling_unit": "中心"}
    _deliver(landing, "credit_correction", day, "c.jsonl", (json.dumps(record, ensure_ascii=False) + "\n").encode())
    [jsonl] = extract_and_load("credit_correction", day)
    assert (jsonl.status, jsonl.rows_received) == ("loaded", 1)


def test_unknown_feed_is_an_outcome_not_an_exception(warehouse_db):
    [outcome] = extract_and_load("dept_unicorns", date(2024, 3, 4))
    assert outcome.status == "failed" and "unknown feed 'dept_unicorns'" in outcome.message


def test_loader_role_is_used(landing, superuser_conn):
    day = date(2024, 3, 12)
    _deliver(landing, "logistics", day, "l.csv",
             "统一社会信用代码,企业名称,评价年度,信用等级\n91310000MA1FL00001,物流公司,2023,AA\n".encode())
    [outcome] = extract_and_load("logistics", day)
    assert outcome.status == "loaded"
    with psycopg.connect(settings.database_url(role="loader")) as conn:
        assert conn.execute("select count(*) from raw.logistics where _batch_id = %s", (outcome.batch_id,)
                            ).fetchone()[0] == 1


def test_raw_bytes_copy_and_python_path_load_the_same_rows(landing, superuser_conn, caplog):
    """A clean CSV goes straight to COPY (PostgreSQL decodes GB18030); one with a blank line makes PostgreSQL
    refuse it and loads through the Python path: both must give the same raw rows."""
    lines = [HEADER, '𠮷野家,91310000MA1FL00042,审批替代型,"含,逗号",2024-03-01,"",履约,',
             "企业Q,,主动承诺型,事项,2024年3月2日,单位,,"]
    clean = "\r\n".join(lines) + "\r\n"
    with_blank_line = "\r\n".join([*lines[:2], "", lines[2]]) + "\r\n"
    day = date(2024, 3, 13)
    _deliver(landing, "dept_commitment", day, "1-clean.csv", clean.encode("gb18030"))
    _deliver(landing, "dept_commitment", day, "2-blank.csv", with_blank_line.encode("gb18030"))
    with caplog.at_level("INFO"):
        fast, slow = extract_and_load("dept_commitment", day)
    assert (fast.status, slow.status) == ("loaded", "loaded")
    assert "1-clean.csv: COPY of the raw bytes refused" not in caplog.text
    assert "2-blank.csv: COPY of the raw bytes refused" in caplog.text

    def rows(batch_id):
        return superuser_conn.execute(
            "select subject_name, uscc, matter, accepting_unit, fulfilment, breach_noted_on, _row_number "
            "from raw.dept_commitment where _batch_id = %s order by _row_number", (batch_id,)).fetchall()

    assert rows(fast.batch_id) == rows(slow.batch_id) == [
        ("𠮷野家", "91310000MA1FL00042", "含,逗号", None, "履约", None, 1),
        ("企业Q", None, "事项", "单位", None, None, 2),
    ]
    sources = superuser_conn.execute("select distinct _source from raw.dept_commitment where _batch_id = %s",
                                     (fast.batch_id,)).fetchall()
    assert sources == [("dept_commitment/2024-03-13/1-clean.csv",)]


GB2016_PENALTY_HEADER = (
    "行政处罚决定书文号,处罚名称,处罚类别1,处罚类别2,处罚事由,处罚依据,行政相对人名称,"
    "行政相对人代码_1 (统一社会信用代码),行政相对人代码-2（组织机构代码）,行政相对人代码_3(工商登记码),"
    "行政相对人代码_4(税务登记号),行政相对人代码_5(居民身份证号):,法定代表人姓名,处罚结果,处罚决定日期,处罚机关,"
    "当前状态,地方编码,数据更新时间戳,备注"
)


def test_a_2016_format_delivery_loads_gates_and_records_its_format(landing, superuser_conn):
    from credit_warehouse.identifiers import make_uscc
    from credit_warehouse.quality.gate import gate_batch

    day = date(2024, 7, 10)
    authority = superuser_conn.execute(
        "select authority_name from ref.reporting_unit where department = 'jtys' order by 1 limit 1").fetchone()[0]
    company = make_uscc("9", "1", "370102", "MA3C9001")
    unknown = make_uscc("9", "1", "370102", "MA3C9002")
    lines = [GB2016_PENALTY_HEADER,
             f"济交罚〔2024〕1号,车辆超限运输,罚款,,超限{1}吨,《公路安全保护条例》第六十四条,济南甲公司,{company},,,,,王某,"
             f"罚款人民币2000元,2024-07-08,{authority},0,370102,2024-07-10 18:30:00,",
             f"济交罚〔2024〕2号,车辆超限运输,警告,法律、行政法规规定的其他行政处罚,超限,《公路安全保护条例》,济南乙公司,"
             f",{company[8:17]},,,,,警告,2024-07-08,{authority},0,370102,2024-07-10,",
             f"济交罚〔2024〕3号,车辆超限运输,罚款,,超限,《公路安全保护条例》,济南丙公司,{company},,,,,,罚款,"
             f"2024-07-08,{authority},3,370102,2024-07-10,",   # 当前状态 3 (其他) has no current meaning
             "济交罚〔2024〕4号,车辆超限运输,罚款,,超限,《公路安全保护条例》,济南丁公司,,,,,,,罚款,"
             "2024-07-08,某县不存在局,0,370102,2024-07-10,",  # no subject code, unknown authority
             f"济交罚〔2024〕5号,车辆超限运输,罚款,,超限,《公路安全保护条例》,济南戊公司,,{unknown[8:17]},,,,,罚款,"
             f"2024-07-08,{authority},0,370102,2024-07-10,"]  # an organisation code no known USCC embeds
    _deliver(landing, "dept_penalty", day, "jtys_penalty.csv", ("\n".join(lines) + "\n").encode("gb18030"))

    [outcome] = extract_and_load("dept_penalty", day)
    assert outcome.status == "loaded", outcome.message
    assert superuser_conn.execute("select source_layout from ops.load_batch where batch_id = %s",
                                  (outcome.batch_id,)).fetchone()[0] == "gb2016"
    result = gate_batch("dept_penalty", outcome.batch_id, alert=False)
    reasons = dict(superuser_conn.execute(
        "select _row_number, array_agg(r ->> 'expectation' order by r ->> 'expectation') from quarantine.dept_penalty,"
        " jsonb_array_elements(reasons) as r where _batch_id = %s group by 1", (outcome.batch_id,)).fetchall())
    assert reasons == {3: ["code_table"], 4: ["code_table", "required_any"], 5: ["org_code_linked"]}
    assert result.rows_accepted == 2  # row 2 carries only the organisation code of row 1's USCC: linked
    # 3 of 5 rows failed: the batch is held, and a held batch teaches no USCC to later org-code-only records
    assert result.held
    assert superuser_conn.execute("select count(*) from ops.known_uscc where uscc = %s", (company,)).fetchone()[0] == 0


def test_a_bom_before_gb18030_and_a_nul_fail_their_own_batch_in_one_sentence_and_the_rest_loads(
        landing, superuser_conn):
    import codecs

    day = date(2024, 3, 11)
    with_nul = "企业\x00名,91310000MA1FL00011,审批替代型,事项,2024-03-01,市市场监管局,履约,\n"
    _deliver(landing, "dept_commitment", day, "1-bom-gb.csv",
             codecs.BOM_UTF8 + (HEADER + "\n" + _rows(2)).encode("gb18030"))
    _deliver(landing, "dept_commitment", day, "2-nul.csv", (HEADER + "\n" + _rows(1, 10) + with_nul).encode())
    _deliver(landing, "dept_commitment", day, "3-two-boms.csv",
             codecs.BOM_UTF8 * 2 + (HEADER + "\n" + _rows(2, 20)).encode())
    outcomes = extract_and_load("dept_commitment", day)
    assert [o.status for o in outcomes] == ["failed", "failed", "loaded"]
    assert outcomes[0].message.endswith("1-bom-gb.csv, line 1: the file starts with a UTF-8 byte-order mark but is "
                                        "not UTF-8 (a GB18030 file saved with a BOM?); save it again in one encoding.")
    assert outcomes[1].message.endswith("2-nul.csv, row 2, field subject_name: a NUL character, which PostgreSQL "
                                        "text cannot hold; remove it and deliver again.")
    assert _raw_count(superuser_conn, "dept_commitment", outcomes[2].batch_id) == 2


def test_every_line_of_a_file_is_accounted_for_by_header_records_and_quoted_line_breaks(landing, superuser_conn):
    from credit_warehouse.load.copy import LineCounter, LinesUnaccounted, account_for_lines

    day = date(2024, 3, 20)
    body = (HEADER + "\r\n" + _rows(2) + '企业X,91310000MA1FL99999,审批替代型,"第一行\r\n第二行\n第三行",2024-03-01,'
            "市市场监管局,履约,")  # quoted line breaks, and no line end after the last record
    _deliver(landing, "dept_commitment", day, "a.csv", body.encode("gb18030"))
    [outcome] = extract_and_load("dept_commitment", day)
    assert (outcome.status, outcome.rows_received) == ("loaded", 3)
    feed = get_feed("dept_commitment")
    counter = LineCounter()
    for start in range(0, len(body.encode()), 7):  # chunk boundaries anywhere, a CRLF split by one included
        counter.feed(body.encode()[start:start + 7])
    assert counter.total == 6  # header, 2 records, and a record over 3 lines
    with superuser_conn.transaction():
        account_for_lines(superuser_conn, feed, outcome.batch_id, "a.csv", 6, 3)
        with pytest.raises(LinesUnaccounted, match=r"a.csv: 7 lines but the header, 3 records and 2 line break\(s\) "
                                                   r"inside quoted values account for 6; nothing was loaded"):
            account_for_lines(superuser_conn, feed, outcome.batch_id, "a.csv", 7, 3)


def test_the_vault_reads_only_the_rows_whose_bytes_may_hold_a_number(landing, superuser_conn, monkeypatch):
    """The fast path tells the vault which rows may hold a resident-ID number (IdLines, off the bytes); every
    number is still tokenised, in the ID columns however written and inside free text, in GB18030 and UTF-8.
    A file where a value spans lines cannot map lines to rows: every row is read, with the same result."""
    from credit_warehouse.identifiers import make_resident_id
    from credit_warehouse.security import vault
    from credit_warehouse.security.scan import full_ids

    feed = get_feed("dept_penalty")
    person = make_resident_id("340104", date(1980, 5, 17), 31)
    representative = make_resident_id("340103", date(1972, 11, 2), 8)
    written = person.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    rows = [
        {"subject_name": "某商贸有限公司", "uscc": "91340100MA2N000017", "violation_facts": "虚假宣传"},
        {"subject_name": "李四", "subject_category": "自然人", "person_id_no": f"身份证:{written}"},
        {"subject_name": "某餐饮有限公司", "legal_rep_id_no": f"{representative[:6]} {representative[6:]}"},
        {"subject_name": "某超市有限公司", "violation_facts": f"经查，经营者李四（{person}）"},
        {"subject_name": "某药店有限公司", "violation_facts": "无个人信息"},
    ]

    def file(rows: list[dict]) -> str:
        cells = [[row.get(c.name, "") for c in feed.columns] for row in rows]
        return "\r\n".join([",".join(c.label for c in feed.columns), *(",".join(r) for r in cells)]) + "\r\n"

    told = []
    real = vault.tokenise_batch

    def spy(conn, feed, batch_id, rows=None):
        told.append(rows)
        return real(conn, feed, batch_id, rows)

    monkeypatch.setattr("credit_warehouse.load.pipeline.tokenise_batch", spy)
    spans_lines = [*rows[:4], {**rows[4], "violation_facts": '"第一行\r\n第二行"'}]
    for day, content in ((date(2024, 3, 21), file(rows).encode("gb18030")),
                         (date(2024, 3, 22), file(rows).encode("utf-8")),
                         (date(2024, 3, 23), file(spans_lines).encode("gb18030"))):
        _deliver(landing, "dept_penalty", day, "penalty.csv", content)
        [outcome] = extract_and_load("dept_penalty", day)
        assert (outcome.status, outcome.rows_received) == ("loaded", 5), outcome.message
        stored = superuser_conn.execute(
            "select person_id_no, legal_rep_id_no, violation_facts from raw.dept_penalty where _batch_id = %s "
            "order by _row_number", (outcome.batch_id,)).fetchall()
        assert stored[1][0] == vault.token(person) and stored[2][1] == vault.token(representative)
        assert stored[3][2] == f"经查，经营者李四（{vault.token(person)}）"
        assert not [number for row in stored for value in row if value for number in full_ids(value)]
    assert told == [[2, 3, 4], [2, 3, 4], None]

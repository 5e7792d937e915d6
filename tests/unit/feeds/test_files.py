"""File extractors for real files in every encoding and format, and every kind of bad file."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from credit_warehouse.feeds import files
from credit_warehouse.feeds.errors import FeedInputError
from credit_warehouse.feeds.registry import Limits, get_feed

COMMITMENT_HEADER = [
    "主体名称", "统一社会信用代码", "承诺类型", "承诺事项", "承诺日期", "受理单位", "履约状态", "违约认定日期",
]
ROWS = [
    ["上海示例贸易有限公司", "91310000MA1FL5LJ3X", "审批替代型", "按期提交材料", "2024-03-01", "市市场监管局", "履约",
     ""],
    ["合肥「测试」餐饮店", "92340100MA2N0XXX1Q", "主动承诺型", "食品安全，守法经营", "2024年3月2日", "区市场监管局",
     "", ""],
]


@pytest.fixture
def landing(tmp_path, monkeypatch):
    monkeypatch.setenv(files.ENV_LANDING, str(tmp_path))
    folder = tmp_path / "dept_commitment" / "2024-03-04"
    folder.mkdir(parents=True)
    return folder


def _csv_text(header=COMMITMENT_HEADER, rows=ROWS) -> str:
    lines = [",".join(header)] + [",".join(f'"{v}"' if "，" in v else v for v in row) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def _read(feed, path):
    facts = files.inspect_file(feed, path)
    return facts, list(files.read_rows(feed, facts))


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_csv_in_every_encoding(landing, encoding, expected):
    path = landing / "commitments.csv"
    path.write_bytes(_csv_text().encode(encoding))
    feed = get_feed("dept_commitment")
    facts, rows = _read(feed, path)
    assert facts.encoding == expected
    assert facts.name == "dept_commitment/2024-03-04/commitments.csv"
    assert rows[0][:3] == ("上海示例贸易有限公司", "91310000MA1FL5LJ3X", "审批替代型")
    assert rows[1][3] == "食品安全，守法经营"
    assert rows[0][7] is None  # empty means missing


def test_gb18030_only_characters(landing):
    # 𠮷 (U+20BB7) exists in GB18030 but not in GBK: GB18030 must be the fallback, not GBK
    rows = [["𠮷野家餐饮公司", *ROWS[0][1:]]]
    path = landing / "c.csv"
    path.write_bytes(_csv_text(rows=rows).encode("gb18030"))
    assert _read(get_feed("dept_commitment"), path)[1][0][0] == "𠮷野家餐饮公司"


def test_letter_codes_reordered_headers_and_tabs(landing):
    feed = get_feed("dept_penalty")
    required = [c for c in feed.columns if c.required]
    header = [c.code for c in reversed(required)]
    values = [f"v{i}" for i in range(len(header))]
    path = landing / "penalty.csv"
    path.write_text("\t".join(header) + "\n" + "\t".join(values) + "\n", encoding="utf-8")
    row = _read(feed, path)[1][0]
    assert row[feed.column_names.index(required[-1].name)] == "v0"
    assert row[feed.column_names.index("uscc")] is None


def test_xlsx(landing):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(COMMITMENT_HEADER)
    sheet.append([*ROWS[0][:4], datetime(2024, 3, 1), ROWS[0][5], "履约", None])
    sheet.append([None] * 8)  # blank rows are skipped
    sheet.append(["数字公司", 20190709, "审批替代型", "m", 2.5, "u", None, None])
    path = landing / "commitments.xlsx"
    workbook.save(path)
    facts, rows = _read(get_feed("dept_commitment"), path)
    assert facts.format == "xlsx" and len(rows) == 2
    assert rows[0][4] == "2024-03-01"
    assert rows[1][1:5] == ("20190709", "审批替代型", "m", "2.5")


def test_xlsx_with_absurd_decompressed_size_is_refused_before_parsing(landing):
    path = landing / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 * 1024 * 1024))
    assert path.stat().st_size < 200_000
    feed = dataclasses.replace(get_feed("dept_commitment"), limits=Limits(max_xlsx_uncompressed_bytes=10 * 1024**2))
    with pytest.raises(FeedInputError, match=r"bomb.xlsx: the workbook would decompress to 41943040 bytes, over the "
                                             r"limit of 10485760"):
        files.inspect_file(feed, path)


def test_damaged_xlsx(landing):
    workbook = openpyxl.Workbook()
    workbook.active.append(COMMITMENT_HEADER)
    path = landing / "cut.xlsx"
    workbook.save(path)
    path.write_bytes(path.read_bytes()[:-300])
    with pytest.raises(FeedInputError, match="cut.xlsx: not a valid XLSX file"):
        files.inspect_file(get_feed("dept_commitment"), path)


def test_a_workbook_with_two_sheets_of_data_is_refused_and_an_empty_second_sheet_is_fine(landing):
    workbook = openpyxl.Workbook()
    workbook.active.append(COMMITMENT_HEADER)
    workbook.active.append(ROWS[0])
    workbook.create_sheet("说明")  # an empty sheet: nothing is left unread
    path = landing / "two.xlsx"
    workbook.save(path)
    assert len(_read(get_feed("dept_commitment"), path)[1]) == 1
    more = workbook.create_sheet("第二批")
    more.append(COMMITMENT_HEADER)
    more.append(ROWS[1])
    workbook.save(path)
    with pytest.raises(FeedInputError, match=r"two.xlsx: the workbook has 2 sheets with data \(Sheet, 第二批\); only "
                                             r"one sheet per file is read, so nothing was loaded"):
        _read(get_feed("dept_commitment"), path)


def test_a_password_protected_workbook_is_named_as_such(landing):
    path = landing / "locked.xlsx"
    path.write_bytes(files.OLE_SIGNATURE + b"\0" * 4096)  # how an encrypted workbook starts
    with pytest.raises(FeedInputError, match="locked.xlsx: the workbook is protected by a password"):
        files.inspect_file(get_feed("dept_commitment"), path)


def test_jsonl(tmp_path, monkeypatch):
    monkeypatch.setenv(files.ENV_LANDING, str(tmp_path))
    path = tmp_path / "corrections.jsonl"
    records = [
        {"correction_id": "YY-1", "record_kind": "penalty", "record_key": "沪市监罚〔2024〕1号", "subject_code": "x",
         "action": "信用修复", "applied_on": "2024-03-01", "handling_unit": "市信用中心", "outcome": None},
        {"申请编号": "YY-2", "信息类别": "court", "信息标识": "(2019)皖1122执1194号", "主体代码": "y",
         "处理类型": "异议更正", "申请日期": 20240302, "办理单位": "市信用中心"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n\n", encoding="utf-8")
    feed = get_feed("credit_correction")
    rows = _read(feed, path)[1]
    assert rows[0][:3] == ("YY-1", "penalty", "沪市监罚〔2024〕1号") and rows[0][8] is None
    assert rows[1][5] == "20240302"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"c.csv: the file is empty"),
        (_csv_text().encode("utf-8") + b"\xff\xfe\xff,x\n", r"c.csv: the bytes cannot be decoded in any accepted "
                                                             r"encoding \(utf-8 fails at line 4; gb18030 fails at "
                                                             r"line \d+\)"),
        (_csv_text()[: -len(",区市场监管局,,\r\n")].encode(), r"c.csv, row 2: 5 fields but the header has 8"),
        (_csv_text().encode("gb18030")[:-1] + "测".encode("gb18030")[:1],
         r"c.csv, line 3: the file ends inside a gb18030 character \(truncated file\)"),
        (_csv_text().encode("utf-8") + '"开放引号,x\n'.encode(), r"c.csv, line \d+: the CSV cannot be parsed"),
        (_csv_text(header=[*COMMITMENT_HEADER[:-1], "颜色"]).encode(), r"c.csv: unknown header in column 8 "),
        (_csv_text(header=COMMITMENT_HEADER[1:], rows=[r[1:] for r in ROWS]).encode(),
         r"c.csv: required header missing: subject_name \(主体名称\)"),
        (b"\n\n", "c.csv: no header row"),
    ],
)
def test_bad_csv_files_name_feed_file_and_row(landing, content, message):
    path = landing / "c.csv"
    path.write_bytes(content)
    with pytest.raises(FeedInputError, match=f"^feed dept_commitment, file dept_commitment/2024-03-04/{message}"):
        _read(get_feed("dept_commitment"), path)


def test_a_file_without_its_header_row_is_refused_without_echoing_its_data(landing):
    from credit_warehouse.identifiers import make_resident_id

    full_id = make_resident_id("370102", date(1985, 2, 3), 17)
    path = landing / "c.csv"
    path.write_text(f"张三,{full_id},审批替代型,按期提交材料,2024-03-01,市市场监管局,履约,\r\n", encoding="utf-8")
    with pytest.raises(FeedInputError) as refused:
        _read(get_feed("dept_commitment"), path)
    assert "unknown header in column 1" in str(refused.value) and "header row missing" in str(refused.value)
    assert full_id not in str(refused.value) and "张三" not in str(refused.value)


def test_a_bom_before_a_gb18030_body_is_refused_in_one_sentence_and_two_boms_are_read(landing):
    import codecs

    path = landing / "c.csv"
    path.write_bytes(codecs.BOM_UTF8 + _csv_text().encode("gb18030"))
    with pytest.raises(FeedInputError, match=r"c.csv, line 1: the file starts with a UTF-8 byte-order mark but is "
                                             r"not UTF-8"):
        _read(get_feed("dept_commitment"), path)
    path.write_bytes(codecs.BOM_UTF8 * 2 + _csv_text().encode("utf-8"))
    assert len(list(_read(get_feed("dept_commitment"), path))) == len(ROWS)


def test_a_json_line_nested_too_deeply_is_refused_in_one_sentence(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"correction_id": "A"}\n' + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(FeedInputError, match=r"c.jsonl, line 2: nested too deeply to be one record"):
        _read(get_feed("credit_correction"), path)


def test_truncated_jsonl_names_the_line(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"correction_id": "A"}\n{"correction_id": "B", "reco', encoding="utf-8")
    with pytest.raises(FeedInputError, match=r"c.jsonl, line 2: not valid JSON"):
        _read(get_feed("credit_correction"), path)


def test_file_over_size_limit_and_wrong_format(landing):
    path = landing / "c.csv"
    path.write_bytes(_csv_text().encode())
    small = dataclasses.replace(get_feed("dept_commitment"), limits=Limits(max_file_bytes=100))
    with pytest.raises(FeedInputError, match=r"c.csv: \d+ bytes is over the feed's limit of 100 bytes"):
        files.inspect_file(small, path)
    other = landing / "c.pdf"
    other.write_bytes(b"%PDF")
    with pytest.raises(FeedInputError, match="unsupported file type '.pdf'"):
        files.inspect_file(small, other)
    with pytest.raises(FeedInputError, match="format xlsx is not accepted for this feed"):
        files.file_format(get_feed("logistics"), landing / "x.xlsx")


def test_landing_files_skip_partial_transfers(landing):
    for name in ("b.csv", "a.xlsx", ".hidden.csv", "c.csv.part"):
        (landing / name).write_text("x")
    assert [p.name for p in files.landing_files(get_feed("dept_commitment"), date(2024, 3, 4))] == ["a.xlsx", "b.csv"]
    assert files.landing_files(get_feed("dept_commitment"), date(2024, 3, 5)) == []

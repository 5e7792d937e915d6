"""IdLines: the lines of a file that may hold a resident-ID number, read off its bytes while they stream.

It may flag a line without a number (the vault then judges it and finds none), never miss one: every way
the vault recognises a number, in every encoding a file arrives in, is flagged; ordinary lines are not.
"""

from __future__ import annotations

from datetime import date

import pytest

from credit_warehouse.identifiers import is_valid_resident_id, make_resident_id, make_uscc, normalize_code
from credit_warehouse.security.id_lines import IdLines

ID = make_resident_id("370802", date(1979, 3, 22), 12)
ID_X = next(i for i in (make_resident_id("110105", date(1990, 7, 1), n) for n in range(1, 200)) if i.endswith("X"))
FULL_WIDTH = ID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))

HOLDING = [
    f"张三,自然人,,{ID},警告",
    f"张三,自然人,,\"{ID[:6]} {ID[6:14]} {ID[14:]}\",警告",
    f"张三,自然人,,{ID[:6]}\t{ID[6:14]}\u3000{ID[14:]},警告",  # any whitespace: normalize_code drops it
    f"张三,自然人,,{ID[:6]}-{ID[6:14]}－{ID[14:]},警告",
    f"张三,自然人,,身份证:{FULL_WIDTH},警告",
    f"某公司,法人,{make_uscc('9', '1', '370102', 'MA3C0001')},,经查，申请人身份证号{ID_X.lower()}，已核验",
    f"某公司,法人,,,经营者ID{ID}办理食品经营",
    " ".join(ID[i:i + 4] for i in range(0, 18, 4)),
]
NOT_HOLDING = [
    "行政相对人名称,行政相对人类别,统一社会信用代码,证件号码,处罚内容",
    f"合肥市示例商贸有限公司7,法人及非法人组织,{make_uscc('9', '1', '340100', 'MA2N0007')},,警告，罚款人民币2000元",
    "合市监罚〔2024〕128号,2024-01-02,2025-01-02,0.2,13800138000,13900139000",
    f"张三,自然人,,{ID[:6]}********{ID[-4:]},警告",  # masked as courts publish it
    "经查，当事人在其网店发布虚假广告，违反《广告法》第二十八条",
]


def _flagged(lines: list[str], encoding: str, chunk: int, line_end: str = "\r\n", last_end: bool = True) -> list[int]:
    data = (line_end.join(lines) + (line_end if last_end else "")).encode(encoding)
    found = IdLines(encoding)
    for start in range(0, len(data), chunk):
        found.feed(data[start:start + chunk])
    return found.finish()


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "gbk"])
@pytest.mark.parametrize("chunk", [7, 1 << 20])  # chunk boundaries inside numbers, characters and line ends
def test_every_line_holding_a_number_is_flagged_and_no_ordinary_line(encoding, chunk):
    lines = [line for pair in zip(NOT_HOLDING, HOLDING, strict=False) for line in pair] + HOLDING[len(NOT_HOLDING):]
    expected = [number for number, line in enumerate(lines, 1) if line in HOLDING]
    assert _flagged(lines, encoding, chunk) == expected
    assert _flagged(lines, encoding, chunk, line_end="\n", last_end=False) == expected


def test_the_superset_holds_for_every_way_normalize_code_reads_a_cell():
    """A cell the vault takes as a number once spaces and hyphens of any kind are dropped is flagged."""
    for separator in (" ", "\t", "\u00a0", "\u2002", "\u3000", "-", "－", "\x0b"):
        cell = separator.join(ID[i:i + 3] for i in range(0, 18, 3))
        assert is_valid_resident_id(normalize_code(cell))
        for encoding in ("utf-8", "gb18030"):
            assert _flagged(["header", f"a,{cell},b"], encoding, 5) == [2], (separator, encoding)


def test_a_flagged_line_may_hold_no_number():
    """Bytes, not characters: in UTF-8 the CJK punctuation shares its bytes with the ideographic space, so two
    phone numbers around a 、 make a run. The vault judges such a line and finds nothing: slower, never wrong."""
    line = "联系电话13800138000、13900139000"
    assert _flagged(["header", line], "utf-8", 1 << 20) == [2]
    assert _flagged(["header", line], "gb18030", 1 << 20) == []


def test_line_numbers_count_lf_and_crlf_ends_and_a_last_line_without_one():
    lines = ["header", "a,b", f"x,{ID}", "c,d", "e,f", f"{ID},z"]
    assert _flagged(lines, "utf-8", 3, last_end=False) == [3, 6]
    assert _flagged(lines, "utf-8", 3, line_end="\n") == [3, 6]
    counted = IdLines("utf-8")
    counted.feed("\n".join(lines).encode())
    assert counted.newlines == 5

"""One detector for resident-ID numbers in any text, in two languages: identifiers.resident_ids_in (logs,
alerts, the scan) and util.resident_ids_in (the gate, the dbt tests), run on the same vectors."""

from __future__ import annotations

from datetime import date

import pytest

from credit_warehouse.identifiers import (
    RESIDENT_ID_SHAPED_SQL,
    make_resident_id,
    make_uscc,
    mask_personal_data,
    resident_ids_in,
)

pytestmark = pytest.mark.integration

ID = make_resident_id("370802", date(1979, 3, 22), 12)
ID_X = next(i for i in (make_resident_id("110105", date(1990, 7, 1), n) for n in range(1, 200)) if i.endswith("X"))
FULL_WIDTH = ID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))

# (text, the numbers it holds)
VECTORS = [
    (f"当事人张三（身份证号{ID}）于2024年", [ID]),
    (FULL_WIDTH, [ID]),
    (f"证件号：{FULL_WIDTH}。", [ID]),
    (f"{ID[:6]} {ID[6:14]} {ID[14:]}", [ID]),
    (f"{ID[:6]}-{ID[6:14]}-{ID[14:]}", [ID]),
    (" ".join(ID[i:i + 4] for i in range(0, 18, 4)), [ID]),
    (f"ID{ID}", [ID]),
    (f"ID{ID}abc", [ID]),
    (ID_X.lower(), [ID_X]),
    (f"{ID_X[:-1]}Ｘ", [ID_X]),
    (f"两人：{ID}、{ID_X}", [ID, ID_X]),
    # not a (full) number
    (f"1{ID}", []),                                  # inside a longer run of digits
    (f"{ID}7", []),
    (ID[:-1] + ("1" if ID[-1] != "1" else "2"), []),  # wrong check character
    (make_resident_id("370802", date(2090, 1, 1), 1), []),  # not born yet
    (make_resident_id("990102", date(1979, 3, 22), 12), []),  # no such province
    (f"{ID[:6]}********{ID[-4:]}", []),              # masked as courts publish it
    (f"{ID[:6]}  {ID[6:]}", []),                     # two separators in a row: two numbers, neither whole
    (make_uscc("9", "1", "370102", "MA3C0001"), []),
    ("13800138000 13900139000", []),                 # phone numbers
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), VECTORS)
def test_python_and_sql_find_the_same_numbers(text, expected, superuser_conn):
    assert sorted({number for _, _, number in resident_ids_in(text)}) == sorted(expected)
    found = [row[0] for row in superuser_conn.execute("select * from util.resident_ids_in(%s)", (text,))]
    assert sorted(found) == sorted(expected)


@pytest.mark.parametrize(("text", "expected"), VECTORS)
def test_python_and_sql_mask_what_they_find(text, expected, superuser_conn):
    masked = mask_personal_data(text)
    masked_sql = superuser_conn.execute("select util.mask_personal_data(%s)", (text,)).fetchone()[0]
    for number in expected:
        assert number not in masked.upper() and number not in masked_sql.upper()
        assert f"{number[:6]}********{number[-4:]}" in masked and f"{number[:6]}********{number[-4:]}" in masked_sql
    assert resident_ids_in(masked) == [] and resident_ids_in(masked_sql) == []
    if not expected:
        assert masked == text


@pytest.mark.parametrize(("text", "expected"), VECTORS)
def test_the_prefilter_passes_every_number_found(text, expected, superuser_conn):
    """util.may_hold_resident_id only narrows: it lets through every text the exact detector finds a number in."""
    may_hold = superuser_conn.execute("select util.may_hold_resident_id(%s)", (text,)).fetchone()[0]
    assert may_hold or not expected


def test_one_prefilter_in_sql_and_python(superuser_conn):
    body = superuser_conn.execute("select prosrc from pg_proc where proname = 'may_hold_resident_id'").fetchone()[0]
    assert f"value ~ '{RESIDENT_ID_SHAPED_SQL}'" in body

"""The util.* SQL checks (the one implementation the gates and dbt use) against the published algorithms,
our Python twins and python-stdnum as a second opinion."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from stdnum.cn import ric, uscc

from credit_warehouse import identifiers

# the worked examples of GB 32100-2015 / GB 11643-1999
PUBLISHED_USCC = "91350100M000100Y43"
PUBLISHED_RESIDENT_ID = "11010519491231002X"


def _sql(conn, function: str, values: list[str]) -> list:
    return [row[0] for row in conn.execute(
        f"select util.{function}(v) from unnest(%s::text[]) with ordinality as t(v, n) order by n",  # noqa: S608
        (values,),
    )]


def test_published_examples(superuser_conn):
    assert _sql(superuser_conn, "uscc_is_valid", [PUBLISHED_USCC]) == [True]
    assert _sql(superuser_conn, "org_code_is_valid", [PUBLISHED_USCC[8:17]]) == [True]
    assert _sql(superuser_conn, "resident_id_is_valid", [PUBLISHED_RESIDENT_ID]) == [True]


def test_uscc_agrees_with_python_and_stdnum_and_catches_every_single_change(superuser_conn):
    rng = random.Random(7)
    alphabet = identifiers.USCC_ALPHABET
    codes = [
        identifiers.make_uscc(rng.choice("159"), rng.choice("123"), f"{rng.randrange(110000, 659999)}",
                              "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8)))
        for _ in range(500)
    ]
    corrupted = []
    for code in codes:
        position = rng.randrange(18)
        replacement = rng.choice([c for c in alphabet if c != code[position]])
        corrupted.append(code[:position] + replacement + code[position + 1:])
    in_sql = _sql(superuser_conn, "uscc_is_valid", codes + corrupted)
    assert in_sql[:500] == [True] * 500
    assert in_sql[:500] == [uscc.is_valid(c) for c in codes]
    assert in_sql[500:] == [identifiers.is_valid_uscc(c) for c in corrupted]
    assert not any(in_sql[500:])


def test_uscc_of_army_agriculture_and_other_authorities_is_valid_though_stdnum_refuses_it(superuser_conn):
    codes = [identifiers.make_uscc(authority, "1", "370102", "MA3C4X5Y") for authority in "ANY"]
    assert _sql(superuser_conn, "uscc_is_valid", codes) == [True, True, True]
    assert not any(uscc.is_valid(c) for c in codes)


def test_resident_id_agrees_with_the_check_digit_of_stdnum(superuser_conn):
    rng = random.Random(11)
    ids = [
        identifiers.make_resident_id("370102", date(1950, 1, 1) + timedelta(days=rng.randrange(25000)),
                                     rng.randrange(1000))
        for _ in range(500)
    ]
    assert all(ric.calc_check_digit(i) == i[17] for i in ids)  # stdnum takes the whole number
    wrong_check = [i[:17] + ("0" if i[17] != "0" else "1") for i in ids]
    impossible_birth = [i[:10] + "0230" + i[14:17] + identifiers.resident_id_check_char(i[:10] + "0230" + i[14:17])
                        for i in ids[:50]]
    result = _sql(superuser_conn, "resident_id_is_valid", ids + wrong_check + impossible_birth)
    assert result == [True] * 500 + [False] * 550


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20190709", date(2019, 7, 9)),
        ("2019-07-13", date(2019, 7, 13)),
        ("2019/7/3", date(2019, 7, 3)),
        ("2014年11月28日", date(2014, 11, 28)),
        ("２０２４－０２－２９", date(2024, 2, 29)),
        ("2019-07-13 10:30:00", date(2019, 7, 13)),
        ("2023-02-29", None),
        ("20191301", None),
        ("0000-01-01", None),
        ("暂无", None),
        ("/", None),
        ("无处罚期限", None),
    ],
)
def test_dates_in_every_observed_format(superuser_conn, text, expected):
    assert _sql(superuser_conn, "parse_cn_date", [text]) == [expected]


def test_codes_are_normalised_and_ids_masked_like_the_python_twins(superuser_conn):
    raw = ["９１３５０１００ｍ０００１００ｙ４３", " 91350100-M000100Y43 ", "　"]
    assert _sql(superuser_conn, "normalize_code", raw) == [identifiers.normalize_code(v) for v in raw]
    assert _sql(superuser_conn, "mask_resident_id", [PUBLISHED_RESIDENT_ID]) == [
        identifiers.mask_resident_id(PUBLISHED_RESIDENT_ID)
    ] == ["110105********002X"]


def test_uscc_authority_and_type_must_be_a_pair_of_the_standard(superuser_conn):
    allowed = [a + t for a, types in identifiers.USCC_TYPES.items() for t in types]
    refused = ["94", "Y2", "B1", "A3", "23", "N4", "95", "10"]
    codes = [identifiers.make_uscc(pair[0], pair[1], "370102", "MA3C4X5Y") for pair in allowed + refused]
    in_sql = _sql(superuser_conn, "uscc_is_valid", codes)
    assert in_sql == [True] * len(allowed) + [False] * len(refused)
    assert in_sql == [identifiers.is_valid_uscc(c) for c in codes]


def test_a_resident_id_born_after_the_delivery_date_is_not_valid_on_it(superuser_conn):
    delivered = date(2026, 11, 20)
    ids = [identifiers.make_resident_id("370102", born, 1) for born in
           (date(1990, 5, 1), delivered, delivered + timedelta(days=1), date(2030, 1, 1))]
    in_sql = [row[0] for row in superuser_conn.execute(
        "select util.resident_id_is_valid(v, %s) from unnest(%s::text[]) with ordinality as t (v, n) order by n",
        (delivered, ids))]
    assert in_sql == [True, True, False, False]
    assert in_sql == [identifiers.is_valid_resident_id(i, delivered) for i in ids]
    assert all(identifiers.is_valid_resident_id(i) for i in ids)  # without a date only the checksum counts


@pytest.mark.parametrize(("sent", "codes"), [
    ("01,02", ["01", "02"]),
    ("1、2", ["01", "02"]),
    ("０２；０３", ["02", "03"]),
    ("01 02", ["01", "02"]),
    ("2", ["02"]),
    ("1,2,3", ["01", "02", "03"]),
    ("10；3 、 14", ["10", "03", "14"]),
    ("02,,01", ["02", "01"]),
    ("2,", ["02"]),
    ("123", ["123"]),
    ("警告,罚款", ["01", "02"]),
    ("警告、罚款", ["01", "02"]),
    ("法律、行政法规规定的其他行政处罚", ["07"]),
    ("罚款、法律、行政法规规定的其他行政处罚", ["02", "07"]),
    ("没收违法所得、没收非法财物", ["03", "09"]),
    ("吊销营业执照", ["05"]),
    ("罚款|通报批评", ["02", "08"]),
    ("罚款/15", ["02", "15"]),
    ("罚金", ["罚金"]),
    ("暂无", None),
])
def test_penalty_categories_split_into_codes_by_one_rule(superuser_conn, sent, codes):
    assert superuser_conn.execute("select util.penalty_category_codes(%s)", (sent,)).fetchone()[0] == codes


@pytest.mark.parametrize(("text", "yuan"), [
    ("警告，罚款人民币2000元", 2000),
    ("罚款2,000元", 2000),
    ("罚款人民币０.５万元", 5000),
    ("罚款 1500.50 元", Decimal("1500.50")),
    ("警告", None),
    ("对甲罚款1000元，对乙罚款2000元", None),  # two fines: no single amount to compare
])
def test_the_fine_a_penalty_text_states(superuser_conn, text, yuan):
    assert superuser_conn.execute("select util.fine_yuan_stated(%s)", (text,)).fetchone()[0] == yuan

"""One subject per person: a court record's masked ID and name linked to the one vaulted person they fit."""

from __future__ import annotations

from datetime import date, timedelta

import psycopg
import pytest

from credit_warehouse import settings
from credit_warehouse.identifiers import make_resident_id, mask_resident_id
from credit_warehouse.security import vault
from credit_warehouse.security.person_link import link_counts, link_persons
from credit_warehouse.transform.dbt import run_dbt

from .conftest import NIGHT, _license, deliver, own_warehouse

pytestmark = pytest.mark.integration


def _twins() -> tuple[str, str]:
    """Two numbers with the same first 6 and last 4 characters (born in 1980 and in 1991)."""
    first = make_resident_id("370103", date(1980, 5, 4), 215)
    born = date(1991, 1, 1)
    while (second := make_resident_id("370103", born, 215))[-4:] != first[-4:]:
        born += timedelta(days=1)
    return first, second


def _debtor(case_no: str, name: str, id_no: str) -> dict:
    return {"case_no": case_no, "debtor_name": name, "id_no": id_no, "court": "济南市历下区人民法院",
            "filed_on": "2025-01-06", "published_on": "2025-03-01", "performance": "全部未履行"}


PERSON = make_resident_id("370102", date(1975, 2, 14), 33)
TWINS = _twins()


@pytest.fixture(scope="module")
def linked(warehouse_server):
    with own_warehouse("cw_link") as database:
        with psycopg.connect(settings.database_url(database), autocommit=True) as conn:
            deliver(conn, "dept_license", "accepted", [
                _license("济市监许〔2025〕51号", "李 明", subject_category="自然人", person_id_no=PERSON),
                _license("济市监许〔2025〕52号", "张华", subject_category="自然人", person_id_no=TWINS[0]),
                _license("济市监许〔2025〕53号", "张华", subject_category="自然人", person_id_no=TWINS[1]),
            ])
            deliver(conn, "court_dishonest_debtor", "accepted", [
                _debtor("（2025）鲁0102执1号", "李明", mask_resident_id(PERSON)),  # name spaced differently
                _debtor("（2025）鲁0102执2号", "李明", "３７０１０２＊＊＊＊＊＊＊＊" + PERSON[-4:]),  # full-width
                _debtor("（2025）鲁0102执3号", "李铭", mask_resident_id(PERSON)),  # another name: not him
                _debtor("（2025）鲁0102执4号", "张华", mask_resident_id(TWINS[0])),  # two persons fit
                _debtor("（2025）鲁0102执5号", "张华", TWINS[1][:10] + "****" + TWINS[1][-4:]),  # the year decides
            ])
            counts = link_persons(NIGHT, psycopg.connect(settings.database_url(database, role="loader")))
        run_dbt(["run", "--select", "+int_credit_record__current", "--vars",
                 f"{{as_of_date: '{NIGHT.isoformat()}'}}"])
        with psycopg.connect(settings.database_url(database), autocommit=True) as conn:
            yield conn, counts


def test_each_masked_id_and_name_ends_in_one_outcome(linked):
    conn, counts = linked
    rows = {(masked, name): (key, candidates, outcome) for masked, name, key, candidates, outcome in conn.execute(
        "select id_masked, person_name, person_key, candidates, outcome from ops.person_link")}
    assert rows == {
        (mask_resident_id(PERSON), "李明"): (vault.person_key(PERSON), 1, "linked"),
        (mask_resident_id(PERSON), "李铭"): (None, 0, "unmatched"),
        (mask_resident_id(TWINS[0]), "张华"): (None, 2, "ambiguous"),
        (TWINS[1][:10] + "****" + TWINS[1][-4:], "张华"): (vault.person_key(TWINS[1]), 1, "linked"),
    }
    assert counts == {"linked": 2, "ambiguous": 1, "unmatched": 1} == link_counts(conn)


def test_a_linked_court_record_belongs_to_the_person_of_the_department_records(linked):
    conn, _ = linked
    subjects = dict(conn.execute(
        "select substring(doc_no from '执([0-9])号')::int, subject_key from intermediate.int_credit_record__current "
        "where source_feed = 'court_dishonest_debtor'").fetchall())
    assert subjects[1] == subjects[2] == vault.person_key(PERSON)  # one subject with his licence
    assert subjects[3] not in (vault.person_key(PERSON), *map(vault.person_key, TWINS))  # a person of its own
    assert subjects[4] not in map(vault.person_key, TWINS)  # ambiguous: left separate, not guessed
    assert subjects[5] == vault.person_key(TWINS[1])


def test_the_link_table_holds_no_full_number_and_only_the_loader_writes_it(linked):
    conn, _ = linked
    text = " ".join(str(row) for row in conn.execute("select * from ops.person_link").fetchall())
    assert PERSON not in text and TWINS[0] not in text and TWINS[1] not in text
    database = conn.info.dbname
    with psycopg.connect(settings.database_url(database, role="transformer"), autocommit=True) as transformer:
        assert transformer.execute("select count(*) from ops.person_link").fetchone()[0] == 4
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            transformer.execute("select person_name from vault.person_name limit 1")


def test_linking_as_of_an_earlier_night_uses_only_what_was_known_by_then(linked):
    conn, counts = linked
    # the licences (the vaulted names) arrive a night after the court records: that night nobody is linked
    later = NIGHT + timedelta(days=1)
    conn.execute("update ops.load_batch set logical_date = %s where feed = 'dept_license'", (later,))
    try:
        assert link_persons(NIGHT, conn) == {"linked": 0, "ambiguous": 0, "unmatched": 4}
        assert link_persons(later, conn) == counts
    finally:
        conn.execute("update ops.load_batch set logical_date = %s where feed = 'dept_license'", (NIGHT,))
        link_persons(NIGHT, conn)

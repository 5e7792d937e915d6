"""The resident-ID vault: numbers kept encrypted in one restricted table, tokens everywhere else.

A loaded batch is tokenised in its load transaction: each resident-ID number in its personal-ID
columns, or written inside any other text column of a personal-data-bearing feed, that is valid on the
delivery date (check digit, a birth date not after it) is encrypted into vault.resident_id (AES-256-GCM,
key from the environment) and replaced, in raw, by "<masked>#<person key>". The person key is an
HMAC-SHA256 of the normalised number under its own secret, so a person's records still join up downstream.
"""

from __future__ import annotations

import hashlib
import os

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg import sql

from credit_warehouse.feeds.registry import Feed
from credit_warehouse.identifiers import (
    RESIDENT_ID_SHAPED_SQL,
    is_valid_resident_id,
    mask_resident_id,
    normalize_code,
    resident_ids_in,
    subject_hash,
)
from credit_warehouse.settings import secret

PERSON_KEY_LENGTH = 40  # hex characters of the HMAC kept in tokens (160 bits)


class Keys:
    """The vault's key and the person-key secret, read once for a batch (a secret is a file read on the
    embedded server); a number's person key is computed once however often it is written close by (the
    memo is bounded, so memory stays flat whatever the batch's number of persons)."""

    MEMO = 100_000

    def __init__(self) -> None:
        key = hashlib.sha256(secret("vault_key").encode()).digest()
        self.key_id = hashlib.sha256(key).hexdigest()[:12]
        self._cipher = AESGCM(key)
        self._person_secret = secret("person_key_secret").encode()
        self._person_keys: dict[str, str] = {}

    def person_key(self, id_no: str) -> str:
        found = self._person_keys.get(id_no)
        if found is None:
            if len(self._person_keys) >= self.MEMO:
                self._person_keys.clear()
            found = self._person_keys[id_no] = subject_hash(id_no, self._person_secret)[:PERSON_KEY_LENGTH]
        return found

    def token(self, id_no: str) -> str:
        normalized = normalize_code(id_no)
        return f"{mask_resident_id(normalized)}#{self.person_key(normalized)}"

    def encrypt(self, id_no: str) -> tuple[bytes, str]:
        nonce = os.urandom(12)
        return nonce + self._cipher.encrypt(nonce, normalize_code(id_no).encode(), self.key_id.encode()), self.key_id

    def decrypt(self, ciphertext: bytes) -> str:
        return self._cipher.decrypt(ciphertext[:12], ciphertext[12:], self.key_id.encode()).decode()


def person_key(id_no: str) -> str:
    return Keys().person_key(id_no)


def token(id_no: str) -> str:
    return Keys().token(id_no)


def decrypt(ciphertext: bytes) -> str:
    return Keys().decrypt(ciphertext)


CHUNK_ROWS = 20_000  # rows judged per round trip


def tokenise_batch(conn: psycopg.Connection, feed: Feed, batch_id: int, rows: list[int] | None = None) -> int:
    """Vault the resident-ID numbers of a freshly loaded batch and put tokens in their place in raw.

    A feed with personal-ID columns bears personal data: there every resident-ID number valid on the
    delivery date is replaced, in the ID columns (the whole cell, however written) and inside every other
    text column (违法事实 naming a person, a note glued to a number), before the gate or anything else reads
    the row. ``rows``, when given, are the only rows that may hold a number (IdLines read them off the
    file's bytes); the others are not read. Runs inside the load transaction, as loader, chunk by chunk
    (memory stays flat whatever the batch size). Returns how many new numbers were vaulted.
    """
    if not feed.personal_id_columns or rows == []:
        return 0
    with conn.transaction():  # the load's own (a savepoint), or one of its own when called outside it
        # the batch is not analysed yet, so PostgreSQL takes it for one row, and a nested loop over it and
        # the candidate rows or replacements costs rows x rows (the likely cause of one 70k-row file taking
        # 152 s in the 200k benchmark). Hash joins are right at every size; the setting ends with the
        # savepoint, or is put back below
        before = conn.execute("select current_setting('enable_nestloop')").fetchone()[0]
        conn.execute("select set_config('enable_nestloop', 'off', true)")
        vaulted = _tokenise_batch(conn, feed, batch_id, rows)
        conn.execute("select set_config('enable_nestloop', %s, true)", (before,))
        return vaulted


def _tokenise_batch(conn: psycopg.Connection, feed: Feed, batch_id: int, rows: list[int] | None) -> int:
    day = conn.execute("select logical_date from ops.load_batch where batch_id = %s", (batch_id,)).fetchone()[0]
    table = sql.SQL("(select * from {} where _batch_id = {}{} offset 0)").format(
        sql.Identifier("raw", feed.raw_table), sql.Literal(batch_id),
        sql.SQL("") if rows is None else sql.SQL(" and _row_number in (select row_number from vault_row)"))
    if rows is not None:
        # the fence (offset 0) joins the candidate rows first: the patterns below then read only them
        conn.execute("create temporary table if not exists vault_row (row_number bigint not null)")
        conn.execute("truncate vault_row")
        with conn.cursor().copy("copy vault_row (row_number) from stdin") as copy:
            for row_number in rows:
                copy.write_row((row_number,))
        conn.execute("analyze vault_row")
    conn.execute("create temporary table if not exists vault_cell (row_number bigint not null, column_name text "
                 "not null, token text not null)")
    conn.execute("create temporary table if not exists vault_new (person_key text not null, id_masked text not "
                 "null, id_ciphertext bytea not null, key_id text not null)")
    conn.execute("create temporary table if not exists vault_holder (person_key text not null, person_name text "
                 "not null)")
    conn.execute("truncate vault_cell, vault_new, vault_holder")
    keys = Keys()
    for column in feed.personal_id_columns:
        _tokenise(conn, keys, table, [column], "[0-9０-９]", lambda value: _id_cell(keys, value, day),
                  holder=feed.column(column).holder)
    # every other text column in one scan: PostgreSQL matches the row's columns joined, Python each cell
    texts = [c for c in feed.column_names if c not in feed.personal_id_columns]
    _tokenise(conn, keys, table, texts, RESIDENT_ID_SHAPED_SQL, lambda value: _text_cell(keys, value, day))
    vaulted = conn.execute(
        "insert into vault.resident_id (person_key, id_masked, id_ciphertext, key_id, first_batch_id) "
        "select distinct on (person_key) person_key, id_masked, id_ciphertext, key_id, %s from vault_new "
        "on conflict (person_key) do nothing", (batch_id,)).rowcount
    # the names a number was written with: what a court record's masked ID is matched on (person_link)
    conn.execute(
        "insert into vault.person_name (person_key, person_name, first_batch_id) "
        "select distinct person_key, util.person_name(person_name), %s from vault_holder "
        "where util.person_name(person_name) is not null on conflict do nothing", (batch_id,))
    conn.execute("create index if not exists vault_cell_row on vault_cell (column_name, row_number)")
    for (column,) in conn.execute("select distinct column_name from vault_cell").fetchall():
        conn.execute(
            sql.SQL("update {table} as t set {col} = c.token from vault_cell as c where t._batch_id = %s "
                    "and c.column_name = %s and t._row_number = c.row_number").format(
                table=sql.Identifier("raw", feed.raw_table), col=sql.Identifier(column)),
            (batch_id, column),
        )
    return vaulted


def _tokenise(conn: psycopg.Connection, keys: Keys, table: sql.Composable, columns: list[str], prefilter: str,
              judge, holder: str | None = None) -> None:
    """Rows of ``table`` (the batch's rows to read) whose ``columns``, joined by '|' (never part of a number),
    may hold a number (PostgreSQL narrows in one scan) are judged cell by cell; replacements go to
    vault_cell, the numbers, encrypted, to vault_new and, for an ID column with a ``holder`` column, each
    number's holder name to vault_holder, a chunk at a time from a server-side cursor."""
    if not columns:
        return
    idents = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    named = sql.SQL(", {}").format(sql.Identifier(holder)) if holder else sql.SQL(", null")
    query = sql.SQL("select _row_number, {cols}{named} from {table} as batch where concat_ws('|', {cols}) ~ %s"
                    ).format(cols=idents, named=named, table=table)
    with conn.cursor(name="vault_scan") as scan:
        scan.execute(query, (prefilter,))
        while rows := scan.fetchmany(CHUNK_ROWS):
            cells, numbers, holders = [], set(), set()
            for row_number, *values, name in rows:
                for column, value in zip(columns, values, strict=True):
                    replaced = judge(value) if value else None
                    if replaced:
                        cells.append((row_number, column, replaced[0]))
                        numbers.update(replaced[1])
                        if name:
                            holders.update((keys.person_key(number), name) for number in replaced[1])
            with conn.cursor().copy("copy vault_holder (person_key, person_name) from stdin") as copy:
                for pair in holders:
                    copy.write_row(pair)
            with conn.cursor().copy("copy vault_cell (row_number, column_name, token) from stdin") as copy:
                for cell in cells:
                    copy.write_row(cell)
            with conn.cursor().copy("copy vault_new (person_key, id_masked, id_ciphertext, key_id) from stdin") \
                    as copy:
                for number in numbers:
                    copy.write_row((keys.person_key(number), mask_resident_id(number), *keys.encrypt(number)))


def _id_cell(keys: Keys, value: str, day) -> tuple[str, set[str]] | None:
    """An ID column's cell: the number as the cell holds it, or written inside it (full-width, spaced, after a
    label such as 身份证:); a cell naming two numbers is left for the gate to refuse."""
    bare = normalize_code(value)
    found = {bare} if is_valid_resident_id(bare, day) else {
        number for _, _, number in resident_ids_in(value) if is_valid_resident_id(number, day)}
    if len(found) != 1:
        return None
    return keys.token(next(iter(found))), found


def _text_cell(keys: Keys, value: str, day) -> tuple[str, set[str]] | None:
    """Any other text: each number written in it replaced by its token where it stands."""
    found = [(start, end, number) for start, end, number in resident_ids_in(value)
             if is_valid_resident_id(number, day)]
    for start, end, number in reversed(found):
        value = value[:start] + keys.token(number) + value[end:]
    return (value, {number for _, _, number in found}) if found else None

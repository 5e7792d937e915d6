"""The resident-ID vault: numbers kept encrypted in one restricted table, tokens everywhere else.

A loaded batch is tokenised in its load transaction: each distinct resident-ID number in its
personal-ID columns that is valid on the delivery date (check digit, a birth date not after it) is
encrypted into vault.resident_id (AES-256-GCM, key from the environment) and replaced, in raw, by
"<masked>#<person key>". The person key is an HMAC-SHA256 of the normalised number under its own
secret, so a person's records still join up downstream.
"""

from __future__ import annotations

import hashlib
import os

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg import sql

from credit_warehouse.identifiers import (
    is_valid_resident_id,
    mask_resident_id,
    normalize_code,
    resident_ids_in,
    subject_hash,
)
from credit_warehouse.settings import secret

PERSON_KEY_LENGTH = 40  # hex characters of the HMAC kept in tokens (160 bits)


def _vault_key() -> tuple[bytes, str]:
    material = secret("vault_key").encode()
    key = hashlib.sha256(material).digest()
    return key, hashlib.sha256(key).hexdigest()[:12]


def person_key(id_no: str) -> str:
    return subject_hash(id_no, secret("person_key_secret").encode())[:PERSON_KEY_LENGTH]


def token(id_no: str) -> str:
    normalized = normalize_code(id_no)
    return f"{mask_resident_id(normalized)}#{person_key(normalized)}"


def encrypt(id_no: str) -> tuple[bytes, str]:
    key, key_id = _vault_key()
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, normalize_code(id_no).encode(), key_id.encode()), key_id


def decrypt(ciphertext: bytes) -> str:
    key, key_id = _vault_key()
    return AESGCM(key).decrypt(ciphertext[:12], ciphertext[12:], key_id.encode()).decode()


def tokenise_batch(conn: psycopg.Connection, feed: str, batch_id: int, columns: tuple[str, ...]) -> int:
    """Vault the resident-ID numbers of a freshly loaded batch and put tokens in their place in raw.

    Runs inside the load transaction (as loader), before the gate: nothing downstream of the load, not
    even the gate's alerts or Data Docs, ever holds a full number. Returns how many new numbers were vaulted.
    """
    table = sql.Identifier("raw", feed)
    day = conn.execute("select logical_date from ops.load_batch where batch_id = %s", (batch_id,)).fetchone()[0]
    mapping: dict[str, str] = {}  # the value as delivered -> its token
    numbers: set[str] = set()
    for column in columns:
        values = conn.execute(
            sql.SQL("select distinct {col} from {table} where _batch_id = %s and {col} ~ '[0-9０-９]'").format(
                col=sql.Identifier(column), table=table),
            (batch_id,),
        ).fetchall()
        for (value,) in values:
            # the number as the cell holds it, or however written inside it (full-width, spaced, after a label
            # such as 身份证:), valid on the delivery date; a cell naming two numbers is left for the gate to refuse
            bare = normalize_code(value)
            found = {bare} if is_valid_resident_id(bare, day) else {
                number for _, _, number in resident_ids_in(value) if is_valid_resident_id(number, day)}
            if len(found) == 1:
                number = found.pop()
                mapping[value] = token(number)
                numbers.add(number)
    if not mapping:
        return 0
    conn.execute("create temporary table if not exists vault_map (original text primary key, token text not null)")
    conn.execute("truncate vault_map")
    with conn.cursor().copy("copy vault_map (original, token) from stdin") as copy:
        for original, replacement in mapping.items():
            copy.write_row((original, replacement))
    vaulted = 0
    with conn.cursor() as cursor:
        for number in numbers:
            ciphertext, key_id = encrypt(number)
            cursor.execute(
                "insert into vault.resident_id (person_key, id_masked, id_ciphertext, key_id, first_batch_id) "
                "values (%s, %s, %s, %s, %s) on conflict (person_key) do nothing",
                (person_key(number), mask_resident_id(number), ciphertext, key_id, batch_id),
            )
            vaulted += cursor.rowcount
    for column in columns:
        conn.execute(
            sql.SQL(
                "update {table} as t set {col} = m.token from vault_map as m "
                "where t._batch_id = %s and t.{col} = m.original"
            ).format(table=table, col=sql.Identifier(column)),
            (batch_id,),
        )
    return vaulted

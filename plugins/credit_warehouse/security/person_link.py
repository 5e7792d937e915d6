"""One subject per person: court records carry masked resident IDs, department records vault tokens.

A masked ID (first 6 and last 4 characters shown, some courts show the birth year too) and the name it
was written with are matched against the vault: the persons whose number has that beginning and end and
who were reported under that name. Where the court shows more digits than the vault's mask keeps, the
candidates' numbers are decrypted and compared on every shown digit: that is why this runs here, on the
loader's side, where full numbers may be read; only the person key leaves (ops.person_link). Exactly one
candidate links the record to that person; several leave it separate as ambiguous, none as unmatched.
"""

from __future__ import annotations

from datetime import date

import psycopg
from psycopg import sql

from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.security.vault import Keys
from credit_warehouse.settings import database_url

OUTCOMES = ("linked", "ambiguous", "unmatched")


def _masked_cells(day: date | None) -> sql.Composable:
    """Every (masked ID, holder name) written in a personal-ID column of any feed, normalised; with ``day``,
    only in batches of nights up to it."""
    parts = []
    for feed in load_registry().feeds.values():
        for name in feed.personal_id_columns:
            holder = feed.column(name).holder
            if not holder:
                continue
            parts.append(sql.SQL(
                "select util.normalize_code(r.{id}) as id_masked, util.person_name(r.{holder}) as person_name "
                "from {table} as r where util.resident_id_is_masked(util.normalize_code(r.{id})) and {night}").format(
                id=sql.Identifier(name), holder=sql.Identifier(holder), table=sql.Identifier("raw", feed.raw_table),
                night=_up_to(day, sql.SQL("r._batch_id"))))
    return sql.SQL(" union ").join(parts)


def _up_to(day: date | None, batch_id: sql.Composable) -> sql.Composable:
    """The batch was loaded for a night up to ``day`` (always true without a day, or without a batch)."""
    if day is None:
        return sql.SQL("true")
    return sql.SQL("({batch} is null or exists (select 1 from ops.load_batch as night "
                   "where night.batch_id = {batch} and night.logical_date <= {day}))").format(
        batch=batch_id, day=sql.Literal(day))


def _shows_more(masked: str) -> bool:
    """A mask showing more than the first 6 digits (the vault's mask keeps 6 and the last 4)."""
    return masked[6] != "*"


def _agrees(masked: str, number: str) -> bool:
    return len(masked) == len(number) and all(m in ("*", n) for m, n in zip(masked, number, strict=True))


def link_persons(day: date | None = None, conn: psycopg.Connection | None = None) -> dict[str, int]:
    """Rebuild ops.person_link from every masked ID in raw, as of the night ``day`` when given (the masked IDs
    and the names vaulted in batches up to it: building an earlier night again links as that night did);
    returns how many (masked ID, name) pairs ended in each outcome."""
    if conn is None:
        with psycopg.connect(database_url(role="loader")) as own:
            return link_persons(day, own)
    with conn.transaction():
        rows = conn.execute(sql.SQL(
            "with cells as ({cells}) "
            "select cells.id_masked, cells.person_name, "
            "array_remove(array_agg(vault.person_key order by vault.person_key), null), "
            "array_remove(array_agg(vault.id_ciphertext order by vault.person_key), null) "
            "from cells left join (vault.resident_id as vault join vault.person_name as named "
            "using (person_key)) on vault.id_masked = left(cells.id_masked, 6) || '********' || "
            "right(cells.id_masked, 4) and named.person_name = cells.person_name and {named_by_then} "
            "where cells.person_name is not null group by 1, 2").format(
            cells=_masked_cells(day), named_by_then=_up_to(day, sql.SQL("named.first_batch_id")))).fetchall()
        links, vault = [], Keys()
        for masked, name, keys, ciphertexts in rows:
            if keys and _shows_more(masked):
                keys = [key for key, secret in zip(keys, ciphertexts, strict=True)
                        if _agrees(masked, vault.decrypt(secret))]
            outcome = "linked" if len(keys) == 1 else "ambiguous" if keys else "unmatched"
            links.append((masked, name, keys[0] if outcome == "linked" else None, len(keys), outcome))
        _store(conn, links)
    counts = dict.fromkeys(OUTCOMES, 0)
    for link in links:
        counts[link[4]] += 1
    return counts


def _store(conn: psycopg.Connection, links: list[tuple]) -> None:
    """Replace ops.person_link with ``links``, keeping changed_at of the pairs linked as before: the nightly build
    resolves again only the records of pairs whose person or outcome changed."""
    conn.execute("create temporary table new_person_link (like ops.person_link including defaults) on commit drop")
    with conn.cursor().copy(
            "copy new_person_link (id_masked, person_name, person_key, candidates, outcome) from stdin") as copy:
        for link in links:
            copy.write_row(link)
    conn.execute("delete from ops.person_link as link where not exists (select 1 from new_person_link as new "
                 "where new.id_masked = link.id_masked and new.person_name = link.person_name)")
    conn.execute(
        "insert into ops.person_link (id_masked, person_name, person_key, candidates, outcome) "
        "select id_masked, person_name, person_key, candidates, outcome from new_person_link "
        "on conflict (id_masked, person_name) do update set person_key = excluded.person_key, "
        "candidates = excluded.candidates, outcome = excluded.outcome, checked_at = now(), "
        "changed_at = case when (person_link.person_key, person_link.outcome) is distinct from "
        "(excluded.person_key, excluded.outcome) then now() else person_link.changed_at end")


def link_counts(conn: psycopg.Connection) -> dict[str, int]:
    """How the last linking ended, by outcome (the night summary's figures)."""
    counts = dict.fromkeys(OUTCOMES, 0)
    counts.update(conn.execute("select outcome, count(*) from ops.person_link group by outcome").fetchall())
    return counts

-- Personal data: the resident-ID vault and the access audit. Re-runnable.
--
-- After a batch is gated, every checksum-valid resident-ID number in raw and quarantine is replaced
-- by a vault token "<first 6>********<last 4>#<person key>" (credit_warehouse.security.vault); the
-- number itself is kept only here, encrypted by the application (AES-256-GCM, key from the
-- environment). The person key is an HMAC-SHA256 of the normalised number, so records of one person
-- link up without anyone downstream seeing the number.
set role loader;

create table if not exists vault.resident_id (
    person_key text primary key,
    id_masked text not null,
    id_ciphertext bytea not null,            -- 12-byte nonce || AES-GCM ciphertext and tag
    key_id text not null,                    -- which vault key encrypted it (key rotation)
    first_batch_id bigint,
    created_at timestamptz not null default now()
);

-- the names each vaulted person was reported under next to the number (a personal-ID column's holder,
-- credit_warehouse.security.vault), normalised by util.person_name
create table if not exists vault.person_name (
    person_key text not null references vault.resident_id (person_key),
    person_name text not null,
    first_batch_id bigint,
    primary key (person_key, person_name)
);

-- One subject per person: a masked resident ID (court feeds show first 6 and last 4, some more) and the
-- name it was written with, matched against the vault on the loader's side (credit_warehouse.security.
-- person_link): linked to exactly one person, or left separate as ambiguous (several) or unmatched (none).
-- Rebuilt before every warehouse build; dbt reads it, never the vault.
create table if not exists ops.person_link (
    id_masked text not null,
    person_name text not null,
    person_key text,
    candidates integer not null,
    outcome text not null check (outcome in ('linked', 'ambiguous', 'unmatched')),
    checked_at timestamptz not null default now(),
    primary key (id_masked, person_name),
    check ((outcome = 'linked') = (person_key is not null))
);
-- when the pair was first linked this way (its outcome or person last changed): the nightly build
-- resolves again only the records of pairs changed since its last build
alter table ops.person_link add column if not exists changed_at timestamptz not null default now();

-- 授权查询: who (which role) read which subject's archive, and when
create table if not exists ops.access_audit (
    audit_id bigint generated always as identity primary key,
    role_name text not null,
    subject_code text not null,
    purpose text,
    accessed_at timestamptz not null default now()
);

reset role;

revoke all on all tables in schema vault from public, transformer, analyst, publisher;
grant select on ops.person_link to transformer;

create or replace function util.is_vault_token(value text) returns boolean
language sql immutable parallel safe as $$
    select value ~* '^[0-9]{6}\*{8}[0-9]{3}[0-9X]#[0-9a-f]{40}$'  -- case-blind: codes get upper-cased
$$;

create or replace function util.vault_person_key(value text) returns text
language sql immutable parallel safe as $$
    select case when util.is_vault_token(value) then lower(split_part(value, '#', 2)) end
$$;

create or replace function util.vault_masked_id(value text) returns text
language sql immutable parallel safe as $$
    select case when util.is_vault_token(value) then upper(split_part(value, '#', 1)) end
$$;

grant execute on all functions in schema util to loader, transformer, analyst, publisher;

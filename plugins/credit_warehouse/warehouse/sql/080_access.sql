-- Analysts' access: the marts through views only, and the authorised-query class (授权查询) only
-- through audited functions. Re-runnable: every statement is idempotent.
--
-- Schema analytics holds one view per mart, made by dbt after each mart is built (macro
-- expose_to_analysts): analysts see those views, never the marts tables, raw, quarantine, ops or the
-- vault. Records of the authorised class (utility arrears, logistics ratings) are filtered out of the
-- views; analytics.authorised_credit_records hands them out one subject at a time and writes who asked,
-- about whom, why and when into ops.access_audit first.
create schema if not exists analytics authorization transformer;
revoke all on schema analytics from public;
grant usage on schema analytics to analyst;

-- 020 lets analysts and the publisher into marts; analysts lose that here (the publisher keeps it)
revoke usage on schema marts from analyst;
revoke all on all tables in schema marts from analyst;
alter default privileges for role transformer in schema marts revoke select on tables from analyst;

-- the dbt hook grants each view itself; this covers a view made in analytics some other way
alter default privileges for role transformer in schema analytics grant select on tables to analyst;

-- the audit trail: written by the functions below (owned by transformer), never by analysts directly
grant insert on ops.access_audit to transformer;

-- The audit row is written through a connection of its own (dblink to this very database, as the loader,
-- which owns ops): it is committed before the data is returned, so a caller who rolls back afterwards
-- still leaves it behind. The loader's password is set on the user mapping by bootstrap.py.
create extension if not exists dblink schema util;
do $$
begin
    if not exists (select 1 from pg_foreign_server where srvname = 'audit_loopback') then
        execute format(
            'create server audit_loopback foreign data wrapper dblink_fdw options (host %L, port %L, dbname %L)',
            '127.0.0.1', current_setting('port'), current_database()
        );
    else
        execute format(
            'alter server audit_loopback options (set host %L, set port %L, set dbname %L)',
            '127.0.0.1', current_setting('port'), current_database()
        );
    end if;
end
$$;
grant usage on foreign server audit_loopback to transformer;
revoke all on ops.access_audit from public, analyst, publisher;

set role transformer;

-- 授权查询 of one subject: its authorised-class credit records. Natural persons are looked up by their
-- subject_key (the person key shown in analytics.dim_credit_archive), never by the ID number, so no full
-- number can end up in the audit trail.
create or replace function analytics.authorised_credit_records(subject_code text, purpose text)
returns table (
    record_id text,
    record_kind text,
    source_feed text,
    subject_key text,
    subject_name text,
    subject_category text,
    id_no_masked text,
    disclosure_class text,
    event_date date,
    arrears_amount_yuan numeric,
    arrears_periods integer,
    authority text,
    status text,
    ended_on date,
    first_reported_on date,
    last_reported_on date,
    details jsonb
)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
    wanted text := analytics.audit_subject_access(subject_code, purpose);
begin
    return query
    -- the casts keep the result type fixed should a mart column's type drift
    select
        r.record_id::text,
        r.record_kind::text,
        r.source_feed::text,
        r.subject_key::text,
        r.subject_name::text,
        r.subject_category::text,
        r.id_no_masked::text,
        r.disclosure_class::text,
        r.event_date::date,
        r.arrears_amount_yuan::numeric,
        r.arrears_periods::integer,
        r.authority::text,
        r.status::text,
        r.ended_on::date,
        r.first_reported_on::date,
        r.last_reported_on::date,
        r.details::jsonb
    from marts.fct_credit_record as r
    where
        r.subject_key in (wanted, lower(wanted))
        and r.disclosure_class = 'authorised'
    order by r.event_date desc nulls last, r.record_id;
end
$$;

-- 信用档案 of one subject, audited the same way (its arrears figures come from authorised records)
create or replace function analytics.credit_archive_of(subject_code text, purpose text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    wanted text := analytics.audit_subject_access(subject_code, purpose);
    archive jsonb;
begin
    select to_jsonb(a) into archive
    from marts.dim_credit_archive as a
    where a.subject_key in (wanted, lower(wanted)) or a.uscc = wanted;
    return archive;
end
$$;

-- the one place an access is written down; returns the subject code as looked up (normalised)
create or replace function analytics.audit_subject_access(subject_code text, purpose text)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    wanted text := util.normalize_code(subject_code);
begin
    if wanted is null then
        raise exception 'subject_code is required: a USCC, or the subject_key of a natural person';
    end if;
    if util.resident_id_is_valid(wanted) then
        raise exception 'natural persons are looked up by their subject_key (analytics.dim_credit_archive), not by ID number';
    end if;
    if coalesce(trim(purpose), '') = '' then
        raise exception 'a purpose is required for an authorised query (授权查询), e.g. the authorisation reference';
    end if;
    perform util.dblink_exec('audit_loopback', format(
        'insert into ops.access_audit (role_name, subject_code, purpose) values (%L, %L, %L)',
        session_user, wanted, purpose
    ));
    return wanted;
end
$$;

reset role;

alter function analytics.authorised_credit_records(text, text) owner to transformer;
alter function analytics.credit_archive_of(text, text) owner to transformer;
alter function analytics.audit_subject_access(text, text) owner to transformer;
revoke all on function analytics.authorised_credit_records(text, text) from public;
revoke all on function analytics.credit_archive_of(text, text) from public;
revoke all on function analytics.audit_subject_access(text, text) from public;
grant execute on function analytics.authorised_credit_records(text, text) to analyst;
grant execute on function analytics.credit_archive_of(text, text) to analyst;

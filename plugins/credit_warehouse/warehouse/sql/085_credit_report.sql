-- The subject credit report (信用报告) as one jsonb document, for ./cw report subject and for analysts.
-- Re-runnable: every statement is idempotent.
--
-- analytics.public_credit_report(code): what anyone may see (社会公开 and 政务共享 records, lists and the
-- measures that apply, corrections, tier). No audit: it is what the analytics views already show.
-- analytics.credit_report_of(code, purpose): the same plus the authorised-class sections (授权查询:
-- utility arrears, logistics rating, their records), audited like every authorised query
-- (analytics.audit_subject_access writes who asked, about whom and why before anything is returned).
-- ID numbers appear masked only; persons are looked up by subject_key, never by ID number.
set role transformer;

create or replace function analytics.credit_report_document(wanted text, include_authorised boolean)
returns jsonb
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
    with visible as (  -- the classes the seed disclosure_class shows outside the audited path
        select c.disclosure_class_code
        from ref.disclosure_class as c
        where c.analyst_visible
    ),

    subject as (
        select
            s.subject_key, s.uscc, s.subject_kind, s.primary_name, s.id_no_masked, s.names_seen,
            s.division_name, s.registration_authority, s.organisation_type, s.first_seen_on, s.last_seen_on
        from marts.dim_credit_subject as s
        where s.subject_key in (wanted, lower(wanted)) or s.uscc = wanted
        order by s.subject_key
        limit 1
    ),

    archive as (
        select a.*
        from marts.dim_credit_archive as a
        inner join subject on a.subject_key = subject.subject_key
    ),

    records as (
        select
            r.record_kind, r.doc_no, r.authority, r.event_date, r.valid_from, r.valid_to, r.severity,
            r.fine_amount_10k_yuan, r.list_type_code, r.disclosure_class, r.publicity_from, r.publicity_until,
            r.status, r.ended_on, r.removal_reason, r.correction_id,
            case when include_authorised then r.arrears_amount_yuan end as arrears_amount_yuan,
            case when include_authorised then r.arrears_periods end as arrears_periods
        from marts.fct_credit_record as r
        inner join subject on r.subject_key = subject.subject_key
        where include_authorised or r.disclosure_class in (select v.disclosure_class_code from visible as v)
    ),

    listings as (
        select
            l.list_type_code, l.list_type_name, l.owner_department, l.listing_doc_no, l.listing_reason,
            l.listing_authority, l.listed_on, l.publicity_until,
            -- the sanctions of the four lists that follow the listing, and who must apply them
            coalesce((
                select jsonb_agg(jsonb_build_object(
                    'item_code', m.item_code, 'measure', m.measure, 'measure_kind', m.measure_kind,
                    'implementing_units', m.implementing_units, 'legal_basis', m.legal_basis
                ) order by m.item_code)
                from marts.fct_joint_measure_applicable as m
                where m.trigger_record_id = l.record_id
            ), '[]'::jsonb) as measures
        from marts.fct_blacklist_listing as l
        inner join subject on l.subject_key = subject.subject_key
        where include_authorised or l.disclosure_class in (select v.disclosure_class_code from visible as v)
    )

    select jsonb_build_object(
        'subject', (select to_jsonb(subject) from subject),
        'tier', (
            select jsonb_build_object(
                'credit_tier', a.credit_tier, 'credit_tier_reason', a.credit_tier_reason,
                'is_key_supervision', a.is_key_supervision, 'active_list_type_names', a.active_list_type_names,
                'active_redlist_honours', a.active_redlist_honours
            )
            from archive as a
        ),
        'authorised', case when include_authorised then (
            select jsonb_build_object(
                'utility_arrears_count', a.utility_arrears_count, 'current_arrears_yuan', a.current_arrears_yuan,
                'max_arrears_periods', a.max_arrears_periods, 'logistics_credit_rating', a.logistics_credit_rating,
                'authorised_credit_tier', a.authorised_credit_tier,
                'authorised_credit_tier_reason', a.authorised_credit_tier_reason
            )
            from archive as a
        ) end,
        -- a record withheld by an upheld 异议更正 is known to be wrong: only the corrections section names it
        'records', coalesce((
            select jsonb_agg(to_jsonb(records) order by records.record_kind, records.event_date desc nulls last)
            from records
            where records.status <> 'withheld'
        ), '[]'::jsonb),
        'listings', coalesce((
            select jsonb_agg(to_jsonb(listings) order by listings.listed_on desc nulls last) from listings
        ), '[]'::jsonb),
        'corrections', coalesce((
            select jsonb_agg(jsonb_build_object(
                'record_kind', r.record_kind, 'doc_no', r.doc_no, 'status', r.status, 'ended_on', r.ended_on,
                'correction_id', r.correction_id, 'removal_reason', r.removal_reason
            ) order by r.ended_on desc nulls last)
            from records as r
            where r.correction_id is not null or r.status in ('repaired', 'withdrawn', 'withheld')
        ), '[]'::jsonb),
        'include_authorised', include_authorised
    )
    where exists (select 1 from subject)
$$;

create or replace function analytics.public_credit_report(subject_code text)
returns jsonb
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    wanted text := util.normalize_code(subject_code);
begin
    if util.resident_id_is_valid(wanted) then
        raise exception 'natural persons are looked up by their subject_key (analytics.dim_credit_archive), not by ID number';
    end if;
    return analytics.credit_report_document(wanted, false);
end
$$;

create or replace function analytics.credit_report_of(subject_code text, purpose text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    wanted text := analytics.audit_subject_access(subject_code, purpose);
begin
    return analytics.credit_report_document(wanted, true);
end
$$;

reset role;

alter function analytics.credit_report_document(text, boolean) owner to transformer;
alter function analytics.public_credit_report(text) owner to transformer;
alter function analytics.credit_report_of(text, text) owner to transformer;
revoke all on function analytics.credit_report_document(text, boolean) from public;
revoke all on function analytics.public_credit_report(text) from public;
revoke all on function analytics.credit_report_of(text, text) from public;
grant execute on function analytics.public_credit_report(text) to analyst;
grant execute on function analytics.credit_report_of(text, text) to analyst;

{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['subject_key'], 'unique': true}, {'columns': ['uscc']}, {'columns': ['credit_tier']}],
        pre_hook=[
            "{% call(previous) collect_changed_subjects() %}
                select commitment.subject_key
                from {{ ref('fct_credit_record') }} as commitment
                where
                    commitment.record_kind = 'commitment'
                    and commitment.details ->> 'fulfilment' = 'breached'
                    and {{ commitment_breached_on('commitment') }} > {{ previous.as_of }} - interval '12 months'
                    and {{ commitment_breached_on('commitment') }} <= {{ as_of_date() }} - interval '12 months'
            {% endcall %}",
            "{{ delete_changed_subjects() }}",
        ],
        post_hook=["{{ record_build() }}"],
    )
}}
-- 信用档案: one row per credit subject, everything an analyst asks first. The credit tier rules are
-- written once (macros/credit_tier.sql) for two tiers: the public one, from what analysts may see, and
-- the authorised one, which also weighs arrears and logistics ratings; unit-tested in the yml.
-- Incremental by subject: a night computes the archives of the subjects whose records changed since the last
-- build (macro subjects_changed_since) or whose breached commitment left the 12 months, after the pre-hooks
-- dropped their rows.
-- depends_on: {{ ref('int_credit_record__current') }}
{%- set previous = previous_build() %}
{%- set changed_only %}
    {%- if previous %}
        where subject_key in (select changed_subject.subject_key from changed_subject)
    {%- endif %}
{%- endset %}

with subjects as (
    select
        subject_key,
        uscc,
        subject_kind,
        primary_name,
        id_no_masked
    from {{ ref('dim_credit_subject') }}
    {{ changed_only }}
),

-- the columns the archive reads, not the records' whole details: the CTE is read twice, so PostgreSQL
-- writes it out once (every record's details made it 770 MB on disk at 800k records)
records as (
    select
        record_id,
        subject_key,
        record_kind,
        source_feed,
        status,
        severity,
        doc_no,
        event_date,
        fine_amount_10k_yuan,
        arrears_amount_yuan,
        arrears_periods,
        details ->> 'fulfilment' as fulfilment,
        {{ commitment_breached_on('record') }} as breached_on,
        details ->> 'honour_name' as honour_name,
        details ->> 'credit_rating' as credit_rating
    from {{ ref('fct_credit_record') }} as record
    {{ changed_only }}
),

counts as (
    select
        subject_key,
        count(*) filter (where record_kind = 'license') as license_count,
        count(*) filter (where record_kind = 'penalty') as penalty_count,
        count(*) filter (where record_kind = 'penalty' and status = 'active') as active_penalty_count,
        count(*) filter (
            where record_kind = 'penalty' and status = 'active' and severity = 'serious'
        ) as active_serious_penalty_count,
        count(*) filter (where record_kind = 'redlist') as redlist_count,
        count(*) filter (where record_kind = 'blacklist') as blacklist_count,
        count(*) filter (where record_kind = 'commitment') as commitment_count,
        count(*) filter (
            where record_kind = 'commitment'
            and fulfilment = 'breached'
            and breached_on > {{ as_of_date() }} - interval '12 months'
        ) as breached_commitment_count_12m,
        count(*) filter (where record_kind = 'utility_arrears') as utility_arrears_count,
        count(*) filter (where record_kind = 'court') as court_count,
        array_agg(honour_name order by event_date desc, record_id asc) filter (
            where record_kind = 'redlist' and status = 'active'
        ) as active_redlist_honours,
        coalesce(sum(arrears_amount_yuan) filter (
            where record_kind = 'utility_arrears' and status = 'active'
        ), 0) as current_arrears_yuan,
        coalesce(max(arrears_periods) filter (
            where record_kind = 'utility_arrears' and status = 'active'
        ), 0) as max_arrears_periods,
        bool_or(record_kind = 'court' and source_feed = 'court_dishonest_debtor' and status = 'active')
            as is_dishonest_debtor,
        bool_or(record_kind = 'court' and source_feed = 'court_consumption_restriction' and status = 'active')
            as is_consumption_restricted,
        (array_agg(credit_rating order by event_date desc, record_id asc) filter (
            where record_kind = 'logistics_rating' and status = 'active'
        ))[1] as logistics_credit_rating
    from records
    group by subject_key
),

latest_penalty as (
    select distinct on (subject_key)
        subject_key,
        doc_no as latest_penalty_doc_no,
        event_date as latest_penalty_decided_on,
        severity as latest_penalty_severity,
        status as latest_penalty_status,
        fine_amount_10k_yuan as latest_penalty_fine_10k_yuan
    from records
    where record_kind = 'penalty'
    order by subject_key asc, event_date desc nulls last, record_id asc
),

listings as (
    select
        subject_key,
        count(*) as active_blacklist_count,
        array_agg(distinct list_type_code order by list_type_code) as active_list_type_codes,
        array_agg(distinct list_type_name order by list_type_name) as active_list_type_names
    from {{ ref('fct_blacklist_listing') }}
    {{ changed_only }}
    group by subject_key
),

key_supervision as (
    select subject_key
    from {{ ref('dim_key_supervision_target') }}
    {{ changed_only }}
),

archive as (
    select
        subjects.subject_key,
        subjects.uscc,
        subjects.subject_kind,
        subjects.primary_name,
        subjects.id_no_masked,
        coalesce(counts.license_count, 0) as license_count,
        coalesce(counts.penalty_count, 0) as penalty_count,
        coalesce(counts.active_penalty_count, 0) as active_penalty_count,
        coalesce(counts.active_serious_penalty_count, 0) as active_serious_penalty_count,
        coalesce(counts.redlist_count, 0) as redlist_count,
        coalesce(counts.blacklist_count, 0) as blacklist_count,
        coalesce(counts.commitment_count, 0) as commitment_count,
        coalesce(counts.breached_commitment_count_12m, 0) as breached_commitment_count_12m,
        coalesce(counts.utility_arrears_count, 0) as utility_arrears_count,
        coalesce(counts.court_count, 0) as court_count,
        coalesce(listings.active_blacklist_count, 0) as active_blacklist_count,
        coalesce(listings.active_list_type_codes, '{}') as active_list_type_codes,
        coalesce(listings.active_list_type_names, '{}') as active_list_type_names,
        -- a black-listed subject's honours are suspended: shown, not in force (守信激励 stops while 失信)
        case
            when coalesce(listings.active_blacklist_count, 0) = 0 then coalesce(counts.active_redlist_honours, '{}')
            else '{}'
        end as active_redlist_honours,
        case
            when coalesce(listings.active_blacklist_count, 0) > 0 then coalesce(counts.active_redlist_honours, '{}')
            else '{}'
        end as suspended_redlist_honours,
        latest_penalty.latest_penalty_doc_no,
        latest_penalty.latest_penalty_decided_on,
        latest_penalty.latest_penalty_severity,
        latest_penalty.latest_penalty_status,
        latest_penalty.latest_penalty_fine_10k_yuan,
        coalesce(counts.current_arrears_yuan, 0) as current_arrears_yuan,
        coalesce(counts.max_arrears_periods, 0) as max_arrears_periods,
        case
            when counts.is_dishonest_debtor then 'dishonest_debtor'
            when counts.is_consumption_restricted then 'consumption_restricted'
            else 'clear'
        end as court_status,
        counts.logistics_credit_rating,
        key_supervision.subject_key is not null as is_key_supervision
    from subjects
    left join counts on subjects.subject_key = counts.subject_key
    left join latest_penalty on subjects.subject_key = latest_penalty.subject_key
    left join listings on subjects.subject_key = listings.subject_key
    left join key_supervision on subjects.subject_key = key_supervision.subject_key
)

select
    archive.*,
    {{ credit_tier(authorised=false) }} as credit_tier,
    {{ credit_tier_reason(authorised=false) }} as credit_tier_reason,
    {{ credit_tier(authorised=true) }} as authorised_credit_tier,
    {{ credit_tier_reason(authorised=true) }} as authorised_credit_tier_reason
from archive

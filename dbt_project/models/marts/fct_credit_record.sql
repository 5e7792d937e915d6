{{
    config(
        materialized='incremental',
        unique_key='record_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['record_id'], 'unique': true},
            {'columns': ['subject_key']},
            {'columns': ['record_kind', 'status']},
            {'columns': ['updated_at']},
            {'columns': ['status', 'natural_end_on']},
        ],
        post_hook=[
            "{% set previous = previous_build() %}
            {% if previous %}
                delete from {{ this }} as built
                using {{ ref('int_credit_record__current') }} as current_record
                where
                    current_record.rebuilt_at > {{ previous.built_at }}
                    and current_record.subject_key is null
                    and current_record.record_kind = built.record_kind
                    and current_record.record_key = built.record_key
            {% else %}
                delete from {{ this }} as built where not exists (
                    select 1 from {{ ref('int_credit_record__current') }} as current_record
                    where current_record.subject_key is not null
                        and current_record.record_kind = built.record_kind
                        and current_record.record_key = built.record_key
                )
            {% endif %}",
            "{{ record_build() }}",
        ],
    )
}}
-- Every credit record of every kind at one grain, with disclosure class, publicity window and
-- status as of the night (macro as_of_date). Only rows whose content changed are rewritten, so
-- updated_at says when a record last changed (the publish delta uses it). A night computes the records
-- that may have changed since the last build: rebuilt in int_credit_record__current, active ones whose
-- natural end has come, and those an upheld correction names that was reported for a later night or gated
-- since (macro batches_since), came into effect or is resolved through the crosswalk since; a backfill or a
-- changed model computes every record (macro previous_build). The post-hook drops the rows of records that
-- lost their subject, or that the night does not have (an earlier night rebuilt after later ones).
-- depends_on: {{ source('ops', 'load_batch') }}
{%- set previous = previous_build() %}

with
{%- if previous %}
    changed as (
        select
            record_kind,
            record_key
        from {{ ref('int_credit_record__current') }}
        where rebuilt_at > {{ previous.built_at }}
        union
        select
            record_kind,
            record_key
        from {{ this }}
        where status = 'active' and natural_end_on <= {{ as_of_date() }}
        union
        select
            current_record.record_kind,
            current_record.record_key
        from {{ ref('int_credit_correction__upheld') }} as correction
        inner join {{ ref('int_credit_record__current') }} as current_record
            on
                correction.record_kind = current_record.record_kind
                and correction.record_doc_no = current_record.doc_no
        where
            correction.effective_on > {{ previous.as_of }} and correction.effective_on <= {{ as_of_date() }}
            or correction.subject_by_crosswalk
            or correction.batch_id = any(array({{ batches_since(previous, 'credit_correction') }}))
    ),
{%- endif %}

records as (
    select
        current_record.*,
        -- the feed registry's class (seed feed, exported from the registry)
        feed.disclosure_class
    from {{ ref('int_credit_record__current') }} as current_record
    left join {{ ref('feed') }} as feed on current_record.source_feed = feed.feed
    where
        current_record.subject_key is not null  -- noqa: LT02
        {%- if previous %}
            and (current_record.record_kind, current_record.record_key) in (
                select
                    changed.record_kind,
                    changed.record_key
                from changed
            )
        {%- endif %}
),

corrections as (
    select *
    from {{ ref('int_credit_correction__upheld') }}
    where effective_on <= {{ as_of_date() }}
),

with_correction as (
    select
        records.*,
        correction.correction_id,
        correction.action as correction_action,
        correction.effective_on as corrected_on
    from records
    left join lateral (
        select
            corrections.correction_id,
            corrections.action,
            corrections.effective_on
        from corrections
        where
            corrections.record_kind = records.record_kind
            and corrections.record_doc_no = records.doc_no
            -- an 异议更正 holds only until the corrected re-report: a report after the decision supersedes it
            and (corrections.action <> 'correct' or records.last_reported_on <= corrections.effective_on)
            and (
                corrections.subject_key = records.subject_key
                -- court records carry masked IDs: match on the visible first 6 and last 4 characters
                or (
                    left(corrections.id_no_masked, 6) = left(records.id_no_masked, 6)
                    and right(corrections.id_no_masked, 4) = right(records.id_no_masked, 4)
                )
            )
        order by
            case corrections.action when 'withdraw' then 0 else 1 end,
            corrections.effective_on desc
        limit 1
    ) as correction on true
),

bands as (
    -- 失信行为 publicity of a penalty: 一般 3 months to 1 year, 严重 1 to 3 years after the decision
    select
        with_correction.*,
        case when severity = 'serious' then interval '1 year' else interval '3 months' end as publicity_min,
        case when severity = 'serious' then interval '3 years' else interval '1 year' end as publicity_max
    from with_correction
),

windows as (
    select
        bands.*,
        case record_kind
            when 'penalty' then event_date
            when 'license' then event_date
            when 'redlist' then valid_from
            when 'blacklist' then valid_from
            when 'court' then coalesce(valid_from, event_date)
        end as publicity_from,
        case
            -- a reported end outside the legal band is clamped into it; a missing one gets the maximum
            when record_kind = 'penalty' and event_date is not null
                then least(
                        greatest(coalesce(publicity_until_reported, event_date + publicity_max), event_date + publicity_min),
                        event_date + publicity_max
                    )::date
            when record_kind = 'penalty' then publicity_until_reported
            when record_kind in ('license', 'redlist') then valid_to
            when record_kind = 'blacklist' then publicity_until_reported
        end as publicity_until
    from bands
),

statuses as (
    select
        windows.*,
        case
            when record_kind in ('blacklist', 'court') then least(removed_on, publicity_until)
            when record_kind in ('penalty', 'license', 'redlist') then publicity_until
            when record_kind = 'utility_arrears' and coalesce(arrears_amount_yuan, 0) <= 0 then event_date
        end as natural_end_on
    from windows
),

computed as (
    select
        record_kind || ':' || record_key as record_id,
        record_kind,
        record_key,
        source_feed,
        doc_no,
        subject_key,
        subject_name,
        subject_category,
        id_no_masked,
        disclosure_class,
        event_date,
        valid_from,
        valid_to,
        list_type_code,
        severity,
        fine_amount_10k_yuan,
        arrears_amount_yuan,
        arrears_periods,
        authority,
        publicity_from,
        publicity_until,
        natural_end_on,
        case
            when correction_action = 'withdraw' then 'withdrawn'
            when correction_action = 'repair' then 'repaired'
            when correction_action = 'correct' then 'withheld'
            when record_kind = 'blacklist' and removed_on <= {{ as_of_date() }} and removal_reason like '%修复%'
                then 'repaired'
            when natural_end_on <= {{ as_of_date() }} then 'expired'
            else 'active'
        end as status,
        case
            when correction_action is not null then corrected_on
            when natural_end_on <= {{ as_of_date() }} then natural_end_on
        end as ended_on,
        removal_reason,
        correction_id,
        first_reported_on,
        last_reported_on,
        report_count,
        details
    from statuses
),

hashed as (
    select
        computed.*,
        md5(computed::text) as row_hash
    from computed
    -- a fence: each row is computed and hashed once, not again for the comparison with the built row
    offset 0  -- noqa: AM09
)

select
    hashed.*,
    now() as updated_at,
    -- the invocation that wrote the row: a night's personal-data test scans only the rows it rewrote
    '{{ invocation_id }}' as written_by_invocation
from hashed
{%- if is_incremental() %}
    where not exists (
            select 1
            from {{ this }} as built
            where
                built.record_id = hashed.record_id
                and built.row_hash = hashed.row_hash
        )
{%- endif %}

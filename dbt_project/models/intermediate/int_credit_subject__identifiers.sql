{{
    config(
        materialized='incremental',
        unique_key=['identifier_kind', 'identifier'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['identifier_kind', 'identifier'], 'unique': true}],
        post_hook=[
            "{{ delete_rows_after_night('first_seen_on') }}",
            "{{ record_build() }}",
        ],
    )
}}
-- Crosswalk from every identifier an organisation was reported under to its USCC: the USCC itself,
-- its embedded organisation code (characters 9-17) and any legacy registration number (工商注册号,
-- 税务登记号, 事业单位证书号, 社会组织登记证号) seen on a report together with a valid USCC. A legacy
-- code claimed by two USCCs is ambiguous: its row has no USCC rather than a guess.
-- Incremental: the history only grows and every figure here is a count, a minimum or a maximum, so a night
-- adds the claims of the reports appended since the last build (or of nights after its night) to the row it
-- kept. A backfill or a changed model counts every report again and drops the codes the night has not seen yet.
-- depends_on: {{ source('ops', 'load_batch') }}
{%- set previous = previous_build() %}

with known as (
    select
        uscc,
        org_code,
        legacy_reg_nos,
        reported_on
    from {{ ref('int_credit_record__history') }}
    -- the history holds every night loaded so far: an earlier night rebuilt sees its own reports only
    where
        util.uscc_is_valid(uscc)
        and reported_on <= {{ as_of_date() }}  -- noqa: LT02
        {%- if previous %}
            and {{ history_reports_since(previous) }}
        {%- endif %}
),

claims as (
    select
        'uscc' as identifier_kind,
        uscc as identifier,
        uscc,
        reported_on
    from known
    union all
    select
        'org_code' as identifier_kind,
        substr(uscc, 9, 9) as identifier,
        uscc,
        reported_on
    from known
    union all
    select
        'legacy_reg_no' as identifier_kind,
        legacy.code as identifier,
        known.uscc,
        known.reported_on
    from known
    cross join lateral unnest(string_to_array(known.legacy_reg_nos, ' ')) as legacy (code)
    where legacy.code <> known.uscc
),

counted as (
    select
        identifier_kind,
        identifier,
        case when min(uscc) = max(uscc) then min(uscc) end as uscc,
        count(*) as report_count,
        min(reported_on) as first_seen_on,
        max(reported_on) as last_seen_on
    from claims
    group by identifier_kind, identifier
)

{%- if previous %}

    select
        counted.identifier_kind,
        counted.identifier,
        case when kept.identifier is null or kept.uscc = counted.uscc then counted.uscc end as uscc,
        counted.report_count + coalesce(kept.report_count, 0) as report_count,
        least(counted.first_seen_on, kept.first_seen_on) as first_seen_on,
        greatest(counted.last_seen_on, kept.last_seen_on) as last_seen_on
    from counted
    left join {{ this }} as kept
        on
            counted.identifier_kind = kept.identifier_kind
            and counted.identifier = kept.identifier
{%- else %}

    select * from counted
{%- endif %}

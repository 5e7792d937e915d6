{{ config(indexes=[{'columns': ['month_start'], 'unique': true}]) }}
-- 城市信用状况监测预警指标, one row per month from the first delivery to the current month. Month
-- figures are "as of the month's last day" where a stock is measured (subjects, listings) and
-- "during the month" where a flow is (reports, batches, corrections). Definitions: _marts.yml.
{#- every registry feed: the quarantine sources exported from the feed registry -#}
{%- set feeds = graph.sources.values() | selectattr('source_name', 'equalto', 'quarantine')
    | map(attribute='name') | sort | list %}
with months as (
    select
        month_start::date as month_start,
        (month_start + interval '1 month' - interval '1 day')::date as month_end
    from generate_series(
        (select date_trunc('month', min(logical_date)) from {{ source('ops', 'load_batch') }}),
        date_trunc('month', {{ as_of_date() }}),
        interval '1 month'
    ) as spine (month_start)
),

calendar as (
    {{ working_day_numbers() }}
),

timeliness as (
    select
        date_trunc('month', first_reported_on)::date as month_start,
        count(*) filter (where not depends_on_provisional_day) as reported,
        count(*) filter (where is_timely) as timely
    from {{ ref('int_double_publicity__timeliness') }}
    group by month_start
),

batches as (
    select
        date_trunc('month', logical_date)::date as month_start,
        feed,
        batch_id,
        status,
        coalesce(rows_received, 0) as rows_received,
        coalesce(rows_quarantined, 0) as rows_quarantined
    from {{ source('ops', 'load_batch') }}
    where status in ('accepted', 'rejected')
),

accuracy as (
    select
        month_start,
        sum(rows_received) as rows_reported,
        sum(rows_received - rows_quarantined) filter (where status = 'accepted') as rows_correct
    from batches
    where feed in ('dept_license', 'dept_penalty')
    group by month_start
),

held_rows as (
    {%- for feed in feeds %}
        select
            _batch_id as batch_id,
            reasons
        from {{ source('quarantine', feed) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

code_quality as (
    select
        batches.month_start,
        count(*) filter (
            where exists (
                select 1 from jsonb_array_elements(held_rows.reasons) as reason (item)
                where reason.item ->> 'column' = 'uscc'
            )
        ) as uscc_error_rows,
        count(*) filter (
            where exists (
                select 1 from jsonb_array_elements(held_rows.reasons) as reason (item)
                where reason.item ->> 'expectation' in ('business_key_unique', 'business_key_new')
            )
        ) as duplicate_rows
    from held_rows
    inner join batches on held_rows.batch_id = batches.batch_id
    group by batches.month_start
),

received as (
    select
        month_start,
        sum(rows_received) as rows_received
    from batches
    group by month_start
),

records as (
    select
        fct.record_kind,
        fct.subject_key,
        fct.list_type_code,
        fct.status,
        fct.valid_from,
        fct.ended_on,
        fct.first_reported_on,
        subject.subject_kind
    from {{ ref('fct_credit_record') }} as fct
    inner join {{ ref('dim_credit_subject') }} as subject
        on fct.subject_key = subject.subject_key
),

stock as (
    select
        months.month_start,
        count(*) filter (where records.subject_kind <> 'natural_person') as enterprise_records,
        count(distinct records.subject_key) filter (where records.subject_kind <> 'natural_person')
            as enterprises,
        count(*) filter (where records.subject_kind = 'natural_person') as person_records,
        count(distinct records.subject_key) filter (where records.subject_kind = 'natural_person') as persons,
        count(distinct records.subject_key) filter (
            where records.subject_kind <> 'natural_person'
            and records.list_type_code is not null
            and records.status <> 'withdrawn'
            and coalesce(records.valid_from, records.first_reported_on) <= months.month_end
            and (records.ended_on is null or records.ended_on > months.month_end)
        ) as blacklisted_enterprises,
        count(*) filter (
            where records.list_type_code is not null
            and records.status in ('repaired', 'expired')
            and records.ended_on > months.month_end - interval '12 months'
            and records.ended_on <= months.month_end
        ) as listings_exited_12m,
        count(*) filter (
            where records.list_type_code is not null
            and records.status <> 'withdrawn'
            and coalesce(records.valid_from, records.first_reported_on) <= months.month_end
            and (records.ended_on is null or records.ended_on > months.month_end - interval '12 months')
        ) as listings_in_force_12m
    from months
    inner join records
        on months.month_end >= records.first_reported_on
    group by months.month_start
),

objections as (
    select
        date_trunc('month', correction.closed_on)::date as month_start,
        count(*) as objections_closed,
        avg(closed.working_day_number - applied.working_day_number) as avg_handling_working_days,
        count(*) filter (where closed.working_day_number - applied.working_day_number <= 15) as answered_in_time
    from {{ ref('stg_platform__credit_correction') }} as correction
    inner join calendar as applied on correction.applied_on = applied.calendar_date
    inner join calendar as closed on correction.closed_on = closed.calendar_date
    where correction.action in ('correct', 'withdraw')
    group by month_start
)

select
    months.month_start,
    months.month_end,
    coalesce(timeliness.reported, 0) as double_publicity_reported,
    coalesce(timeliness.timely, 0) as double_publicity_timely,
    round(timeliness.timely::numeric / nullif(timeliness.reported, 0), 4) as double_publicity_timeliness_share,
    round(accuracy.rows_correct::numeric / nullif(accuracy.rows_reported, 0), 4) as double_publicity_accuracy,
    round(stock.enterprise_records::numeric / nullif(stock.enterprises, 0), 2) as avg_records_per_enterprise,
    round(stock.person_records::numeric / nullif(stock.persons, 0), 2) as avg_records_per_person,
    coalesce(received.rows_received, 0) as rows_received,
    round(coalesce(code_quality.uscc_error_rows, 0)::numeric / nullif(received.rows_received, 0), 4)
        as uscc_error_rate,
    round(coalesce(code_quality.duplicate_rows, 0)::numeric / nullif(received.rows_received, 0), 4)
        as duplicate_rate,
    coalesce(stock.blacklisted_enterprises, 0) as blacklisted_enterprises,
    round(stock.blacklisted_enterprises::numeric / nullif(stock.enterprises, 0), 4) as blacklisted_enterprise_share,
    coalesce(stock.listings_exited_12m, 0) as blacklist_exits_12m,
    round(stock.listings_exited_12m::numeric / nullif(stock.listings_in_force_12m, 0), 4)
        as blacklist_exit_ratio_12m,
    coalesce(objections.objections_closed, 0) as objections_closed,
    round(objections.avg_handling_working_days, 1) as avg_objection_handling_working_days,
    round(objections.answered_in_time::numeric / nullif(objections.objections_closed, 0), 4)
        as objections_answered_in_time_share
from months
left join timeliness on months.month_start = timeliness.month_start
left join accuracy on months.month_start = accuracy.month_start
left join code_quality on months.month_start = code_quality.month_start
left join received on months.month_start = received.month_start
left join stock on months.month_start = stock.month_start
left join objections on months.month_start = objections.month_start

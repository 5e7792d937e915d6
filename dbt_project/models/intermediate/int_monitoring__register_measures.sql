-- Monitoring measures of the market register per month and division (long: measure, amount), as of the
-- month's last day: live_enterprises (存续企业: market subjects live that day) and, for 城市重错码率,
-- register_codes (the codes of live subjects: one each), error_codes and duplicate_codes.
with months as (
    select * from {{ ref('int_monitoring__months') }}
),

register as (
    select * from {{ ref('int_market_subject__register') }}
),

live as (
    select
        months.month_start,
        register.division_code,
        count(*) as live_enterprises
    from months
    inner join register
        on
            months.month_end >= register.established_on
            and (register.left_register_on is null or months.month_end < register.left_register_on)
    group by months.month_start, register.division_code
),

-- entries the gate held: for their code (错码), or as a second subject in the same delivery under a code
-- registered to another name (重码)
held as (
    select
        batch.logical_date,
        reasons.is_error_code,
        util.normalize_code(held_row.division_code) as division_code,
        util.normalize_code(held_row.uscc) as uscc,
        reasons.is_repeated_key
        and register.subject_name <> coalesce(util.null_if_placeholder(held_row.subject_name), '') as is_duplicate_code
    from {{ source('quarantine', 'dept_market_subject') }} as held_row
    inner join {{ source('ops', 'load_batch') }} as batch on held_row._batch_id = batch.batch_id
    left join register on util.normalize_code(held_row.uscc) = register.uscc
    cross join lateral (
        select
            coalesce(bool_or(reason.item ->> 'column' = 'uscc'), false) as is_error_code,
            coalesce(bool_or(reason.item ->> 'expectation' = 'business_key_unique'), false) as is_repeated_key
        from jsonb_array_elements(held_row.reasons) as reason (item)
    ) as reasons
),

held_codes as (
    select
        months.month_start,
        held.division_code,
        count(distinct held.uscc) filter (where held.is_error_code) as error_codes,
        count(distinct held.uscc) filter (where held.is_duplicate_code and not held.is_error_code) as duplicate_codes
    from months
    inner join held on months.month_end >= held.logical_date
    group by months.month_start, held.division_code
),

-- 重码 across deliveries: one code accepted for subjects established on different days (a renamed
-- subject keeps its establishment date; a second subject under the code does not)
establishments as (
    select
        uscc,
        established_on,
        max(division_code) as division_code,
        min(reported_on) as first_reported_on
    from {{ ref('stg_department__market_subject') }}
    where uscc is not null
    group by uscc, established_on
),

duplicated as (
    select
        uscc,
        max(division_code) as division_code,
        (array_agg(first_reported_on order by first_reported_on))[2] as duplicated_on
    from establishments
    group by uscc
    having count(*) > 1
),

duplicates as (
    select
        months.month_start,
        duplicated.division_code,
        count(*) as duplicate_codes
    from months
    inner join duplicated on months.month_end >= duplicated.duplicated_on
    group by months.month_start, duplicated.division_code
)

select
    live.month_start,
    live.division_code,
    measure.name as measure,
    measure.amount
from live
cross join
    lateral (values ('live_enterprises', live.live_enterprises), ('register_codes', live.live_enterprises))
        as measure (name, amount)
union all
select
    held_codes.month_start,
    held_codes.division_code,
    measure.name as measure,
    measure.amount
from held_codes
cross join
    lateral (values ('error_codes', held_codes.error_codes), ('duplicate_codes', held_codes.duplicate_codes))
        as measure (name, amount)
union all
select
    month_start,
    division_code,
    'duplicate_codes' as measure,
    duplicate_codes as amount
from duplicates

-- 双公示 measures per month and division (long: measure, amount), placed in the subject's division (its
-- register division, else the USCC's; a person's where reported):
--   decisions_reported, decisions_timely  decisions first reported in the month, of them within the deadline
--                                         (days that depend on a provisional calendar are not judged, so not
--                                         counted in either)
--   rows_reported, rows_correct           rows received in the month's licensing and penalty batches (accepted
--                                         or held), of them rows of accepted batches that passed every check
--                                         (报送数据量, 正确数据量)
with timeliness as (
    select
        date_trunc('month', decisions.first_reported_on)::date as month_start,
        coalesce(register.division_code, subject.division_code) as division_code,
        count(*) filter (where not decisions.depends_on_provisional_day) as decisions_reported,
        count(*) filter (where decisions.is_timely) as decisions_timely
    from {{ ref('int_double_publicity__timeliness') }} as decisions
    left join {{ ref('dim_credit_subject') }} as subject on decisions.subject_key = subject.subject_key
    left join {{ ref('int_market_subject__register') }} as register on subject.uscc = register.uscc
    group by 1, 2
),

{%- set feeds = ['dept_license', 'dept_penalty'] %}

received as (
    {%- for feed in feeds %}
        select
            batch.logical_date,
            util.normalize_code(received.uscc) as uscc,
            batch.status = 'accepted' and held._row_number is null as is_correct
        from {{ source('raw', feed) }} as received
        inner join {{ source('ops', 'load_batch') }} as batch on received._batch_id = batch.batch_id
        left join {{ source('quarantine', feed) }} as held
            on received._batch_id = held._batch_id and received._row_number = held._row_number
        where batch.status in ('accepted', 'rejected') and batch.logical_date <= {{ as_of_date() }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

accuracy as (
    select
        date_trunc('month', received.logical_date)::date as month_start,
        coalesce(register.division_code, substr(received.uscc, 3, 6)) as division_code,
        count(*) as rows_reported,
        count(*) filter (where received.is_correct) as rows_correct
    from received
    left join {{ ref('int_market_subject__register') }} as register on received.uscc = register.uscc
    group by 1, 2
)

select
    timeliness.month_start,
    timeliness.division_code,
    measure.name as measure,
    measure.amount
from timeliness
cross join
    lateral (
        values ('decisions_reported', timeliness.decisions_reported),
        ('decisions_timely', timeliness.decisions_timely)
    ) as measure (name, amount)
union all
select
    accuracy.month_start,
    accuracy.division_code,
    measure.name as measure,
    measure.amount
from accuracy
cross join lateral (values ('rows_reported', accuracy.rows_reported), ('rows_correct', accuracy.rows_correct))
    as measure (name, amount)

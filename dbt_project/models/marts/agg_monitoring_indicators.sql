{{ config(indexes=[{'columns': ['month_start', 'division_code'], 'unique': true}]) }}
-- 城市信用状况监测预警指标 by the definitions of the city's monitoring plan, one row per month and division:
-- the platform's city (var platform_city) and each of its counties, every value with its numerator and
-- denominator beside it. Measures come from the int_monitoring__* models (long: month, division, measure,
-- amount); a county's row sums what is placed in it, the city's row everything placed in the city (its
-- counties, the city-level divisions, and what has no division: a person reported without one). A subject
-- registered in another city counts in neither. Definitions: agg_monitoring_indicators.yml.
{%- set city = var('platform_city') %}
{%- set indicators = monitoring_indicators() %}
{%- set measures = [
    'decisions_reported', 'decisions_timely', 'rows_reported', 'rows_correct', 'live_enterprises',
    'register_codes', 'error_codes', 'duplicate_codes', 'enterprise_records', 'person_records', 'commitments',
    'blacklisted_enterprises', 'enterprises_listed_12m', 'enterprises_exited_12m', 'valid_objections',
    'handling_working_days', 'resident_population', 'feedback_cases', 'feedback_sanction_cases',
    'feedback_incentive_cases',
] %}
with months as (
    select * from {{ ref('int_monitoring__months') }}
),

divisions as (
    select
        division_code::text as division_code,
        division_name,
        level as division_level
    from {{ ref('cn_division') }}
    where city_code = '{{ city }}'
),

-- 常住人口: the bulletin of the month's year, else the latest before it, else the earliest there is
population as (
    select distinct on (months.month_start, seed.division_code)
        months.month_start,
        seed.division_code::text as division_code,
        'resident_population' as measure,
        seed.resident_population as amount
    from months
    cross join {{ ref('resident_population') }} as seed
    order by
        months.month_start, seed.division_code,
        (seed.year <= extract(year from months.month_start)) desc,
        abs(seed.year - extract(year from months.month_start)) asc
),

measured as (
    {%- for measures in ['double_publicity', 'register', 'record', 'objection', 'feedback'] %}
        select
            month_start,
            division_code,
            measure,
            amount
        from {{ ref('int_monitoring__' ~ measures ~ '_measures') }}
        union all
    {%- endfor %}
    select
        month_start,
        division_code,
        measure,
        amount
    from population
),

placed as (
    select
        measured.month_start,
        measured.measure,
        measured.amount,
        case when divisions.division_level = 'county' then divisions.division_code end as county_code
    from measured
    inner join divisions on coalesce(measured.division_code, '{{ city }}') = divisions.division_code
),

rolled_up as (
    select
        month_start,
        county_code as division_code,
        measure,
        sum(amount) as amount
    from placed
    where county_code is not null
    group by month_start, county_code, measure
    union all
    select
        month_start,
        '{{ city }}' as division_code,
        measure,
        sum(amount) as amount
    from placed
    group by month_start, measure
),

wide as (
    select
        months.month_start,
        months.month_end,
        {%- for measure in measures %}
            coalesce(sum(rolled_up.amount) filter (where rolled_up.measure = '{{ measure }}'), 0) as {{ measure }},
        {%- endfor %}
        divisions.division_code,
        divisions.division_name,
        divisions.division_level
    from months
    cross join divisions
    left join rolled_up
        on months.month_start = rolled_up.month_start and divisions.division_code = rolled_up.division_code
    where divisions.division_level in ('city', 'county')
    group by
        months.month_start, months.month_end, divisions.division_code, divisions.division_name,
        divisions.division_level
)

select
    *,
    {%- for indicator in indicators %}
        round({{ indicator.numerator }}::numeric / nullif({{ indicator.denominator }}, 0), {{ indicator.digits }})
            as {{ indicator.name }},
    {%- endfor %}
    round(
        enterprise_records::numeric / nullif(live_enterprises, 0)
        + person_records::numeric / nullif(resident_population, 0), 6
    ) as avg_records_per_subject,
    -- item 26 asks whether cases are fed back month by month (机制化反馈), a yes or no with the counts beside it
    feedback_cases > 0 as joint_measure_fed_back
from wide

-- Monitoring measures of the credit records per month and division (long: measure, amount), as of the
-- month's last day. Enterprises are market subjects (USCC registration authority 9: 企业, 个体工商户,
-- 农民专业合作社, as the register counts them), placed in their register division (else the USCC's);
-- persons in the division their records were reported in. Withdrawn records never count.
--   enterprise_records, person_records  信用记录数 reported by the month's end
--   blacklisted_enterprises             enterprises with a listing in force on the month's last day
--   enterprises_listed_12m              enterprises with a listing in force at any time in the 12 months to it
--   enterprises_exited_12m              of those, the ones with none left in force on the month's last day
--   commitments                         credit commitments (信用承诺) reported by the month's end
with months as (
    select * from {{ ref('int_monitoring__months') }}
),

records as (
    select
        fct.record_kind,
        fct.subject_key,
        fct.list_type_code,
        fct.first_reported_on,
        coalesce(fct.valid_from, fct.first_reported_on) as in_force_from,
        fct.ended_on,
        subject.subject_kind = 'natural_person' as is_person,
        coalesce(subject.uscc like '9%', false) as is_enterprise,
        coalesce(register.division_code, subject.division_code) as division_code
    from {{ ref('fct_credit_record') }} as fct
    inner join {{ ref('dim_credit_subject') }} as subject on fct.subject_key = subject.subject_key
    left join {{ ref('int_market_subject__register') }} as register on subject.uscc = register.uscc
    where fct.status <> 'withdrawn'
),

-- the counts of records reported by a month's end: each record counted once, in the month it was first
-- reported, then summed over the months up to each (a join of every record to every month grew with both)
reported as (
    select
        date_trunc('month', first_reported_on)::date as month_start,
        division_code,
        count(*) filter (where is_enterprise) as enterprise_records,
        count(*) filter (where is_person) as person_records,
        count(*) filter (where record_kind = 'commitment') as commitments
    from records
    group by date_trunc('month', first_reported_on)::date, division_code
),

reported_by_month as (
    select
        months.month_start,
        reported.division_code,
        sum(reported.enterprise_records)::bigint as enterprise_records,
        sum(reported.person_records)::bigint as person_records,
        sum(reported.commitments)::bigint as commitments
    from months
    inner join reported on months.month_start >= reported.month_start
    group by months.month_start, reported.division_code
),

-- the listed subjects in force: only the enterprises' listings meet every month
listings as (
    select
        subject_key,
        division_code,
        first_reported_on,
        in_force_from,
        ended_on
    from records
    where is_enterprise and list_type_code is not null
),

listed_by_month as (
    select
        months.month_start,
        listings.division_code,
        count(distinct listings.subject_key) filter (
            where listings.in_force_from <= months.month_end
            and (listings.ended_on is null or listings.ended_on > months.month_end)
        ) as blacklisted_enterprises,
        count(distinct listings.subject_key) filter (
            where listings.in_force_from <= months.month_end
            and (listings.ended_on is null or listings.ended_on > (months.month_end - interval '12 months')::date)
        ) as enterprises_listed_12m
    from months
    inner join listings on months.month_end >= listings.first_reported_on
    group by months.month_start, listings.division_code
),

per_month as (
    select
        reported_by_month.month_start,
        reported_by_month.division_code,
        reported_by_month.enterprise_records,
        reported_by_month.person_records,
        reported_by_month.commitments,
        coalesce(listed_by_month.blacklisted_enterprises, 0) as blacklisted_enterprises,
        coalesce(listed_by_month.enterprises_listed_12m, 0) as enterprises_listed_12m
    from reported_by_month
    left join listed_by_month
        on
            reported_by_month.month_start = listed_by_month.month_start
            and reported_by_month.division_code is not distinct from listed_by_month.division_code
)

select
    per_month.month_start,
    per_month.division_code,
    measure.name as measure,
    measure.amount
from per_month
cross join lateral (
    values
    ('enterprise_records', per_month.enterprise_records),
    ('person_records', per_month.person_records),
    ('commitments', per_month.commitments),
    ('blacklisted_enterprises', per_month.blacklisted_enterprises),
    ('enterprises_listed_12m', per_month.enterprises_listed_12m),
    ('enterprises_exited_12m', per_month.enterprises_listed_12m - per_month.blacklisted_enterprises)
) as measure (name, amount)

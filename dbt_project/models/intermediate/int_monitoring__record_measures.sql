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

per_month as (
    select
        months.month_start,
        records.division_code,
        count(*) filter (where records.is_enterprise) as enterprise_records,
        count(*) filter (where records.is_person) as person_records,
        count(*) filter (where records.record_kind = 'commitment') as commitments,
        count(distinct records.subject_key) filter (
            where records.is_enterprise and records.list_type_code is not null
            and records.in_force_from <= months.month_end
            and (records.ended_on is null or records.ended_on > months.month_end)
        ) as blacklisted_enterprises,
        count(distinct records.subject_key) filter (
            where records.is_enterprise and records.list_type_code is not null
            and records.in_force_from <= months.month_end
            and (records.ended_on is null or records.ended_on > (months.month_end - interval '12 months')::date)
        ) as enterprises_listed_12m
    from months
    inner join records on months.month_end >= records.first_reported_on
    group by months.month_start, records.division_code
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

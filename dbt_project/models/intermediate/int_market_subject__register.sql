-- The market register (市场主体登记) one row per market subject: its latest type, name and division, when
-- it was established and when it left the register (注销, 吊销, 撤销 on their closing date; 迁出 on the
-- night it was reported). A subject is live (存续) on a day it was established by and had not left.
with entries as (
    select *
    from {{ ref('stg_department__market_subject') }}
    where uscc is not null
),

latest as (
    select distinct on (uscc)
        uscc,
        subject_name,
        subject_type,
        division_code
    from entries
    order by uscc asc, reported_on desc, batch_id desc, row_number desc
)

select
    latest.uscc,
    latest.subject_name,
    latest.subject_type,
    latest.division_code,
    min(entries.established_on) as established_on,
    min(coalesce(entries.closed_on, entries.reported_on)) filter (
        where entries.registration_status <> 'live'
    ) as left_register_on
from latest
inner join entries on latest.uscc = entries.uscc
group by latest.uscc, latest.subject_name, latest.subject_type, latest.division_code

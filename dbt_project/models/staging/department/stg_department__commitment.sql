-- 信用承诺: one row per accepted report of a commitment and its fulfilment.
with source as (
    {{ accepted_rows('dept_commitment') }}
)

select
    {{ accepted_row_columns() }},
    {{ clean_text('subject_name') }} as subject_name,
    {{ clean_code('uscc') }} as uscc,
    {{ clean_text('commitment_type') }} as commitment_type,
    {{ clean_text('matter') }} as matter,
    {{ clean_date('committed_on') }} as committed_on,
    {{ clean_text('accepting_unit') }} as accepting_unit,
    case {{ clean_text('fulfilment') }}
        when '履约' then 'fulfilled'
        when '违约' then 'breached'
        when '履约中' then 'in_progress'
    end as fulfilment,
    {{ clean_date('breach_noted_on') }} as breach_noted_on
from source

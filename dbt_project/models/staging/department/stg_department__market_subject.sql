-- 市场主体登记: one row per accepted register entry (a subject's registration and each change of its
-- status), from market regulation. Status: live (存续, 在营, 开业, 在册, 在业: the 存续企业 the
-- monitoring indicators divide by), deregistered (注销), revoked (吊销, 撤销) or moved out (迁出).
with source as (
    {{ accepted_rows('dept_market_subject') }}
)

select
    {{ accepted_row_columns() }},
    {{ clean_code('uscc') }} as uscc,
    {{ clean_text('subject_name') }} as subject_name,
    {{ clean_text('subject_type') }} as subject_type,
    case
        when {{ clean_text('registration_status') }} in ('存续', '在营', '在业', '开业', '在册') then 'live'
        when {{ clean_text('registration_status') }} = '注销' then 'deregistered'
        when {{ clean_text('registration_status') }} in ('吊销', '吊销，未注销', '吊销未注销', '撤销') then 'revoked'
        when {{ clean_text('registration_status') }} = '迁出' then 'moved_out'
    end as registration_status,
    {{ clean_date('established_on') }} as established_on,
    {{ clean_date('closed_on') }} as closed_on,
    {{ clean_code('division_code') }} as division_code,
    {{ clean_text('registration_authority') }} as registration_authority
from source

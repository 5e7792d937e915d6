-- 电力欠费 / 窃电: one row per accepted account-month report, amounts in yuan.
with source as (
    {{ accepted_rows('utility_power') }}
)

select
    {{ accepted_row_columns() }},
    {{ clean_month('billing_month') }} as billing_month,
    {{ clean_code('uscc') }} as uscc,
    {{ clean_code('account_no') }} as account_no,
    {{ clean_text('account_name') }} as account_name,
    {{ clean_text('address') }} as address,
    {{ clean_amount('arrears_amount_yuan') }} as arrears_amount_yuan,
    {{ clean_integer('arrears_months') }} as arrears_months,
    {{ clean_text('adverse_event') }} as adverse_event,
    {{ clean_amount('theft_amount_yuan') }} as theft_amount_yuan,
    {{ clean_amount('theft_kwh') }} as theft_kwh,
    {{ clean_code('division_code') }} as division_code
from source

-- 欠缴水费: one row per accepted bill (account and billing month), amounts in yuan.
with source as (
    {{ accepted_rows('utility_water') }}
)

select
    {{ accepted_row_columns() }},
    {{ clean_month('billing_month') }} as billing_month,
    {{ clean_code('uscc') }} as uscc,
    {{ clean_code('account_no') }} as account_no,
    {{ clean_text('account_type') }} as account_type,
    {{ clean_text('account_type') }} = '居民用水' as is_residential,
    {{ clean_text('account_name') }} as account_name,
    {{ clean_text('address') }} as address,
    {{ clean_code('bill_no') }} as bill_no,
    {{ clean_integer('arrears_periods') }} as arrears_periods,
    {{ clean_amount('arrears_amount_yuan') }} as arrears_amount_yuan,
    {{ clean_amount('late_fee_yuan') }} as late_fee_yuan,
    {{ clean_code('division_code') }} as division_code
from source

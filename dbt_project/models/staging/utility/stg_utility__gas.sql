-- 燃气欠费: one row per accepted gas account-month report, amounts in yuan.
with source as (
    {{ accepted_rows('utility_gas') }}
)

select
    {{ accepted_row_columns() }},
    {{ clean_month('billing_month') }} as billing_month,
    {{ clean_code('uscc') }} as uscc,
    {{ clean_code('gas_cert_no') }} as gas_cert_no,
    {{ clean_code('meter_no') }} as meter_no,
    {{ clean_text('account_name') }} as account_name,
    {{ clean_amount('arrears_amount_yuan') }} as arrears_amount_yuan,
    {{ clean_integer('arrears_periods') }} as arrears_periods,
    {{ clean_amount('late_fee_yuan') }} as late_fee_yuan
from source

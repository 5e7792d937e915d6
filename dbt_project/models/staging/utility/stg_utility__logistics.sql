-- 仓储物流: one row per accepted yearly credit rating of a transport or warehousing company.
with source as (
    {{ accepted_rows('logistics') }}
)

select
    {{ accepted_row_columns() }},
    {{ clean_code('uscc') }} as uscc,
    {{ clean_text('company_name') }} as company_name,
    {{ clean_code('transport_license_no') }} as transport_license_no,
    {{ clean_code('warehouse_cert_no') }} as warehouse_cert_no,
    {{ clean_integer('rating_year') }} as rating_year,
    {{ clean_code('credit_rating') }} as credit_rating,
    {{ clean_integer('violations') }} as violations,
    {{ clean_integer('overload_events') }} as overload_events
from source

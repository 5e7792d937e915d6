-- 守信红名单 / 诚信典型: one row per accepted report of an honour.
with source as (
    {{ accepted_rows('dept_redlist') }}
)

select
    _batch_id as batch_id,
    _row_number as row_number,
    _loaded_at as loaded_at,
    reported_on,
    {{ clean_text('subject_name') }} as subject_name,
    {{ clean_code('uscc') }} as uscc,
    {{ clean_text('honour_name') }} as honour_name,
    {{ clean_text('honour_content') }} as honour_content,
    {{ clean_text('honour_level') }} as honour_level,
    {{ clean_text('recognising_unit') }} as recognising_unit,
    {{ normalize_doc_no('recognition_doc_no') }} as recognition_doc_no,
    {{ clean_date('recognised_on') }} as recognised_on,
    {{ clean_date('valid_to') }} as valid_to
from source

-- 守信红名单 / 诚信典型: one row per accepted report of an honour, of an organisation (USCC) or of a
-- natural person (诚信典型 persons, keyed like every person by the vault's person key).
with source as (
    {{ accepted_rows('dept_redlist') }}
)

select
    {{ accepted_row_columns() }},
    {{ clean_text('subject_name') }} as subject_name,
    {{ clean_code('uscc') }} as uscc,
    case when {{ clean_code('uscc') }} is null then 'natural_person' else 'legal_person' end as subject_category,
    {{ person_key('person_id_no') }} as person_key,
    {{ masked_id('person_id_no') }} as person_id_no_masked,
    {{ clean_text('honour_name') }} as honour_name,
    {{ clean_text('honour_content') }} as honour_content,
    {{ clean_text('honour_level') }} as honour_level,
    {{ clean_text('recognising_unit') }} as recognising_unit,
    {{ normalize_doc_no('recognition_doc_no') }} as recognition_doc_no,
    {{ clean_date('recognised_on') }} as recognised_on,
    {{ clean_date('valid_to') }} as valid_to
from source

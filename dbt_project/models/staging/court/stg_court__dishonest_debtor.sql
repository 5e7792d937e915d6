-- 失信被执行人: one row per accepted court record. id_no is a masked resident ID for persons (kept
-- masked: it cannot be validated) or a 9-character organisation code; a full ID, should one slip
-- through, is keyed and masked like everywhere else.
with source as (
    {{ accepted_rows('court_dishonest_debtor') }}
),

cleaned as (
    select
        source.*,
        {{ clean_code('source.id_no') }} as id_code
    from source
)

select
    {{ accepted_row_columns() }},
    {{ normalize_doc_no('case_no') }} as case_no,
    {{ clean_text('debtor_name') }} as debtor_name,
    case
        when {{ clean_text('sex') }} in ('男性', '男') then 'male'
        when {{ clean_text('sex') }} in ('女性', '女') then 'female'
    end as sex,
    {{ clean_integer('age') }} as age,
    {{ court_party_columns('id_code', 'debtor_name') }},
    {{ clean_text('legal_rep') }} as legal_rep,
    {{ clean_text('court') }} as court,
    {{ clean_text('province') }} as province,
    {{ normalize_doc_no('basis_doc_no') }} as basis_doc_no,
    {{ clean_text('basis_unit') }} as basis_unit,
    {{ clean_date('filed_on') }} as filed_on,
    {{ clean_date('published_on') }} as published_on,
    {{ clean_text('duty') }} as duty,
    {{ clean_text('performance') }} as performance,
    {{ clean_text('performed_part') }} as performed_part,
    {{ clean_text('unperformed_part') }} as unperformed_part,
    array_remove(regexp_split_to_array({{ clean_text('behaviours') }}, '\s*[,，;；]\s*'), '') as behaviours,
    {{ clean_code('party_type') }} as party_type
from cleaned

-- 限制高消费: one row per accepted restriction order; identifiers handled as for dishonest debtors.
with source as (
    {{ accepted_rows('court_consumption_restriction') }}
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
    {{ clean_text('restricted_name') }} as restricted_name,
    {{ court_party_columns('id_code', 'restricted_name') }},
    {{ clean_text('legal_rep') }} as legal_rep,
    {{ clean_text('court') }} as court,
    {{ clean_date('filed_on') }} as filed_on,
    {{ clean_date('published_on') }} as published_on
from cleaned
